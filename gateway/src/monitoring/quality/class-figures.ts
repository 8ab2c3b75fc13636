import type { ClassificationMetrics, ClassMetrics, Label } from '../../protocol/monitoring.js';

/** Zero on a zero denominator: scikit-learn's `zero_division="warn"` answers 0.0. */
const ratio = (numerator: number, denominator: number) =>
  denominator === 0 ? 0 : numerator / denominator;

/**
 * The figures a confusion matrix decides (rows actual, columns predicted, in class order):
 * `accuracy_score`, and `precision_recall_fscore_support` per class and `average='macro'`
 * with the default `zero_division` (0.0).
 */
export function countFigures(
  classes: readonly Label[],
  confusionMatrix: readonly (readonly number[])[],
): Pick<ClassificationMetrics, 'labelled' | 'accuracy' | 'perClass' | 'macro'> {
  const k = classes.length;
  let labelled = 0;
  let correct = 0;
  confusionMatrix.forEach((row, a) => {
    for (const x of row) labelled += x;
    correct += row[a]!;
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
  return {
    labelled,
    accuracy: correct / labelled,
    perClass,
    macro: {
      precision: mean((m) => m.precision),
      recall: mean((m) => m.recall),
      f1: mean((m) => m.f1),
    },
  };
}
