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

  /** Adds another running sum (its terms, as if each had been added here). */
  addSum(other: CompensatedSum): void {
    this.add(other[0]);
    this.compensation += other[1];
  }

  /** The sum so far, rounded once. */
  get value(): number {
    return this.sum + this.compensation;
  }

  /** Sum and compensation, to store and to merge later without losing the compensation. */
  get parts(): CompensatedSum {
    return [this.sum, this.compensation];
  }

  /** A running sum that carries on from stored parts. */
  static of(parts: CompensatedSum): AccurateSum {
    const s = new AccurateSum();
    s.sum = parts[0];
    s.compensation = parts[1];
    return s;
  }
}

/** A stored `AccurateSum`: [sum, compensation]; its value is their sum. */
export type CompensatedSum = [number, number];

/** The mean of `count` terms, each given by `term(i)`, summed with compensation. */
export function accurateMean(count: number, term: (i: number) => number): number {
  const sum = new AccurateSum();
  for (let i = 0; i < count; i++) sum.add(term(i));
  return sum.value / count;
}
