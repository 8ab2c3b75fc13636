import type { QualityMetrics } from '../../protocol/monitoring.js';
import type { ClassificationRow } from './classification.js';
import {
  classificationFromSummary,
  mergeClassification,
  summarizeClassification,
  type ClassificationSummary,
} from './classification-summary.js';
import type { RegressionRow } from './regression.js';
import {
  mergeRegression,
  regressionFromSummary,
  summarizeRegression,
  type RegressionSummary,
} from './regression-summary.js';

export type { ClassificationSummary } from './classification-summary.js';
export type { RegressionSummary } from './regression-summary.js';

/**
 * Everything the quality figures need from a window of labelled predictions (an hour of one
 * version, say), small and mergeable: windows merge into the summary of all their rows. Plain
 * JSON (finite numbers, arrays, objects), to be stored as it is.
 *
 * Every figure but ROC AUC comes out as it would from the rows: counts exactly, sums within a
 * few roundings. AUC is exact while the scores of each class fit in exact value counts, and
 * comes from sketches past that (see `metricsFromSummary`).
 */
export type QualitySummary = ClassificationSummary | RegressionSummary;

/** A figure that `metricsFromSummary` may have had to estimate. */
export type ApproximateFigure = 'rocAuc';

/** The summary of labelled rows; no rows give an empty summary, which merges as nothing. */
export function summarizeQuality(
  rows: readonly ClassificationRow[],
  task: 'classification',
): ClassificationSummary;
export function summarizeQuality(
  rows: readonly RegressionRow[],
  task: 'regression',
): RegressionSummary;
export function summarizeQuality(
  rows: readonly ClassificationRow[] | readonly RegressionRow[],
  task: QualityMetrics['task'],
): QualitySummary {
  return task === 'regression'
    ? summarizeRegression(rows as readonly RegressionRow[])
    : summarizeClassification(rows as readonly ClassificationRow[]);
}

/**
 * The summary of both windows' rows. Neither is changed (the answer may share parts of them).
 *
 * @throws Error when one summarises a classifier and the other a regression.
 */
export function mergeQuality<S extends QualitySummary>(a: S, b: S): S;
export function mergeQuality(a: QualitySummary, b: QualitySummary): QualitySummary {
  if (a.task === 'classification' && b.task === 'classification') return mergeClassification(a, b);
  if (a.task === 'regression' && b.task === 'regression') return mergeRegression(a, b);
  throw new Error('cannot merge a classification quality summary with a regression one');
}

/**
 * The figures of `classificationMetrics` or `regressionMetrics` over the summarised rows, and
 * which of them are estimates: `rocAuc` when a class's scores were held in a sketch (more than
 * 4096 distinct values in a window, or in the merge); each score is then kept within 0.5% of
 * itself and scores in one bucket tie.
 *
 * @throws RangeError for a summary of no rows.
 */
export function metricsFromSummary(summary: QualitySummary): {
  metrics: QualityMetrics;
  approximate: ApproximateFigure[];
} {
  if (summary.task === 'regression')
    return { metrics: regressionFromSummary(summary), approximate: [] };
  const { metrics, rocAucApproximate } = classificationFromSummary(summary);
  return { metrics, approximate: rocAucApproximate ? ['rocAuc'] : [] };
}
