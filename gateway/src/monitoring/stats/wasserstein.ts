/**
 * The first Wasserstein distance between two samples, as `scipy.stats.wasserstein_distance`
 * computes it (the area between the two empirical CDFs), and Evidently's normed variant.
 */
import { compensatedSum } from './summation.js';

/** `scipy.stats.wasserstein_distance(u, v)` for two ascending Float64Arrays: one merge, O(n). */
export function wassersteinDistanceSorted(u: Float64Array, v: Float64Array): number {
  if (u.length === 0 || v.length === 0)
    throw new RangeError('wasserstein: both samples need values');
  let i = 0;
  let j = 0;
  let sum = 0;
  let compensation = 0;
  let prev = Math.min(u[0], v[0]);
  // Between consecutive values of the pooled sample, both CDFs are flat: add |F_u − F_v| · Δ.
  while (i < u.length || j < v.length) {
    const x = j >= v.length || (i < u.length && u[i] <= v[j]) ? u[i] : v[j];
    const term = Math.abs(i / u.length - j / v.length) * (x - prev);
    const t = sum + term;
    compensation += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
    sum = t;
    while (i < u.length && u[i] === x) i++;
    while (j < v.length && v[j] === x) j++;
    prev = x;
  }
  return sum + compensation;
}

/** `scipy.stats.wasserstein_distance(u, v)`. */
export function wassersteinDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  return wassersteinDistanceSorted(Float64Array.from(u).sort(), Float64Array.from(v).sort());
}

/** `numpy.std(x)`: the population standard deviation (ddof 0), two passes. */
export function populationStd(x: ArrayLike<number>): number {
  const mean = compensatedSum(x.length, (i) => x[i]) / x.length;
  return Math.sqrt(compensatedSum(x.length, (i) => Math.abs(x[i] - mean) ** 2) / x.length);
}

/**
 * Evidently's `wasserstein` drift score: the distance divided by the reference's standard
 * deviation, or by 0.001 when that is smaller.
 */
export function wassersteinDistanceNormed(reference: Float64Array, current: Float64Array): number {
  const norm = Math.max(populationStd(reference), 0.001);
  return wassersteinDistanceSorted(reference, current) / norm;
}
