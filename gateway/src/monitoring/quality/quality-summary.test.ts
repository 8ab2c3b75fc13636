import { describe, expect, it } from 'vitest';
import type {
  ClassificationMetrics,
  Label,
  QualityMetrics,
  RegressionMetrics,
} from '../../protocol/monitoring.js';
import { seededRandom } from '../../../test/support/seeded-random.js';
import { classificationMetrics, type ClassificationRow } from './classification.js';
import { regressionMetrics, type RegressionRow } from './regression.js';
import {
  mergeQuality,
  metricsFromSummary,
  summarizeQuality,
  type QualitySummary,
} from './quality-summary.js';

const SUMS = 1e-12;

/** Rows dealt at random into 1..30 windows, some of them empty. */
function randomSplit<T>(rows: readonly T[], rand: () => number): T[][] {
  const parts: T[][] = Array.from({ length: 1 + Math.floor(rand() * 30) }, () => []);
  for (const r of rows) parts[Math.floor(rand() * parts.length)]!.push(r);
  if (rand() < 0.5) parts.splice(Math.floor(rand() * parts.length), 0, []);
  return parts;
}

/** Merged one after another, or as a balanced tree: merging is associative. */
function mergeAll<S extends QualitySummary>(summaries: S[], tree: boolean): S {
  if (!tree) return summaries.reduce((a, b) => mergeQuality(a, b));
  if (summaries.length === 1) return summaries[0]!;
  const half = summaries.length >> 1;
  return mergeQuality(
    mergeAll(summaries.slice(0, half), true),
    mergeAll(summaries.slice(half), true),
  );
}

const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

function expectClose(got: number | null, want: number | null, tolerance = SUMS) {
  if (got === null || want === null) return expect(got).toBe(want);
  expect(Math.abs(got - want)).toBeLessThanOrEqual(tolerance * Math.abs(want));
}

/** Counts, classes and everything computed from them exactly; sums within 1e-12 relative. */
function expectSameClassification(got: QualityMetrics, want: ClassificationMetrics) {
  if (got.task !== 'classification') throw new Error('expected classification metrics');
  const { logLoss, ...counted } = got;
  const { logLoss: wantLoss, ...wantCounted } = want;
  expect(counted).toEqual(wantCounted);
  expectClose(logLoss, wantLoss);
}

function expectSameRegression(got: QualityMetrics, want: RegressionMetrics) {
  if (got.task !== 'regression') throw new Error('expected regression metrics');
  expect(got.labelled).toBe(want.labelled);
  for (const key of ['mae', 'rmse', 'r2', 'mape'] as const) expectClose(got[key], want[key]);
}

interface ClassifierOptions {
  seed: number;
  rows: number;
  classes: Label[];
  /** The keys the model answers under, per class (default: String(class)). */
  keys?: string[];
  /** Scores rounded to this many steps, so that they tie often. */
  steps?: number;
  /** What a row answers: all its probabilities (default), none, or those of some classes. */
  answer?: (actual: Label, i: number) => 'all' | 'none' | Label[];
  /** Classes that are never the label. */
  neverLabelled?: Label[];
}

/** A noisy classifier that favours the true class and predicts its most probable one. */
function classifierRows(o: ClassifierOptions): ClassificationRow[] {
  const rand = seededRandom(o.seed);
  const keys = o.keys ?? o.classes.map(String);
  const labels = o.classes.filter((c) => !o.neverLabelled?.includes(c));
  return Array.from({ length: o.rows }, (_, i) => {
    const actual = labels[Math.floor(rand() * labels.length)]!;
    let p = o.classes.map((c) => rand() + (c === actual ? rand() : 0));
    const sum = p.reduce((s, x) => s + x, 0);
    p = p.map((x) => (o.steps ? Math.round((x / sum) * o.steps) / o.steps : x / sum));
    const predicted = o.classes[p.indexOf(Math.max(...p))]!;
    const answer = o.answer?.(actual, i) ?? 'all';
    if (answer === 'none') return { actual, predicted };
    const probabilities: Record<string, number> = {};
    o.classes.forEach((c, j) => {
      if (answer === 'all' || answer.includes(c)) probabilities[keys[j]!] = p[j]!;
    });
    return { actual, predicted, probabilities };
  });
}

const CLASSIFIERS: [string, ClassificationRow[]][] = [
  ['binary', classifierRows({ seed: 1, rows: 1500, classes: [0, 1] })],
  [
    'binary, tied scores',
    classifierRows({ seed: 2, rows: 1500, classes: ['no', 'yes'], steps: 8 }),
  ],
  ['multiclass', classifierRows({ seed: 3, rows: 2000, classes: ['a', 'b', 'c', 'd'] })],
  [
    'multiclass, tied scores',
    classifierRows({ seed: 4, rows: 2000, classes: [3, 1, 2], steps: 5 }),
  ],
  [
    'a class never labelled',
    classifierRows({ seed: 5, rows: 800, classes: ['x', 'y', 'z'], neverLabelled: ['z'] }),
  ],
  [
    'keys as Python writes them',
    classifierRows({ seed: 6, rows: 800, classes: [1, 2, true], keys: ['1.0', '2.0', 'True'] }),
  ],
  // 1 and '1' are two classes; their probabilities share the key '1'.
  ['1 and "1"', classifierRows({ seed: 7, rows: 600, classes: [1, '1', 'b'] })],
  [
    'some rows without probabilities',
    classifierRows({
      seed: 8,
      rows: 600,
      classes: ['a', 'b'],
      answer: (_, i) => (i % 97 ? 'all' : 'none'),
    }),
  ],
  [
    // Rows of a and b lack c's probability, and c is labelled elsewhere: no probability figures.
    "a class's probability missing where it was not the label",
    classifierRows({
      seed: 9,
      rows: 900,
      classes: ['a', 'b', 'c'],
      answer: (actual) => (actual === 'c' ? 'all' : ['a', 'b']),
    }),
  ],
  [
    // c is only ever predicted: its missing probabilities do not matter.
    "a class's probability missing where it was never the label",
    classifierRows({
      seed: 10,
      rows: 900,
      classes: ['a', 'b', 'c'],
      neverLabelled: ['c'],
      answer: (_, i) => (i % 3 ? ['a', 'b'] : 'all'),
    }),
  ],
  ['one row', classifierRows({ seed: 11, rows: 1, classes: ['a', 'b'] })],
];

describe('quality summaries of a classifier', () => {
  it.each(CLASSIFIERS)('%s: any split merges into the figures of all rows', (_, rows) => {
    const want = classificationMetrics(rows);
    const whole = metricsFromSummary(summarizeQuality(rows, 'classification'));
    expectSameClassification(whole.metrics, want);
    expect(whole.approximate).toEqual([]);

    const rand = seededRandom(rows.length);
    for (let round = 0; round < 12; round++) {
      const parts = randomSplit(rows, rand).map((p) => summarizeQuality(p, 'classification'));
      const merged = mergeAll(parts, round % 2 === 1);
      const { metrics, approximate } = metricsFromSummary(merged);
      expectSameClassification(metrics, want);
      expect(approximate).toEqual([]);
      expectSameClassification(metricsFromSummary(roundTrip(merged)).metrics, want);
    }
  });

  it('covers the edges it is meant to', () => {
    const figures = new Map(CLASSIFIERS.map(([name, rows]) => [name, classificationMetrics(rows)]));
    expect(figures.get('some rows without probabilities')!.rocAuc).toBeNull();
    expect(
      figures.get("a class's probability missing where it was not the label")!.logLoss,
    ).toBeNull();
    expect(
      figures.get("a class's probability missing where it was never the label")!.rocAuc,
    ).toEqual(expect.any(Number));
    expect(figures.get('keys as Python writes them')!.rocAuc).toEqual(expect.any(Number));
    expect(figures.get('1 and "1"')!.classes).toEqual([1, '1', 'b']);
    expect(figures.get('binary, tied scores')!.rocAuc).toEqual(expect.any(Number));
  });

  it('keeps a window whose rows never saw a class ready for one that labels it', () => {
    // The first window's model answers for c, which only the second window labels.
    const first = classifierRows({
      seed: 12,
      rows: 200,
      classes: ['a', 'b', 'c'],
      neverLabelled: ['c'],
    }).map((r) => ({ ...r, predicted: r.predicted === 'c' ? 'a' : r.predicted }));
    const second = classifierRows({ seed: 13, rows: 200, classes: ['a', 'b', 'c'] });
    const [x, y] = [first, second].map((rows) => summarizeQuality(rows, 'classification'));
    expect(x.classes).toEqual(['a', 'b']);
    const { metrics } = metricsFromSummary(mergeQuality(x, y));
    expectSameClassification(metrics, classificationMetrics([...first, ...second]));
    expect(metrics.task === 'classification' && metrics.rocAuc).toEqual(expect.any(Number));
  });

  it('survives a JSON round trip unchanged (so holds finite numbers only)', () => {
    for (const [, rows] of CLASSIFIERS) {
      const s = summarizeQuality(rows, 'classification');
      expect(roundTrip(s)).toEqual(s);
    }
  });

  it('estimates ROC AUC from sketches past 4,096 distinct scores, and says so', () => {
    const rows = classifierRows({ seed: 14, rows: 30_000, classes: ['a', 'b', 'c'] });
    const want = classificationMetrics(rows);
    const rand = seededRandom(15);
    // One window large enough for sketches, the rest small; and the whole in one window.
    const parts = [rows.slice(0, 20_000), ...randomSplit(rows.slice(20_000), rand)];
    for (const summary of [
      summarizeQuality(rows, 'classification'),
      mergeAll(
        parts.map((p) => summarizeQuality(p, 'classification')),
        false,
      ),
    ]) {
      const { metrics, approximate } = metricsFromSummary(summary);
      expect(approximate).toEqual(['rocAuc']);
      if (metrics.task !== 'classification') throw new Error('expected classification metrics');
      expect(Math.abs(metrics.rocAuc! - want.rocAuc!)).toBeLessThanOrEqual(0.005);
      const { rocAuc: _got, ...rest } = metrics;
      const { rocAuc: _want, ...wantRest } = want;
      expectSameClassification({ ...rest, rocAuc: null }, { ...wantRest, rocAuc: null });
      expect(JSON.stringify(summary).length).toBeLessThan(400_000);
    }
  });

  it('merges an empty window as nothing, and has no figures of no rows', () => {
    const rows = CLASSIFIERS[0]![1];
    const s = summarizeQuality(rows, 'classification');
    const empty = summarizeQuality([], 'classification');
    expect(mergeQuality(empty, s)).toEqual(s);
    expect(mergeQuality(s, empty)).toEqual(s);
    expect(() => metricsFromSummary(empty)).toThrow(RangeError);
  });

  it('refuses to merge a classifier with a regression', () => {
    const c = summarizeQuality(CLASSIFIERS[0]![1], 'classification');
    const r = summarizeQuality([{ actual: 1, predicted: 2 }], 'regression');
    expect(() => mergeQuality<QualitySummary>(c, r)).toThrow(/cannot merge/);
  });
});

function regressionRows(
  seed: number,
  rows: number,
  actualAt: (r: () => number, i: number) => number,
  noise = 1,
): RegressionRow[] {
  const rand = seededRandom(seed);
  return Array.from({ length: rows }, (_, i) => {
    const actual = actualAt(rand, i);
    return { actual, predicted: actual + (rand() - 0.5) * noise };
  });
}

const REGRESSIONS: [string, RegressionRow[]][] = [
  ['random', regressionRows(20, 2000, (r) => r() * 100 - 50, 10)],
  ['zeros in y_true', regressionRows(21, 500, (r, i) => (i % 5 === 0 ? 0 : r() * 10))],
  ['constant y_true', regressionRows(22, 300, () => 7)],
  ['constant y_true predicted exactly', regressionRows(23, 50, () => 2.5, 0)],
  ['a large offset', regressionRows(24, 100_000, (r) => 1e6 + r() * 1e3, 20)],
  ['one row', [{ actual: 3, predicted: 5 }]],
];

describe('quality summaries of a regression', () => {
  it.each(REGRESSIONS)('%s: any split merges into the figures of all rows', (_, rows) => {
    const want = regressionMetrics(rows);
    expect(metricsFromSummary(summarizeQuality(rows, 'regression'))).toEqual({
      metrics: want,
      approximate: [],
    });
    const rand = seededRandom(rows.length);
    for (let round = 0; round < 12; round++) {
      const parts = randomSplit(rows, rand).map((p) => summarizeQuality(p, 'regression'));
      const merged = roundTrip(mergeAll(parts, round % 2 === 1));
      expectSameRegression(metricsFromSummary(merged).metrics, want);
    }
  });

  it('refuses values it cannot sum', () => {
    expect(() => summarizeQuality([{ actual: 1e200, predicted: -1e200 }], 'regression')).toThrow(
      RangeError,
    );
    expect(() => summarizeQuality([{ actual: Number.NaN, predicted: 1 }], 'regression')).toThrow(
      RangeError,
    );
  });

  it('merges an empty window as nothing', () => {
    const s = summarizeQuality(REGRESSIONS[0]![1], 'regression');
    const empty = summarizeQuality([], 'regression');
    expect(roundTrip(empty)).toEqual(empty);
    expect(mergeQuality(empty, s)).toBe(s);
    expect(() => metricsFromSummary(empty)).toThrow(RangeError);
  });
});
