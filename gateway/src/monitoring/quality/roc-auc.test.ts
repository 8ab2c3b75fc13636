import { describe, expect, it } from 'vitest';
import { binaryRocAuc } from './roc-auc.js';

const auc = (labels: number[], scores: number[]) =>
  binaryRocAuc(
    (i) => labels[i] === 1,
    (i) => scores[i]!,
    labels.length,
  );

/** Every positive–negative pair: 1 when the positive scores higher, ½ on a tie. */
function bruteForce(labels: number[], scores: number[]): number {
  let wins = 0;
  let pairs = 0;
  labels.forEach((l, i) =>
    labels.forEach((m, j) => {
      if (l !== 1 || m !== 0) return;
      pairs++;
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }),
  );
  return wins / pairs;
}

describe('binaryRocAuc', () => {
  it("answers scikit-learn's documented example", () => {
    expect(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
  });

  it('counts a tie as half, as the trapezoid over distinct thresholds does', () => {
    expect(auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(auc([0, 1, 1], [0.2, 0.2, 0.9])).toBe(0.75);
    // Positives 0.3, 0.7, 0.1 against negatives 0.3, 0.7: ½ + 0 + 1 + ½ + 0 + 0 of 6 pairs.
    expect(auc([1, 0, 1, 0, 1], [0.3, 0.3, 0.7, 0.7, 0.1])).toBe(2 / 6);
    // -0 and 0 are one threshold, as numpy's diff sees them.
    expect(auc([0, 1], [0, -0])).toBe(0.5);
  });

  it('is 1 for a perfect ranking and 0 for a reversed one', () => {
    expect(auc([0, 0, 1, 1], [1, 2, 3, 4])).toBe(1);
    expect(auc([0, 0, 1, 1], [4, 3, 2, 1])).toBe(0);
  });

  it('has no curve without positives or without negatives', () => {
    expect(auc([1, 1], [0.2, 0.4])).toBeUndefined();
    expect(auc([0, 0], [0.2, 0.4])).toBeUndefined();
    expect(auc([], [])).toBeUndefined();
  });

  it('agrees with the pair count on random scores with many ties', () => {
    let seed = 7;
    const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let round = 0; round < 20; round++) {
      const labels = Array.from({ length: 200 }, () => (next() < 0.4 ? 1 : 0));
      const scores = labels.map(() => Math.round(next() * 10) / 10);
      expect(auc(labels, scores)).toBeCloseTo(bruteForce(labels, scores), 14);
    }
  });
});
