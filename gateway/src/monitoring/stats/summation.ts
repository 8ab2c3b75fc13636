/**
 * Sums that stay within a rounding or two of the exact value whatever the count: numpy sums
 * pairwise, so a plain `+=` over a million terms could drift from scipy by more than the
 * 1e-9 the oracle test allows.
 */
import { AccurateSum } from '../quality/accurate-sum.js';

/** Neumaier's compensated sum of `count` terms, each given by `term(i)`. */
export function compensatedSum(count: number, term: (i: number) => number): number {
  const total = new AccurateSum();
  for (let i = 0; i < count; i++) total.add(term(i));
  // An infinite term leaves the compensation NaN; the plain sum is then the answer.
  const [sum] = total.parts;
  return Number.isFinite(sum) ? total.value : sum;
}

/** Neumaier's compensated sum of an array. */
export function sumOf(values: ArrayLike<number>): number {
  return compensatedSum(values.length, (i) => values[i]);
}
