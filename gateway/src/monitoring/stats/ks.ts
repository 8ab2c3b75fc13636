/**
 * The two-sample Kolmogorov–Smirnov test as `scipy.stats.ks_2samp(a, b)` computes it
 * (alternative 'two-sided', method 'auto'): exact p-values while both samples have at most
 * 10,000 values, kstwo's survival function at round(n₁n₂/(n₁+n₂)) above that.
 */
import { kstwoSf } from './kolmogorov.js';

/** scipy's `MAX_AUTO_N`: 'auto' is exact while max(n₁, n₂) is at most this. */
export const KS_EXACT_MAX_N = 10_000;

/** A test's statistic and p-value. */
export interface TestResult {
  statistic: number;
  pValue: number;
}

function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** numpy's `round`: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * sup |F₁ − F₂| of the two empirical CDFs, as ks_2samp finds it: both CDFs taken at every
 * value of either sample (searchsorted 'right', so ties step together), the larger of the
 * positive and the negative excursion. O((n₁ + n₂) log(n₁ + n₂)) for the sorting.
 */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length === 0 || b.length === 0) throw new RangeError('ks: both samples need values');
  return ksStatisticSorted(sorted(a), sorted(b));
}

/** `ksStatistic` for two ascending samples, neither empty: one merge, O(n₁ + n₂). */
export function ksStatisticSorted(x: Float64Array, y: Float64Array): number {
  const n1 = x.length;
  const n2 = y.length;
  let i = 0;
  let j = 0;
  let max = -Infinity;
  let min = Infinity;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && x[i] <= y[j]) ? x[i] : y[j];
    while (i < n1 && x[i] <= v) i++;
    while (j < n2 && y[j] <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff > max) max = diff;
    if (diff < min) min = diff;
  }
  const minS = Math.min(1, Math.max(0, -min));
  return minS > max ? minS : max;
}

/** 2·P(paths leave |x − y| < h) for n = m (scipy `_compute_prob_outside_square`). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * The share of lattice paths from (0, 0) to (m, n) that leave |x/m − y/n| < h/lcm(m, n)
 * (scipy `_compute_outer_prob_inside_method`, Viehmann's recursion for 1 − p): one sliding
 * column, O(m · window).
 */
function probOutsideInside(m: number, n: number, g: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj] * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1];
}

/**
 * The p-value of a two-sided KS statistic `d` between samples of n₁ and n₂ values, by
 * ks_2samp's rules. In the exact branch d is first rounded to the nearest multiple of
 * 1/lcm(n₁, n₂), as scipy does; `statistic` is that rounded value (what ks_2samp reports).
 */
export function ksPValue(d: number, n1: number, n2: number): TestResult {
  if (!(Number.isInteger(n1) && Number.isInteger(n2) && n1 > 0 && n2 > 0)) {
    throw new RangeError(`ks: sample sizes must be positive integers, got ${n1} and ${n2}`);
  }
  if (Math.max(n1, n2) <= KS_EXACT_MAX_N) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    const rounded = h / lcm;
    if (h === 0) return { statistic: rounded, pValue: 1 };
    const prob = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideInside(n1, n2, g, h);
    if (prob >= 0 && prob <= 1) return { statistic: rounded, pValue: prob };
    // scipy falls back to the asymptotic branch, with the rounded statistic.
    d = rounded;
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  const pValue = Math.min(1, Math.max(0, kstwoSf(d, roundHalfEven(en))));
  return { statistic: d, pValue };
}

/** `scipy.stats.ks_2samp(a, b)`: the two-sided statistic and its p-value. */
export function ks2samp(a: ArrayLike<number>, b: ArrayLike<number>): TestResult {
  const d = ksStatistic(a, b);
  return ksPValue(d, a.length, b.length);
}
