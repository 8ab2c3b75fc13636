import type { ClassificationMetrics, Label } from '../../protocol/monitoring.js';
import { countOf, type NumericCounts, type NumericSketch } from '../summaries/value-summary.js';
import { AccurateSum, type CompensatedSum } from './accurate-sum.js';
import type { ClassificationRow } from './classification.js';
import { compareLabels, probabilityUnder } from './class-order.js';
import { countFigures } from './class-figures.js';
import { doubledPairCount, type SortedScores } from './roc-auc.js';
import {
  asSketch,
  ColumnIndex,
  columnKeys,
  columnKeySets,
  mergeScoreValues,
  missingScores,
  scoreValues,
  type ScoreColumn,
  type ScoreValues,
} from './score-columns.js';

/**
 * A classifier's labelled predictions, summed up so that windows merge: everything
 * `classificationMetrics` reads from the rows, and nothing it does not.
 */
export interface ClassificationSummary {
  task: 'classification';
  labelled: number;
  /** Every class seen as label or prediction, in `compareLabels` order. */
  classes: Label[];
  /** Rows actual, columns predicted, in class order. */
  confusion: number[][];
  /**
   * What the probability figures need; null once a row lacked the probability of a class
   * labelled in it, which leaves them null in any window that holds the row.
   */
  scores: {
    /** Σ −log p(actual class), clipped as `log_loss` clips it. */
    logLoss: CompensatedSum;
    columns: ScoreColumn[];
  } | null;
}

/** numpy's float64 machine epsilon, which `log_loss` clips probabilities to. */
const EPS = 2 ** -52;

/** A row's term of `log_loss`. */
const logLossTerm = (p: number) => -Math.log(Math.min(Math.max(p, EPS), 1 - EPS));

/**
 * The summary of labelled rows. `exact` keeps every distinct score (for a one-off answer, not
 * for storage) and columns only for labelled classes, since nothing will be merged into it.
 */
export function summarizeClassification(
  rows: readonly ClassificationRow[],
  exact = false,
): ClassificationSummary {
  const seen = new Set<Label>();
  for (const r of rows) seen.add(r.actual).add(r.predicted);
  const classes = [...seen].sort(compareLabels);
  const indexOf = new Map(classes.map((c, i) => [c, i]));
  const confusion = classes.map(() => new Array<number>(classes.length).fill(0));
  const actual = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    const a = indexOf.get(r.actual)!;
    actual[i] = a;
    confusion[a]![indexOf.get(r.predicted)!]!++;
  });
  return {
    task: 'classification',
    labelled: rows.length,
    classes,
    confusion,
    scores: summarizeScores(rows, classes, actual, exact),
  };
}

function summarizeScores(
  rows: readonly ClassificationRow[],
  classes: readonly Label[],
  actual: Int32Array,
  exact: boolean,
): ClassificationSummary['scores'] {
  const present = new Set<string>();
  for (const r of rows) {
    if (!r.probabilities) return null;
    for (const [key, p] of Object.entries(r.probabilities))
      if (Number.isFinite(p)) present.add(key);
  }

  // Row indexes grouped by actual class (a counting sort), to split each column by class.
  const support = classes.map(() => 0);
  for (const a of actual) support[a]!++;
  const start = support.map((_, a) => support.slice(0, a).reduce((s, x) => s + x, 0));
  const order = new Int32Array(rows.length);
  const next = [...start];
  actual.forEach((a, i) => (order[next[a]!++] = i));

  const column = (keys: string[]): ScoreColumn => ({
    keys,
    byActual: support.map((n, a) => {
      if (n === 0) return null;
      const scores = new Float64Array(n);
      for (let j = 0; j < n; j++)
        scores[j] = probabilityUnder(rows[order[start[a]! + j]!]!.probabilities!, keys);
      return scoreValues(scores.sort(), exact);
    }),
  });
  // The labelled classes' columns first: one with a missing score ends the work.
  const labelled = classes.filter((_, a) => support[a]! > 0);
  if (labelled.some((c) => columnKeys(c, present).length === 0)) return null;
  const columns = columnKeySets(labelled, present, false).map(column);
  if (!columns.every(complete)) return null;
  if (!exact) {
    const built = new Set(columns.map((c) => JSON.stringify(c.keys)));
    for (const keys of columnKeySets(classes, present, true))
      if (!built.has(JSON.stringify(keys))) columns.push(column(keys));
  }

  const keysOf = classes.map((c) => columnKeys(c, present));
  const loss = new AccurateSum();
  rows.forEach((r, i) =>
    loss.add(logLossTerm(probabilityUnder(r.probabilities!, keysOf[actual[i]!]!))),
  );
  return { logLoss: loss.parts, columns };
}

/** Whether every row has a score in the column. */
const complete = (column: ScoreColumn | undefined) =>
  column !== undefined && column.byActual.every((s) => s === null || s.m === 0);

/** The summary of both windows' rows. */
export function mergeClassification(
  a: ClassificationSummary,
  b: ClassificationSummary,
): ClassificationSummary {
  if (a.labelled === 0) return b;
  if (b.labelled === 0) return a;
  const byKey = new Map<Label, Label>();
  for (const c of [...a.classes, ...b.classes]) byKey.set(c, c);
  const classes = [...byKey.values()].sort(compareLabels);
  const indexOf = new Map(classes.map((c, i) => [c, i]));
  const parts = [a, b].map((s) => ({ s, to: s.classes.map((c) => indexOf.get(c)!) }));

  const confusion = classes.map(() => new Array<number>(classes.length).fill(0));
  for (const { s, to } of parts)
    s.confusion.forEach((row, i) => row.forEach((n, j) => (confusion[to[i]!]![to[j]!]! += n)));

  let scores: ClassificationSummary['scores'] = null;
  if (a.scores && b.scores) {
    const indexes = [new ColumnIndex(a.scores.columns), new ColumnIndex(b.scores.columns)];
    const present = new Set([...indexes[0]!.present, ...indexes[1]!.present]);
    const columns = columnKeySets(classes, present, true).map((keys) => {
      const byActual: (ScoreValues | null)[] = classes.map(() => null);
      parts.forEach(({ s, to }, p) => {
        const column = indexes[p]!.find(keys);
        s.confusion.forEach((row, i) => {
          const n = row.reduce((t, x) => t + x, 0);
          if (n === 0) return;
          const mine = column?.byActual[i] ?? missingScores(n);
          const other = byActual[to[i]!];
          byActual[to[i]!] = other ? mergeScoreValues(other, mine) : mine;
        });
      });
      return { keys, byActual };
    });
    const loss = AccurateSum.of(a.scores.logLoss);
    loss.addSum(b.scores.logLoss);
    scores = { logLoss: loss.parts, columns };
  }
  return { task: 'classification', labelled: a.labelled + b.labelled, classes, confusion, scores };
}

/**
 * `classificationMetrics`' figures from a summary, and whether ROC AUC came from sketches
 * (approximate: each score within 0.5% of itself, so pairs closer than that tie).
 *
 * @throws RangeError for a summary of no rows.
 */
export function classificationFromSummary(s: ClassificationSummary): {
  metrics: ClassificationMetrics;
  rocAucApproximate: boolean;
} {
  if (s.labelled === 0)
    throw new RangeError('classification metrics need at least one labelled row');
  const k = s.classes.length;
  const counts = countFigures(s.classes, s.confusion);
  const labelled = counts.perClass.flatMap((m, j) => (m.support > 0 ? [j] : []));

  let rocAuc: number | null = null;
  let logLoss: number | null = null;
  let rocAucApproximate = false;
  const index = s.scores && new ColumnIndex(s.scores.columns);
  const columns = index && labelled.map((j) => index.find(s.classes[j]!));
  if (s.scores && columns?.every(complete)) {
    if (k >= 2) logLoss = AccurateSum.of(s.scores.logLoss).value / s.labelled;
    if (labelled.length >= 2) {
      const aucOf = (j: number) => {
        const { auc, approximate } = rocAucOf(index!.find(s.classes[j]!)!, j);
        rocAucApproximate ||= approximate;
        return auc;
      };
      rocAuc = k === 2 ? aucOf(1) : labelled.reduce((t, j) => t + aucOf(j), 0) / labelled.length;
    }
  }
  return {
    metrics: {
      task: 'classification',
      labelled: s.labelled,
      accuracy: counts.accuracy,
      classes: s.classes,
      perClass: counts.perClass,
      macro: counts.macro,
      rocAuc,
      logLoss,
      confusionMatrix: s.confusion,
    },
    rocAucApproximate,
  };
}

/**
 * One-vs-rest AUC of class `j` from its column: the Mann–Whitney count of its rows against
 * every other class's, exact while every summary is exact (the counts add up over classes).
 */
function rocAucOf(column: ScoreColumn, j: number): { auc: number; approximate: boolean } {
  const positives = column.byActual[j]!;
  const negatives = column.byActual.filter((v, c): v is ScoreValues => c !== j && v !== null);
  const pairs = 2 * countOf(positives) * negatives.reduce((t, v) => t + countOf(v), 0);
  if (positives.k === 'n' && negatives.every((v) => v.k === 'n')) {
    const pos = { values: positives.v, counts: positives.c };
    const doubled = negatives.reduce(
      (t, v) =>
        t +
        doubledPairCount(pos, { values: (v as NumericCounts).v, counts: (v as NumericCounts).c }),
      0,
    );
    return { auc: doubled / pairs, approximate: false };
  }
  // Both sides in sketch buckets, ranked by bucket (the buckets' order is their values'):
  // scores in one bucket tie (½), rather than being ranked by where a bucket's value happens
  // to fall against an exact score. O(buckets), however many rows the sketch counts.
  const buckets = (s: NumericSketch): SortedScores => ({
    values: s.b.map(([i]) => i),
    counts: s.b.map(([, c]) => c),
  });
  const [first, ...rest] = negatives.map(asSketch);
  const neg = rest.reduce((x, y) => mergeScoreValues(x, y) as NumericSketch, first!);
  return {
    auc: doubledPairCount(buckets(asSketch(positives)), buckets(neg)) / pairs,
    approximate: true,
  };
}
