import type { AnswerColumns } from '../monitoring/features.js';
import { asLabel, unwrap, type PredictionView } from '../monitoring/prediction-view.js';
import type { Label } from '../protocol/monitoring.js';
import type { OutputValues } from '../runtimes/onnx/tensors.js';
import { packScores } from '../monitoring/packed-scores.js';

/**
 * The monitor's copy of a chunk's answers read from its output tensors (see `observeCall`,
 * which makes it from one prediction object per row): the predicted value and the class
 * probabilities of each row (packed: `PackedScores`), by the outputs the view reads. Undefined when the view does not
 * read outputs by name (pointers, PMML-style probability columns) or when the scores' classes
 * could not all be object keys: the predictions are then made and observed.
 */
export function tensorAnswers(
  view: PredictionView,
  values: ReadonlyMap<string, OutputValues>,
  n: number,
): Omit<AnswerColumns, 'index'> | undefined {
  const reads = view.reads;
  if (!reads) return undefined;
  const label = reads.numeric
    ? (x: unknown) => (typeof x === 'number' ? x : null)
    : (x: unknown) => asLabel(x);
  const pv = values.get(reads.predicted);
  const value = pv && !pv.keys ? pv.value : undefined;
  const predicted: (Label | null)[] = new Array<Label | null>(n);
  for (let r = 0; r < n; r++) predicted[r] = value ? label(unwrap(value(r))) : null;

  const sv = reads.scores === null ? undefined : values.get(reads.scores);
  if (!sv?.keys || sv.keys.length === 0) return { predicted, classes: null, scores: null };
  if (new Set(sv.keys).size !== sv.keys.length || sv.keys.includes('__proto__')) return undefined;
  // The classes in the order an object of them lists its keys (integer-like ones first,
  // ascending), as the predictions' scores objects give them; `at` by each one's column.
  const keys = Object.keys(Object.fromEntries(sv.keys.map((k) => [k, 0])));
  const column = keys.map((k) => sv.keys!.indexOf(k));
  // A row with a score that is not a finite number has none (as `asScores` reads it).
  const scores = packScores(n, keys.length, (r, j) => {
    const x = sv.at(r, column[j]!);
    return typeof x === 'number' ? x : NaN;
  });
  return { predicted, classes: scores && keys, scores };
}
