import { describe, expect, it } from 'vitest';
import type { Label } from '../../protocol/monitoring.js';
import { classificationMetrics, type ClassificationRow } from './classification.js';
import { compareLabels } from './class-order.js';

const EPS = 2 ** -52;

/** Binary rows from labels and P(class 1), predicted at 0.5. */
function binaryRows(labels: number[], p1: number[]): ClassificationRow[] {
  return labels.map((actual, i) => ({
    actual,
    predicted: p1[i]! >= 0.5 ? 1 : 0,
    probabilities: { 0: 1 - p1[i]!, 1: p1[i]! },
  }));
}

describe('classificationMetrics', () => {
  it('answers a small binary case figure by figure', () => {
    const m = classificationMetrics(binaryRows([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]));
    expect(m.task).toBe('classification');
    expect(m.labelled).toBe(4);
    expect(m.classes).toEqual([0, 1]);
    expect(m.accuracy).toBe(0.75);
    expect(m.confusionMatrix).toEqual([
      [2, 0],
      [1, 1],
    ]);
    // Class 0: tp 2 of 3 predicted, 2 labelled; class 1: tp 1 of 1 predicted, 2 labelled.
    expect(m.perClass).toEqual([
      { class: 0, precision: 2 / 3, recall: 1, f1: 0.8, support: 2 },
      { class: 1, precision: 1, recall: 0.5, f1: 2 / 3, support: 2 },
    ]);
    expect(m.macro.precision).toBeCloseTo(5 / 6, 15);
    expect(m.macro.recall).toBe(0.75);
    expect(m.macro.f1).toBeCloseTo((0.8 + 2 / 3) / 2, 15);
    expect(m.rocAuc).toBe(0.75);
    const loss = -(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8)) / 4;
    expect(m.logLoss).toBeCloseTo(loss, 15);
  });

  it('takes the greater class as positive: numbers numerically', () => {
    const rows: ClassificationRow[] = [
      { actual: 10, predicted: 10, probabilities: { 3: 0.3, 10: 0.7 } },
      { actual: 3, predicted: 3, probabilities: { 3: 0.6, 10: 0.4 } },
      { actual: 3, predicted: 10, probabilities: { 3: 0.2, 10: 0.8 } },
    ];
    const m = classificationMetrics(rows);
    expect(m.classes).toEqual([3, 10]);
    // P(10): positive 0.7 against negatives 0.4 (win) and 0.8 (loss).
    expect(m.rocAuc).toBe(0.5);
  });

  it('answers 0 where a class was never predicted or never labelled (zero_division)', () => {
    const m = classificationMetrics([
      { actual: 'a', predicted: 'a' },
      { actual: 'b', predicted: 'a' },
      { actual: 'a', predicted: 'c' },
    ]);
    expect(m.classes).toEqual(['a', 'b', 'c']);
    expect(m.perClass[1]).toEqual({ class: 'b', precision: 0, recall: 0, f1: 0, support: 1 });
    expect(m.perClass[2]).toEqual({ class: 'c', precision: 0, recall: 0, f1: 0, support: 0 });
    expect(m.perClass[0]!.precision).toBe(0.5);
    expect(m.perClass[0]!.recall).toBe(0.5);
    expect(m.macro.precision).toBeCloseTo(0.5 / 3, 15);
    expect(m.confusionMatrix).toEqual([
      [1, 0, 1],
      [1, 0, 0],
      [0, 0, 0],
    ]);
    expect(m.rocAuc).toBeNull();
    expect(m.logLoss).toBeNull();
  });

  it('averages one-vs-rest AUC over the classes that were labelled', () => {
    const p = (a: number, b: number, c: number) => ({ a, b, c });
    const m = classificationMetrics([
      { actual: 'a', predicted: 'a', probabilities: p(0.7, 0.2, 0.1) },
      { actual: 'b', predicted: 'c', probabilities: p(0.1, 0.4, 0.5) },
      { actual: 'b', predicted: 'b', probabilities: p(0.3, 0.6, 0.1) },
    ]);
    // a: 0.7 above 0.1 and 0.3 → 1; b: 0.4 and 0.6 above 0.2 → 1; c never labelled: no curve.
    expect(m.rocAuc).toBe(1);
    const loss = -(Math.log(0.7) + Math.log(0.4) + Math.log(0.6)) / 3;
    expect(m.logLoss).toBeCloseTo(loss, 15);
  });

  it('has no AUC with one class labelled, and log loss only with two classes or more', () => {
    const oneLabelled = classificationMetrics(binaryRows([1, 1], [0.3, 0.9]));
    expect(oneLabelled.rocAuc).toBeNull();
    expect(oneLabelled.logLoss).toBeCloseTo(-(Math.log(0.3) + Math.log(0.9)) / 2, 15);
    const oneClass = classificationMetrics([
      { actual: 'x', predicted: 'x', probabilities: { x: 1 } },
    ]);
    expect(oneClass.classes).toEqual(['x']);
    expect(oneClass.accuracy).toBe(1);
    expect(oneClass.rocAuc).toBeNull();
    expect(oneClass.logLoss).toBeNull();
  });

  it('has no probability figures when a row or a labelled class lacks probabilities', () => {
    const rows = binaryRows([0, 1, 0, 1], [0.2, 0.7, 0.4, 0.9]);
    delete rows[2]!.probabilities;
    expect(classificationMetrics(rows).rocAuc).toBeNull();
    expect(classificationMetrics(rows).logLoss).toBeNull();
    const noColumn = binaryRows([0, 1], [0.2, 0.7]).map((r) => ({
      ...r,
      probabilities: { 1: r.probabilities![1]! },
    }));
    expect(classificationMetrics(noColumn).rocAuc).toBeNull();
  });

  it('clips probabilities to [eps, 1 − eps] and does not renormalise rows', () => {
    const m = classificationMetrics([
      { actual: 0, predicted: 1, probabilities: { 0: 0, 1: 1 } },
      { actual: 1, predicted: 1, probabilities: { 0: 0, 1: 1 } },
    ]);
    expect(m.logLoss).toBe((-Math.log(EPS) - Math.log(1 - EPS)) / 2);
    const unnormalised = classificationMetrics(
      binaryRows([0, 1], [0.5, 0.5]).map((r) => ({
        ...r,
        probabilities: { 0: 0.25, 1: 0.25 },
      })),
    );
    expect(unnormalised.logLoss).toBe(-Math.log(0.25));
  });

  it('finds probabilities under the keys Python writes: True, 1.0', () => {
    const bools = classificationMetrics([
      { actual: true, predicted: true, probabilities: { True: 0.9, False: 0.1 } },
      { actual: false, predicted: false, probabilities: { True: 0.2, False: 0.8 } },
    ]);
    expect(bools.classes).toEqual([false, true]);
    expect(bools.rocAuc).toBe(1);
    const floats = classificationMetrics([
      { actual: 1, predicted: 1, probabilities: { '1.0': 0.9, '2.0': 0.1 } },
      { actual: 2, predicted: 1, probabilities: { '1.0': 0.6, '2.0': 0.4 } },
    ]);
    expect(floats.rocAuc).toBe(1);
  });

  it('refuses no rows', () => {
    expect(() => classificationMetrics([])).toThrow(RangeError);
  });
});

describe('compareLabels', () => {
  const sorted = (labels: Label[]) => [...labels].sort(compareLabels);

  it('sorts numbers numerically and strings by code point, as numpy does', () => {
    expect(sorted([10, 9, 2, -1.5])).toEqual([-1.5, 2, 9, 10]);
    expect(sorted(['b', 'B', 'a', 'ab', ''])).toEqual(['', 'B', 'a', 'ab', 'b']);
    // U+FFFF before U+1F600, though its UTF-16 unit (0xFFFF) is above the surrogate 0xD83D.
    expect(sorted(['😀', '\uffff', 'é'])).toEqual(['é', '\uffff', '😀']);
  });

  it('keeps mixed types apart: booleans, then numbers, then strings', () => {
    expect(sorted(['1', 1, true, 0, false])).toEqual([false, true, 0, 1, '1']);
  });
});
