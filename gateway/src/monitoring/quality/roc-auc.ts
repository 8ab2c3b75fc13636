/**
 * Scores in ascending order, each standing for `counts[i]` rows (one each without `counts`):
 * raw sorted scores, or a value summary's distinct values and their counts.
 */
export interface SortedScores {
  values: ArrayLike<number>;
  counts?: ArrayLike<number>;
}

const weight = (s: SortedScores, i: number) => (s.counts ? s.counts[i]! : 1);

/** How many rows the scores stand for. */
export function scoreCount(s: SortedScores): number {
  if (!s.counts) return s.values.length;
  let total = 0;
  for (let i = 0; i < s.counts.length; i++) total += s.counts[i]!;
  return total;
}

/**
 * The Mann–Whitney count of positive–negative pairs, doubled so that it stays an integer: 2
 * for each pair where the positive scores higher, 1 where they tie. One merge of the two
 * sorted lists: O(distinct positives + distinct negatives). Exact below 2^53 (pairs of up to
 * ~10^8 rows); being additive over the negatives, it may be summed over groups of them.
 */
export function doubledPairCount(positives: SortedScores, negatives: SortedScores): number {
  const p = positives.values;
  const total = scoreCount(positives);
  // For each negative value in ascending order: positives below it (`below`) and up to it
  // (`upTo`), as indexes into p (`b`, `u`) and as row counts.
  let doubled = 0;
  let b = 0;
  let below = 0;
  let u = 0;
  let upTo = 0;
  for (let j = 0; j < negatives.values.length; j++) {
    const v = negatives.values[j]!;
    while (b < p.length && p[b]! < v) below += weight(positives, b++);
    if (u < b) {
      u = b;
      upTo = below;
    }
    while (u < p.length && p[u]! <= v) upTo += weight(positives, u++);
    doubled += weight(negatives, j) * (2 * (total - upTo) + (upTo - below));
  }
  return doubled;
}

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
  return doubledPairCount({ values: pos }, { values: neg }) / (2 * positives * negatives);
}
