import type { ClassificationMetrics, ClassMetrics, Label } from '../../protocol/monitoring.js';
import { AccurateSum } from './accurate-sum.js';
import { compareLabels, probabilityKeys } from './class-order.js';
import { binaryRocAuc } from './roc-auc.js';

/** One labelled prediction of a classifier. */
export interface ClassificationRow {
  actual: Label;
  predicted: Label;
  /** Per class, keyed by the class's string form, as the model answered them. */
  probabilities?: Record<string, number>;
}

/** numpy's float64 machine epsilon, which `log_loss` clips probabilities to. */
const EPS = 2 ** -52;

/** Zero on a zero denominator: scikit-learn's `zero_division="warn"` answers 0.0. */
const ratio = (numerator: number, denominator: number) =>
  denominator === 0 ? 0 : numerator / denominator;

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
 * @throws RangeError with no rows: there is nothing to measure.
 */
export function classificationMetrics(rows: readonly ClassificationRow[]): ClassificationMetrics {
  const n = rows.length;
  if (n === 0) throw new RangeError('classificationMetrics needs at least one labelled row');

  const seen = new Set<Label>();
  for (const r of rows) seen.add(r.actual).add(r.predicted);
  const classes = [...seen].sort(compareLabels);
  const k = classes.length;
  const indexOf = new Map(classes.map((c, i) => [c, i]));

  const actual = new Int32Array(n);
  const confusionMatrix = classes.map(() => new Array<number>(k).fill(0));
  let correct = 0;
  rows.forEach((r, i) => {
    const a = indexOf.get(r.actual)!;
    const p = indexOf.get(r.predicted)!;
    actual[i] = a;
    confusionMatrix[a]![p]!++;
    if (a === p) correct++;
  });

  const perClass: ClassMetrics[] = classes.map((c, j) => {
    const tp = confusionMatrix[j]![j]!;
    const support = confusionMatrix[j]!.reduce((s, x) => s + x, 0);
    const predictedAs = confusionMatrix.reduce((s, row) => s + row[j]!, 0);
    return {
      class: c,
      precision: ratio(tp, predictedAs),
      recall: ratio(tp, support),
      f1: ratio(2 * tp, support + predictedAs),
      support,
    };
  });
  const mean = (pick: (m: ClassMetrics) => number) => perClass.reduce((s, m) => s + pick(m), 0) / k;

  const labelled = perClass.map((m) => m.support > 0);
  const probabilities = probabilityMatrix(rows, classes, labelled);
  let rocAuc: number | null = null;
  let logLoss: number | null = null;
  if (probabilities) {
    const p = (i: number, j: number) => probabilities[i * k + j]!;
    if (k >= 2) {
      const loss = new AccurateSum();
      for (let i = 0; i < n; i++)
        loss.add(-Math.log(Math.min(Math.max(p(i, actual[i]!), EPS), 1 - EPS)));
      logLoss = loss.value / n;
    }
    const labelledClasses = labelled.flatMap((l, j) => (l ? [j] : []));
    if (labelledClasses.length >= 2) {
      const aucOf = (j: number) =>
        binaryRocAuc(
          (i) => actual[i] === j,
          (i) => p(i, j),
          n,
        )!;
      rocAuc =
        k === 2
          ? aucOf(1)
          : labelledClasses.reduce((s, j) => s + aucOf(j), 0) / labelledClasses.length;
    }
  }

  return {
    task: 'classification',
    labelled: n,
    accuracy: correct / n,
    classes,
    perClass,
    macro: {
      precision: mean((m) => m.precision),
      recall: mean((m) => m.recall),
      f1: mean((m) => m.f1),
    },
    rocAuc,
    logLoss,
    confusionMatrix,
  };
}

/**
 * Row-major probabilities, one column per class (NaN where a class only predicted has none);
 * undefined when a row has none for a class that was labelled.
 */
function probabilityMatrix(
  rows: readonly ClassificationRow[],
  classes: readonly Label[],
  labelled: readonly boolean[],
): Float64Array | undefined {
  const k = classes.length;
  const keys = classes.map(probabilityKeys);
  const matrix = new Float64Array(rows.length * k);
  for (let i = 0; i < rows.length; i++) {
    const answered = rows[i]!.probabilities;
    if (!answered) return undefined;
    for (let j = 0; j < k; j++) {
      const key = keys[j]!.find((name) => Number.isFinite(answered[name]));
      if (key === undefined && labelled[j]) return undefined;
      matrix[i * k + j] = key === undefined ? Number.NaN : answered[key]!;
    }
  }
  return matrix;
}
