import type { ClassificationMetrics, Label } from '../../protocol/monitoring.js';
import { classificationFromSummary, summarizeClassification } from './classification-summary.js';

/** One labelled prediction of a classifier. */
export interface ClassificationRow {
  actual: Label;
  predicted: Label;
  /** Per class, keyed by the class's string form, as the model answered them. */
  probabilities?: Record<string, number>;
}

/**
 * Quality of a classifier over labelled predictions, figure for figure as scikit-learn 1.6
 * computes it with `labels` = every class seen in `actual` or `predicted` (sorted as
 * `unique_labels` sorts them; see `compareLabels` for mixed types):
 *
 * - `accuracy_score`; `precision_recall_fscore_support` per class and `average='macro'`, with
 *   the default `zero_division` (0.0); `confusion_matrix` (rows actual, columns predicted).
 * - `rocAuc`, binary: `roc_auc_score(y_true, P[:, 1])`, the greater class positive.
 *   Multiclass: one-vs-rest `roc_auc_score` per class, averaged over the classes that were
 *   labelled. With every class labelled that is `roc_auc_score(y, P, multi_class='ovr',
 *   average='macro')`; a class only predicted has no curve (scikit-learn: NaN) and is left out
 *   of the mean rather than turning it into NaN.
 * - `logLoss`: `log_loss(y_true, P, labels=classes)`: 1.6 clips to [eps, 1 − eps] and does not
 *   renormalise rows (it only warns when they do not add up to one).
 *
 * Both probability figures are null unless every row answered a finite probability for every
 * class that was labelled (a class only predicted may lack one); `rocAuc` is also null with
 * fewer than two classes labelled, `logLoss` with fewer than two classes in all.
 *
 * One implementation with the merged hourly summaries: this is the summary of the rows, kept
 * exact (every distinct score), read as `metricsFromSummary` reads one.
 *
 * @throws RangeError with no rows: there is nothing to measure.
 */
export function classificationMetrics(rows: readonly ClassificationRow[]): ClassificationMetrics {
  if (rows.length === 0)
    throw new RangeError('classificationMetrics needs at least one labelled row');
  return classificationFromSummary(summarizeClassification(rows, true)).metrics;
}
