import type { FeatureKind, Label } from '../protocol/monitoring.js';
import type { FieldSpec, RecordValue, Signature } from '../protocol/signature.js';
import type { RawJson } from './loggable-row.js';
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

/** What the log keeps of one model call for the monitor. */
/** What one prediction answered, as feedback reads it. */
export interface Answer {
  id: string;
  predicted: Label | null;
  scores: Record<string, number> | null;
}

export interface MonitoredCall {
  /**
   * What each prediction answered, by prediction id. The journal leaves them out when it keeps
   * the call's output (feedback reads them from there); they are kept when it does not (no
   * inputs logged, or an output too large to keep), so that every prediction takes feedback.
   */
  predictions: Answer[] | RawJson;
  /**
   * Each watched feature's values in the call's records, in order (and the prediction's), as
   * columns; null when the gateway keeps no inputs (`SLIPWAY_LOG_INPUTS=false`).
   */
  features: Record<string, { kind: FeatureKind; values: unknown[] }> | null;
}

/** The monitor's part of a model call's log row. */
export function observeCall(
  ids: readonly string[],
  records: readonly RecordValue[],
  predictions: readonly unknown[],
  features: readonly MonitoredFeature[],
  view: PredictionView,
  keepInputs: boolean,
): MonitoredCall {
  // With inputs kept the log keeps the output too, and feedback reads the predictions there:
  // their copy (probabilities and all) is made only if the journal asks for it.
  let copy: MonitoredCall['predictions'] | undefined;
  const out: MonitoredCall = {
    get predictions() {
      return (copy ??= predictions.map((p, i) => ({ id: ids[i]!, ...view.observe(p) })));
    },
    features: null,
  };
  if (!keepInputs) return { predictions: out.predictions, features: null };
  const columns: MonitoredCall['features'] = {};
  for (const f of features)
    columns[f.name] = { kind: f.kind, values: records.map((r) => f.read(r) ?? null) };
  if (view.task !== null)
    columns[PREDICTION_FEATURE] = {
      kind: view.task === 'regression' ? 'numeric' : 'categorical',
      values: predictions.map((p) => view.predicted(p)),
    };
  out.features = columns;
  return out;
}
