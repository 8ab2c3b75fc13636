/**
 * Evidently's `get_binned_data` (stattests/utils.py): the shares of each sample per bin.
 * A numeric feature whose reference holds more than 20 distinct values is cut into numpy's
 * Sturges bins of the pooled sample (`np.histogram_bin_edges(..., bins='sturges')`, then
 * `np.histogram`: half-open bins, the last one closed); anything else is counted per value.
 */
import type { Label } from '../../protocol/monitoring.js';
import { countSorted, type Counts, distinctSorted, unionOfValues } from './samples.js';

/** Evidently bins a numeric feature only above this many distinct reference values. */
export const MAX_VALUES_COUNTED_AS_CATEGORIES = 20;

/** Shares of the reference and of the current sample, bin by bin (or value by value). */
export interface BinnedShares {
  /** Numeric bins: their edges, one more than the shares. */
  edges?: number[];
  /** Counted per value: the values, in the order of the shares. */
  categories?: Label[];
  reference: Float64Array;
  current: Float64Array;
}

/** `np.histogram_bin_edges(values, bins='sturges')` for the pooled, sorted samples. */
export function sturgesEdges(min: number, max: number, size: number): number[] {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = (max - min) / (Math.log2(size) + 1);
  const bins = width ? Math.ceil((last - first) / width) : 1;
  // np.linspace: start + i·step, the last edge set to stop itself.
  const step = (last - first) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => i * step + first);
  edges[bins] = last;
  return edges;
}

/** `np.histogram(sorted, edges)[0]` for an ascending sample: one pass, O(n + bins). */
export function histogramCounts(sorted: Float64Array, edges: readonly number[]): Float64Array {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  let b = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i];
    if (v < edges[0] || v > edges[bins]) continue;
    while (b < bins - 1 && v >= edges[b + 1]) b++;
    counts[b]++;
  }
  return counts;
}

/**
 * Evidently's `feel_zeroes`: a zero share becomes the smallest non-zero share / 10⁶ when that
 * is at most 0.0001, else 0.0001.
 */
export function fillZeroes(shares: Float64Array): Float64Array {
  let min = Infinity;
  for (const s of shares) if (s !== 0 && s < min) min = s;
  const fill = min <= 0.0001 ? min / 10 ** 6 : 0.0001;
  return shares.map((s) => (s === 0 ? fill : s));
}

/** Numeric feature: both samples ascending, missing values dropped. */
export function binNumeric(reference: Float64Array, current: Float64Array): BinnedShares {
  if (distinctSorted(reference) <= MAX_VALUES_COUNTED_AS_CATEGORIES) {
    return binCategories(countSorted(reference), countSorted(current));
  }
  const min = Math.min(reference[0], current[0]);
  const max = Math.max(reference[reference.length - 1], current[current.length - 1]);
  const edges = sturgesEdges(min, max, reference.length + current.length);
  const shares = (x: Float64Array) => histogramCounts(x, edges).map((c) => c / x.length);
  return { edges, reference: shares(reference), current: shares(current) };
}

/** Counted per value: the union of both samples' values, each sample's share of each. */
export function binCategories(reference: Counts, current: Counts): BinnedShares {
  const categories = unionOfValues(reference, current);
  const shares = (c: Counts) =>
    Float64Array.from(categories, (k) => (c.counts.get(k) ?? 0) / c.total);
  return { categories, reference: shares(reference), current: shares(current) };
}
