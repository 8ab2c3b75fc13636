/**
 * The area under the ROC curve of one class against the rest, as scikit-learn's
 * `roc_auc_score` finds it: the trapezoid over distinct thresholds. That area equals the
 * Mann–Whitney count (each positive–negative pair scores 1 when the positive is ranked
 * higher, ½ when tied), found here after two numeric sorts: O(n log n).
 *
 * The count is kept doubled, in integers, so it is exact (below 2^53 for up to ~10^8 rows)
 * and the answer has one rounding. Undefined (scikit-learn: NaN) without both kinds of row.
 */
export function binaryRocAuc(
  isPositive: (i: number) => boolean,
  scores: (i: number) => number,
  count: number,
): number | undefined {
  let positives = 0;
  for (let i = 0; i < count; i++) if (isPositive(i)) positives++;
  const negatives = count - positives;
  if (positives === 0 || negatives === 0) return undefined;

  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  for (let i = 0, p = 0, q = 0; i < count; i++) {
    if (isPositive(i)) pos[p++] = scores(i);
    else neg[q++] = scores(i);
  }
  pos.sort();
  neg.sort();

  // For each negative in ascending order: positives below it (`below`) and up to it (`upTo`).
  let doubled = 0;
  let below = 0;
  let upTo = 0;
  for (let j = 0; j < negatives; j++) {
    const v = neg[j]!;
    while (below < positives && pos[below]! < v) below++;
    if (upTo < below) upTo = below;
    while (upTo < positives && pos[upTo]! <= v) upTo++;
    doubled += 2 * (positives - upTo) + (upTo - below);
  }
  return doubled / (2 * positives * negatives);
}
