/**
 * `scipy.spatial.distance.jensenshannon(p, q)`: the Jensen–Shannon distance (the square root
 * of the divergence, natural logarithm). Evidently's `jensenshannon` drift test calls it on
 * its binned shares without filling zeroes.
 */
import { compensatedSum } from './summation.js';

/** scipy.special.rel_entr. */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/** `scipy.spatial.distance.jensenshannon(p, q, base)`; each vector is normalised to sum 1 first. */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>, base?: number): number {
  if (p.length !== q.length) throw new RangeError('jensenShannon: p and q differ in length');
  const pSum = compensatedSum(p.length, (i) => p[i]);
  const qSum = compensatedSum(q.length, (i) => q[i]);
  const pn = Float64Array.from(p, (v) => v / pSum);
  const qn = Float64Array.from(q, (v) => v / qSum);
  const m = pn.map((v, i) => (v + qn[i]) / 2);
  const left = compensatedSum(pn.length, (i) => relEntr(pn[i], m[i]));
  const right = compensatedSum(qn.length, (i) => relEntr(qn[i], m[i]));
  let js = left + right;
  if (base !== undefined) js /= Math.log(base);
  return Math.sqrt(js / 2);
}
