/**
 * Error function and normal distribution, to double precision: the PMML built-ins `erf`,
 * `normalCDF`, `normalIDF`… and the probit/cauchit link functions need them, and JavaScript
 * has none. Rational approximations of Cephes' ndtr.c (W. J. Cody's coefficients).
 */

const T = [
  9.604973739870516, 90.02601972038427, 2232.005345946843, 7003.325141128051, 55592.30130103949,
];
const U = [
  33.56171416475031, 521.3579497801527, 4594.323829709801, 22629.000061389095, 49267.39426086359,
];
const P = [
  2.461969814735305e-10, 0.5641895648310689, 7.463210564422699, 48.63719709856814,
  196.5208329560771, 526.4451949954773, 934.5285271719576, 1027.5518868951572, 557.5353353693994,
];
const Q = [
  13.228195115474499, 86.70721408859897, 354.9377788878199, 975.7085017432055, 1823.9091668790973,
  2246.3376081871097, 1656.6630919416134, 557.5353408177277,
];
const R = [
  0.5641895835477551, 1.275366707599781, 5.019050422511805, 6.160210979930536, 7.4097426995044895,
  2.9788666537210022,
];
const S = [
  2.2605286322011726, 9.396035249380015, 12.048953980809666, 17.08144507475659, 9.608968090632859,
  3.369076451000815,
];

function polevl(x: number, c: readonly number[]): number {
  let a = c[0]!;
  for (let i = 1; i < c.length; i++) a = a * x + c[i]!;
  return a;
}

/** Like polevl with an implicit leading coefficient of 1. */
function p1evl(x: number, c: readonly number[]): number {
  let a = x + c[0]!;
  for (let i = 1; i < c.length; i++) a = a * x + c[i]!;
  return a;
}

/** Complementary error function. */
export function erfc(a: number): number {
  if (Number.isNaN(a)) return a;
  const x = Math.abs(a);
  if (x < 1) return 1 - erf(a);
  const z = Math.exp(-a * a);
  let y: number;
  if (x < 8) y = (z * polevl(x, P)) / p1evl(x, Q);
  else y = (z * polevl(x, R)) / p1evl(x, S);
  return a < 0 ? 2 - y : y;
}

/** Error function. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  if (Math.abs(x) > 1) return 1 - erfc(x);
  const z = x * x;
  return (x * polevl(z, T)) / p1evl(z, U);
}

/** Standard normal cumulative distribution Φ(x). */
export function stdNormalCdf(a: number): number {
  const x = a * Math.SQRT1_2;
  const z = Math.abs(x);
  if (z < Math.SQRT1_2) return 0.5 + 0.5 * erf(x);
  const y = 0.5 * erfc(z);
  return x > 0 ? 1 - y : y;
}

/** Standard normal density φ(x). */
export function stdNormalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

// Acklam's rational approximation, then one Halley step on Φ: full double precision.
const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const B = [
  -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
  4.374664141464968, 2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

/** Inverse of the standard normal distribution, Φ⁻¹(p). */
export function stdNormalIdf(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = polevl(q, C) / (polevl(q, D) * q + 1);
  } else if (p > 1 - 0.02425) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -polevl(q, C) / (polevl(q, D) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = (polevl(r, A) * q) / (polevl(r, B) * r + 1);
  }
  const e = stdNormalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}
