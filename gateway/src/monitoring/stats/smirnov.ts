/**
 * The one-sided Kolmogorov–Smirnov survival function, `scipy.special.smirnov(n, x)`, for the
 * arguments kstwo's survival function gives it.
 *
 * scipy (xsf `cephes/kolmogorov.h`) sums Birnbaum and Tingey's series in double-double
 * arithmetic. Here each term is taken in logarithms (exact enough: the error of a term's
 * logarithm stays near 1e-12 for n up to millions) and the sum is kept scaled, so nothing
 * underflows before the end. Same branches, same series, same stopping rule. Only the lower
 * sum: scipy takes the upper one for x ≤ 0.5/√n only, which kstwo never asks for here (it
 * calls smirnov for n·x² ≥ 2.2).
 */
/* eslint-disable no-loss-of-precision -- constants digit for digit as scipy/Cephes publish them, so
   that they can be checked against the source; each rounds to the same double there. */

const MINLOG = -7.451332191019412076235e2;
const SMIRNOV_MAX_COMPUTE_N = 1_000_000;
const EPSILON = Number.EPSILON;

/** Dekker's split: a = hi + lo, each with half the significand. */
function split(a: number): [number, number] {
  const c = 134217729 * a; // 2^27 + 1
  const hi = c - (c - a);
  return [hi, a - hi];
}

/** floor(n·x) and the remainder, computed exactly as scipy's `modNX` does in double-double. */
function floorAndRemainder(n: number, x: number): { floor: number; alpha: number } {
  const p = n * x;
  const [nh, nl] = split(n);
  const [xh, xl] = split(x);
  const err = nh * xh - p + nh * xl + nl * xh + nl * xl;
  let floor = Math.floor(p);
  let alpha = p - floor + err;
  if (alpha < 0) {
    floor -= 1;
    alpha += 1;
  }
  if (alpha >= 1) {
    floor += 1;
    alpha = 0;
  }
  return { floor, alpha };
}

/** x + v/n as a double-double (hi, lo): scipy carries these bases at that precision. */
function xPlusVOverN(x: number, v: number, n: number): [number, number] {
  const q = v / n;
  const [qh, ql] = split(q);
  const [nh, nl] = split(n);
  const p = q * n;
  const err = qh * nh - p + qh * nl + ql * nh + ql * nl;
  const qLow = (v - p - err) / n;
  const hi = x + q;
  const bv = hi - x;
  const lo = x - (hi - bv) + (q - bv) + qLow;
  const sum = hi + lo;
  return [sum, lo - (sum - hi)];
}

/** `scipy.special.smirnov(n, x)`: P(D⁺ₙ ≥ x), for integer n ≥ 1 and 0 ≤ x ≤ 1. */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;

  const { floor: nxfl, alpha } = floorAndRemainder(n, x);
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  if (alpha === 0) n1mxfl -= 1;

  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    return 1 - x * Math.pow(1 + x, n - 1);
  }
  if (-2 * n * x * x < MINLOG) return 0;
  if (nxfl >= n - 1) return Math.pow(1 - x, n);
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -Math.pow(6 * n * x + 1, 2) / 18 / n;
    // scipy keeps whichever of sf and cdf is the smaller exact, then takes the other as 1 − it.
    return logp < -Math.LN2 ? Math.exp(logp) : 1 - -Math.expm1(logp);
  }

  // sf = x · Σ_{v=0}^{nTerms-1} C(n, v) (1 − x − v/n)^(n−v) (x + v/n)^(v−1), summed as
  // exp(scale) · sum so that neither a term nor the total underflows on the way.
  const nTerms = n1mxfl + 1;
  const vmid = Math.floor(n / 2);
  let logBinomial = 0;
  let binomialCompensation = 0;
  let scale = -Infinity;
  let sum = 0;
  const logEps = Math.log(EPSILON);
  for (let v = 0; v < nTerms; v++) {
    const [uh, ul] = xPlusVOverN(x, v, n);
    // log(1 − x − v/n) and log(x + v/n), each from the double-double value of x + v/n.
    const logLower = uh < 0.5 ? Math.log1p(-uh) - ul / (1 - uh) : Math.log(1 - uh - ul);
    const logUpper = Math.log(uh) + ul / uh;
    const logTerm = logBinomial + (n - v) * logLower + (v - 1) * logUpper;
    if (logTerm > scale) {
      sum = sum * Math.exp(scale - logTerm) + 1;
      scale = logTerm;
    } else {
      sum += Math.exp(logTerm - scale);
    }
    if (v > 0) {
      // scipy stops once the rest cannot move the sum: 4·(terms left)·|term| < ε·sum.
      const logSum = scale + Math.log(sum);
      if (Math.log(4 * (nTerms - v)) + logTerm < logEps + logSum && v !== nTerms - 1) break;
      if (logTerm < MINLOG - 40 && v > vmid) break;
    }
    // Compensated: the running log C(n, v) reaches thousands over thousands of steps.
    const step = Math.log((n - v) / (v + 1)) - binomialCompensation;
    const next = logBinomial + step;
    binomialCompensation = next - logBinomial - step;
    logBinomial = next;
  }
  return Math.min(1, Math.max(0, Math.exp(Math.log(x) + scale + Math.log(sum))));
}
