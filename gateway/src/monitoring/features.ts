import type { FeatureKind, Label } from '../protocol/monitoring.js';
import type { FieldSpec, RecordValue, Signature } from '../protocol/signature.js';
import { RawJson } from './loggable-row.js';
import {
  indexRuns,
  packPredicted,
  positionOf,
  predictedAt,
  type AnswerIndex,
  type PredictedValues,
} from './compact-answers.js';
import { isPacked, packedRow, type PackedScores } from './packed-scores.js';
import type { PredictionView } from './prediction-view.js';

/** One column the monitor watches for drift: a scalar input, or one element of a short vector input. */
export interface MonitoredFeature {
  name: string;
  kind: FeatureKind;
  read(record: RecordValue): unknown;
}

/** The model's answer, watched like a feature (`prediction`). */
export const PREDICTION_FEATURE = '#prediction';
/** Vector inputs up to this length are watched element by element (`x[0]`, `x[1]`, …). */
const MAX_VECTOR = 64;

const CATEGORICAL_TYPES = new Set(['string', 'bool']);

/**
 * The features of a signature the monitor watches. Strings, booleans and fields with a set of
 * allowed values are categorical; numbers numeric; a fixed-length vector (`[4]`, `[1, 4]`) is
 * one numeric feature per element; larger tensors and JSON values are not watched.
 */
export function monitoredFeatures(signature: Signature): MonitoredFeature[] {
  return signature.inputs.flatMap((f) => featuresOf(f));
}

function featuresOf(f: FieldSpec): MonitoredFeature[] {
  if (f.type === 'json') return [];
  const kind: FeatureKind =
    CATEGORICAL_TYPES.has(f.type) || (f.values !== undefined && f.values.length > 0)
      ? 'categorical'
      : 'numeric';
  const dims = (f.shape ?? []).filter((d) => d !== 1);
  if (dims.length === 0) return [{ name: f.name, kind, read: (r) => scalar(r[f.name]) }];
  const [n] = dims;
  if (dims.length !== 1 || n === null || n === undefined || n > MAX_VECTOR) return [];
  return Array.from({ length: n }, (_, i) => ({
    name: `${f.name}[${i}]`,
    kind,
    read: (r: RecordValue) => {
      const v = flat(r[f.name]);
      return Array.isArray(v) ? v[i] : undefined;
    },
  }));
}

/** `[x]` and `[[x]]` are x. */
const scalar = (v: unknown): unknown => (Array.isArray(v) && v.length === 1 ? scalar(v[0]) : v);
/** `[[a, b, c]]` is `[a, b, c]`. */
const flat = (v: unknown): unknown =>
  Array.isArray(v) && v.length === 1 && Array.isArray(v[0]) ? flat(v[0]) : v;

/** What one prediction answered, as feedback reads it. */
export interface Answer {
  id: string;
  predicted: Label | null;
  scores: Record<string, number> | null;
}

/**
 * The monitor's copy of a call's predictions as columns (what a call of many records costs far
 * less to write and store than an object per prediction): the n-th prediction's record index
 * (its id is `<call id>:<index>`; `index` null: one record, whose id is the call's), predicted
 * class or value, and probabilities in `classes` order (as rows of JSON numbers, or packed).
 */
export interface AnswerColumns {
  index: number[] | null;
  predicted: (Label | null)[];
  /** Null when no prediction had probabilities. */
  classes: string[] | null;
  scores: (number[] | null)[] | PackedScores | null;
}

/**
 * The monitor's copy as the log may store it: a batch chunk's with its indexes as runs and its
 * predicted numbers packed (`compactAnswers`).
 */
export type StoredAnswers = Omit<AnswerColumns, 'index' | 'predicted'> & {
  index: AnswerIndex;
  predicted: PredictedValues;
};

/** The copy made compact for the log: the indexes as runs, predicted numbers packed. */
export const compactAnswers = (a: AnswerColumns): StoredAnswers => ({
  ...a,
  index: a.index && indexRuns(a.index),
  predicted: packPredicted(a.predicted),
});

/** The monitor's copy as the log keeps it: columns, a list (older rows), or journalled text. */
export type Answers = StoredAnswers | Answer[] | RawJson;

/** The ids of a call's predictions: its id, and each prediction's record index (null: one record, the call's id). */
export interface PredictionIds {
  call: string;
  index: number[] | null;
}

/** What the log keeps of one model call for the monitor. */
export interface MonitoredCall {
  /**
   * What each prediction answered. The journal leaves them out when it keeps the call's output
   * (feedback reads them from there); they are kept when it does not (no inputs logged, an
   * output too large to keep, a batch job's chunk), so that every prediction takes feedback.
   */
  predictions: Answers;
  /**
   * Each watched feature's values in the call's records, in order (and the prediction's), as
   * columns (or their JSON, made where the values were: a batch job's thread); null when the
   * gateway keeps no inputs (`SLIPWAY_LOG_INPUTS=false`).
   */
  features: FeatureColumns | RawJson | null;
}

/** The watched features' values of a call, by feature. */
export type FeatureColumns = Record<string, { kind: FeatureKind; values: unknown[] }>;

/** A call's feature columns as values (their JSON parsed); null when it has none. */
export function featureColumns(monitored: MonitoredCall): FeatureColumns | null {
  const { features } = monitored;
  return features instanceof RawJson ? (JSON.parse(features.text) as FeatureColumns) : features;
}

/** The monitor's part of a model call's log row. */
export function observeCall(
  ids: PredictionIds,
  records: readonly RecordValue[],
  predictions: readonly unknown[],
  features: readonly MonitoredFeature[],
  view: PredictionView,
  keepInputs: boolean,
): MonitoredCall {
  // With inputs kept the log keeps the output too, and feedback reads the predictions there:
  // their copy (probabilities and all) is made only if the journal asks for it.
  let copy: AnswerColumns | undefined;
  const out: MonitoredCall = {
    get predictions() {
      return (copy ??= answerColumns(ids, predictions, view));
    },
    features: null,
  };
  if (!keepInputs) return { predictions: out.predictions, features: null };
  out.features = watchedColumns(records, features, view.task, () =>
    predictions.map((p) => view.predicted(p)),
  );
  return out;
}

/**
 * A call's features taken out of it: the call as the log keeps it without them (its
 * predictions' copy still made only if asked for), and the features as columns.
 */
export function withoutFeatures(call: MonitoredCall): {
  call: MonitoredCall;
  features: FeatureColumns | null;
} {
  return {
    call: {
      get predictions() {
        return call.predictions;
      },
      features: null,
    },
    features: featureColumns(call),
  };
}

/**
 * The watched features' values in a call's records, and the predicted values (`predicted`,
 * read only for a view with a task) as the prediction's feature.
 */
export function watchedColumns(
  records: readonly RecordValue[],
  features: readonly MonitoredFeature[],
  task: PredictionView['task'],
  predicted: () => unknown[],
): FeatureColumns {
  const columns: FeatureColumns = {};
  for (const f of features)
    columns[f.name] = { kind: f.kind, values: records.map((r) => f.read(r) ?? null) };
  if (task !== null)
    columns[PREDICTION_FEATURE] = {
      kind: task === 'regression' ? 'numeric' : 'categorical',
      values: predicted(),
    };
  return columns;
}

/** The predictions as columns; probabilities by the first prediction's classes. */
function answerColumns(
  ids: PredictionIds,
  predictions: readonly unknown[],
  view: PredictionView,
): AnswerColumns {
  const predicted: (Label | null)[] = [];
  let classes: string[] | null = null;
  let scores: (number[] | null)[] | null = null;
  for (let n = 0; n < predictions.length; n++) {
    const seen = view.observe(predictions[n]);
    predicted.push(seen.predicted);
    if (!seen.scores) {
      scores?.push(null);
      continue;
    }
    if (!classes) {
      classes = Object.keys(seen.scores);
      scores = new Array<number[] | null>(n).fill(null);
    }
    // A class the first prediction did not have would be lost: such a call's probabilities
    // (a model whose classes change from record to record) are kept for the classes it had.
    const row = new Array<number>(classes.length);
    for (let j = 0; j < classes.length; j++) row[j] = seen.scores[classes[j]!] ?? NaN;
    scores!.push(row);
  }
  return { index: ids.index, predicted, classes, scores };
}

/** One prediction's answer from the monitor's copy, by its id; undefined when it has none. */
export function answerOf(
  answers: StoredAnswers | Answer[],
  id: string,
  index: number | null,
): Omit<Answer, 'id'> | undefined {
  if (Array.isArray(answers)) return answers.find((a) => a.id === id);
  const n =
    answers.index === null
      ? index === null
        ? 0
        : -1
      : index === null
        ? -1
        : positionOf(answers.index, index);
  const predicted = n < 0 ? undefined : predictedAt(answers.predicted, n);
  if (predicted === undefined) return undefined;
  const stored = answers.scores;
  const row = isPacked(stored) ? packedRow(stored, answers.classes?.length ?? 0, n) : stored?.[n];
  const scores: Record<string, number> | null = row && answers.classes ? {} : null;
  if (scores && row)
    answers.classes!.forEach((c, j) => Number.isFinite(row[j]) && (scores[c] = row[j]!));
  return { predicted, scores };
}
