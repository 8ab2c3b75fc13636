/**
 * The few special functions the drift tests need, as scipy.special computes them (Cephes,
 * via scipy's xsf library): the normal CDF and the chi-square survival function. Written by
 * hand because no well-kept npm package gives Cephes' accuracy without a large dependency;
 * each agrees with scipy to about 1e-14 relative.
 */
/* eslint-disable no-loss-of-precision -- constants digit for digit as scipy/Cephes publish them, so
   that they can be checked against the source; each rounds to the same double there. */

const MACHEP = 1.11022302462515654042e-16;
const MAXLOG = 7.09782712893383996843e2;
const SQRT1_2 = Math.SQRT1_2;

function polevl(x: number, coef: readonly number[]): number {
  let ans = coef[0];
  for (let i = 1; i < coef.length; i++) ans = ans * x + coef[i];
  return ans;
}

/** A polynomial whose leading coefficient, 1, is left out of `coef`. */
function p1evl(x: number, coef: readonly number[]): number {
  let ans = x + coef[0];
  for (let i = 1; i < coef.length; i++) ans = ans * x + coef[i];
  return ans;
}

// Cephes ndtr.c's rational approximations.
const ERFC_P = [
  2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687,
  4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
  9.3452852717195760754e2, 1.02755188689515710272e3, 5.57535335369399327526e2,
];
const ERFC_Q = [
  1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
  9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
  1.65666309194161350182e3, 5.57535340817727675546e2,
];
const ERFC_R = [
  5.64189583547755073984e-1, 1.27536670759978104416, 5.01905042251180477414, 6.16021097993053585195,
  7.4097426995044893916, 2.9788666537210024067,
];
const ERFC_S = [
  2.2605286322011727659, 9.39603524938001434673, 1.20489539808096656605e1, 1.70814450747565897222e1,
  9.60896809063285878198, 3.3690764510008151605,
];
const ERF_T = [
  9.60497373987051638749, 9.00260197203842689217e1, 2.23200534594684319226e3,
  7.00332514112805075473e3, 5.55923013010394962768e4,
];
const ERF_U = [
  3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
  2.26290000613890934246e4, 4.92673942608635921086e4,
];

/** The error function (Cephes `erf`). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return -erf(-x);
  if (x > 1) return 1 - erfc(x);
  const z = x * x;
  return (x * polevl(z, ERF_T)) / p1evl(z, ERF_U);
}

/** The complementary error function (Cephes `erfc`). */
export function erfc(a: number): number {
  if (Number.isNaN(a)) return NaN;
  const x = Math.abs(a);
  if (x < 1) return 1 - erf(a);
  const z = -a * a;
  if (z < -MAXLOG) return a < 0 ? 2 : 0;
  const e = Math.exp(z);
  const [p, q] =
    x < 8 ? [polevl(x, ERFC_P), p1evl(x, ERFC_Q)] : [polevl(x, ERFC_R), p1evl(x, ERFC_S)];
  let y = (e * p) / q;
  if (a < 0) y = 2 - y;
  if (y === 0) return a < 0 ? 2 : 0;
  return y;
}

/** The standard normal CDF, `scipy.stats.norm.cdf` (`scipy.special.ndtr`). */
export function normalCdf(a: number): number {
  if (Number.isNaN(a)) return NaN;
  const x = a * SQRT1_2;
  const z = Math.abs(x);
  if (z < 1) return 0.5 + 0.5 * erf(x);
  const y = 0.5 * erfc(z);
  return x > 0 ? 1 - y : y;
}

// Stirling's series coefficients B_2k / (2k (2k - 1)), k = 1..8.
const STIRLING = [
  1 / 12,
  -1 / 360,
  1 / 1260,
  -1 / 1680,
  1 / 1188,
  -691 / 360360,
  1 / 156,
  -3617 / 122400,
];
const HALF_LOG_2PI = 0.91893853320467274178;

/** log Γ(x) for x > 0: Stirling's series from 15 up, the recurrence below it. */
export function logGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  if (x < 15) {
    // Γ(x) = Γ(x + k) / (x (x + 1) … (x + k − 1))
    let product = 1;
    let y = x;
    while (y < 15) product *= y++;
    return logGamma(y) - Math.log(product);
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  let series = 0;
  for (let k = STIRLING.length - 1; k >= 0; k--) series = series * inv2 + STIRLING[k];
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + series * inv;
}

/** x^a e^-x / Γ(a), the factor in front of both of the incomplete gamma expansions. */
function incompleteGammaFactor(a: number, x: number): number {
  const ax = a * Math.log(x) - x - logGamma(a);
  return ax < -MAXLOG ? 0 : Math.exp(ax);
}

const IGAM_MAXITER = 2000;
const IGAM_BIG = 4.503599627370496e15;
const IGAM_BIGINV = 2.22044604925031308085e-16;

/** The regularised lower incomplete gamma by its power series (DLMF 8.11.4). */
function lowerGammaSeries(a: number, x: number): number {
  const ax = incompleteGammaFactor(a, x);
  if (ax === 0) return 0;
  let r = a;
  let c = 1;
  let ans = 1;
  for (let i = 0; i < IGAM_MAXITER; i++) {
    r += 1;
    c *= x / r;
    ans += c;
    if (c <= MACHEP * ans) break;
  }
  return (ans * ax) / a;
}

/** The regularised upper incomplete gamma by its continued fraction (DLMF 8.9.2). */
function upperGammaContinuedFraction(a: number, x: number): number {
  const ax = incompleteGammaFactor(a, x);
  if (ax === 0) return 0;
  let y = 1 - a;
  let z = x + y + 1;
  let c = 0;
  let pkm2 = 1;
  let qkm2 = x;
  let pkm1 = x + 1;
  let qkm1 = z * x;
  let ans = pkm1 / qkm1;
  for (let i = 0; i < IGAM_MAXITER; i++) {
    c += 1;
    y += 1;
    z += 2;
    const yc = y * c;
    const pk = pkm1 * z - pkm2 * yc;
    const qk = qkm1 * z - qkm2 * yc;
    let t = 1;
    if (qk !== 0) {
      const r = pk / qk;
      t = Math.abs((ans - r) / r);
      ans = r;
    }
    pkm2 = pkm1;
    pkm1 = pk;
    qkm2 = qkm1;
    qkm1 = qk;
    if (Math.abs(pk) > IGAM_BIG) {
      pkm2 *= IGAM_BIGINV;
      pkm1 *= IGAM_BIGINV;
      qkm2 *= IGAM_BIGINV;
      qkm1 *= IGAM_BIGINV;
    }
    if (t <= MACHEP) break;
  }
  return ans * ax;
}

/** The regularised upper incomplete gamma for small x, free of cancellation (DLMF 8.7.3). */
function upperGammaSmallX(a: number, x: number): number {
  let fac = 1;
  let sum = 0;
  for (let n = 1; n < IGAM_MAXITER; n++) {
    fac *= -x / n;
    const term = fac / (a + n);
    sum += term;
    if (Math.abs(term) <= MACHEP * Math.abs(sum)) break;
  }
  const logx = Math.log(x);
  const head = -Math.expm1(a * logx - logGamma(1 + a));
  return head - Math.exp(a * logx - logGamma(a)) * sum;
}

/**
 * Q(a, x), the regularised upper incomplete gamma (`scipy.special.gammaincc`), with Cephes'
 * choice of expansion by region. Cephes' asymptotic series for a ≈ x is left out: the series
 * and the continued fraction still converge there and keep the accuracy the tests need.
 */
export function upperIncompleteGamma(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || x < 0 || a < 0) return NaN;
  if (a === 0) return x > 0 ? 0 : NaN;
  if (x === 0) return 1;
  if (!Number.isFinite(a)) return Number.isFinite(x) ? 1 : NaN;
  if (!Number.isFinite(x)) return 0;
  if (x > 1.1) return x < a ? 1 - lowerGammaSeries(a, x) : upperGammaContinuedFraction(a, x);
  if (x <= 0.5) {
    return -0.4 / Math.log(x) < a ? 1 - lowerGammaSeries(a, x) : upperGammaSmallX(a, x);
  }
  return x * 1.1 < a ? 1 - lowerGammaSeries(a, x) : upperGammaSmallX(a, x);
}

/** `scipy.stats.chi2.sf(x, df)`: the chance of a chi-square of `df` degrees exceeding x. */
export function chiSquareSf(x: number, df: number): number {
  if (!(df > 0) || Number.isNaN(x)) return NaN;
  if (x < 0) return 1;
  return upperIncompleteGamma(df / 2, x / 2);
}
