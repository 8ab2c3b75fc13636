/** Evidently's population stability index (`psi.py`). */
import { compensatedSum } from './summation.js';

/**
 * Σ (ref − cur) · ln(ref / cur) over shares whose zeroes were filled (`binning.ts`,
 * `fillZeroes`), as Evidently sums it.
 */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  if (reference.length !== current.length) throw new RangeError('psi: the shares differ in length');
  return compensatedSum(reference.length, (i) => {
    const r = reference[i];
    const c = current[i];
    return (r - c) * Math.log(r / c);
  });
}
