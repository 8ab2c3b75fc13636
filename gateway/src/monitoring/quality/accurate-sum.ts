/**
 * A running sum with Neumaier's compensation: the error stays near one rounding whatever the
 * count, where a plain `+=` over a million terms can drift past 1e-10 relative. Live figures
 * must match scikit-learn (numpy's pairwise sums) to 1e-9 on windows that large.
 */
export class AccurateSum {
  private sum = 0;
  private compensation = 0;

  add(x: number): void {
    const t = this.sum + x;
    // Whichever of the two is larger in magnitude keeps its bits; recover what the other lost.
    if (Math.abs(this.sum) >= Math.abs(x)) this.compensation += this.sum - t + x;
    else this.compensation += x - t + this.sum;
    this.sum = t;
  }

  /** The sum so far, rounded once. */
  get value(): number {
    return this.sum + this.compensation;
  }
}

/** The mean of `count` terms, each given by `term(i)`, summed with compensation. */
export function accurateMean(count: number, term: (i: number) => number): number {
  const sum = new AccurateSum();
  for (let i = 0; i < count; i++) sum.add(term(i));
  return sum.value / count;
}
