/**
 * Sums that stay within a rounding or two of the exact value whatever the count: numpy sums
 * pairwise, so a plain `+=` over a million terms could drift from scipy by more than the
 * 1e-9 the oracle test allows.
 */

/** Neumaier's compensated sum of `count` terms, each given by `term(i)`. */
export function compensatedSum(count: number, term: (i: number) => number): number {
  let sum = 0;
  let compensation = 0;
  for (let i = 0; i < count; i++) {
    const x = term(i);
    const t = sum + x;
    if (Math.abs(sum) >= Math.abs(x)) compensation += sum - t + x;
    else compensation += x - t + sum;
    sum = t;
  }
  // An infinite term leaves the compensation NaN; the plain sum is then the answer.
  return Number.isFinite(sum) ? sum + compensation : sum;
}

/** Neumaier's compensated sum of an array. */
export function sumOf(values: ArrayLike<number>): number {
  return compensatedSum(values.length, (i) => values[i]);
}
