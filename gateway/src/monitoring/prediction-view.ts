import { z } from 'zod';
import type { Label } from '../protocol/monitoring.js';
import { VALUE_TYPES, type FieldSpec, type Signature } from '../protocol/signature.js';
import { parseRuntimeConfig } from '../runtimes/runtime-config.js';

/** `config.monitoring` of a published version: where its answer's prediction is. */
const MonitoringConfig = z.object({
  monitoring: z
    .object({
      /** JSON pointer to the predicted class or value: into a model's prediction, a notebook's outputs. */
      prediction: z
        .string()
        .regex(/^(\/[^/]*)*$/, 'a JSON pointer such as /0/label')
        .optional(),
      /** JSON pointer to the probabilities by class (an object). */
      probabilities: z
        .string()
        .regex(/^(\/[^/]*)*$/, 'a JSON pointer such as /probabilities')
        .optional(),
      task: z.enum(['classification', 'regression']).optional(),
      /** The classes feedback may name; default: the model's own (its signature, its probabilities). */
      classes: z
        .array(z.union([z.string(), z.number(), z.boolean()]))
        .min(1)
        .optional(),
    })
    .strict()
    .optional(),
});

/** What the monitor reads from one answer. */
export interface Observed {
  predicted: Label | null;
  scores: Record<string, number> | null;
}

/**
 * How the monitor reads a version's answers: the task, the classes feedback may name, and the
 * predicted class or value (and probabilities) of one prediction. Derived from the signature
 * by the conventions of each format (`label`/`probabilities`, `output_label`/`output_probability`,
 * PMML's target with `probability(<class>)` columns, a regression's one number), or from
 * `config.monitoring` pointers.
 */
export interface PredictionView {
  task: 'classification' | 'regression' | null;
  /** Known classes; null when only the answers tell (feedback then takes any label). */
  classes: Label[] | null;
  observe(prediction: unknown): Observed;
  /** `observe(p).predicted` alone, without reading the probabilities (the hot path's need). */
  predicted(prediction: unknown): Label | null;
  /**
   * The outputs it reads, when it reads them by name (the conventions, not pointers): the
   * predicted value of `predicted` (only a number for a regression: `numeric`), the class
   * probabilities of `scores`. What reads columns of tensors instead of predictions follows it.
   */
  reads?: ViewReads;
}

/** See {@link PredictionView.reads}. */
export interface ViewReads {
  predicted: string;
  scores: string | null;
  numeric: boolean;
}

const LABEL_NAMES = ['label', 'output_label', 'predicted_label', 'prediction_label'];
const PROBABILITY_NAMES = ['probabilities', 'output_probability', 'probability'];
const PROBABILITY_COLUMN = /^probability\((.*)\)$/;
/** Every numeric value type: all but `bool`, `string` and `json`. */
const NUMERIC = new Set<string>(
  VALUE_TYPES.filter((t) => t !== 'bool' && t !== 'string' && t !== 'json'),
);

/** Throws an `InvalidInputError` naming `config.monitoring.<field>` on a bad setting. */
export function predictionView(
  signature: Signature,
  config: Record<string, unknown>,
  kind: 'model' | 'notebook',
): PredictionView {
  const settings = parseRuntimeConfig(MonitoringConfig, config).monitoring ?? {};
  const outputs = signature.outputs;
  if (settings.prediction !== undefined) {
    const pointer = settings.prediction;
    const probs = settings.probabilities;
    const classes = settings.classes ?? null;
    const task = settings.task ?? (classes || probs ? 'classification' : null);
    return viewOf(
      task,
      classes,
      (p) => {
        const predicted = asLabel(resolvePointer(p, pointer));
        return task === 'regression' && typeof predicted !== 'number' ? null : predicted;
      },
      (p) => (probs === undefined ? null : asScores(resolvePointer(p, probs))),
    );
  }
  // A notebook's outputs are whatever its cells display: only a pointer says where a prediction is.
  if (kind === 'notebook') return viewOf(null, null, NOTHING, NOTHING);
  const byName = new Map(outputs.map((o) => [o.name, o]));
  const label = LABEL_NAMES.map((n) => byName.get(n)).find(Boolean);
  const probabilities = PROBABILITY_NAMES.map((n) => byName.get(n)).find(Boolean);
  const columns = outputs.flatMap((o) => {
    const m = PROBABILITY_COLUMN.exec(o.name);
    return m ? [{ field: o.name, cls: m[1]! }] : [];
  });
  const target =
    label ??
    (columns.length > 0
      ? outputs.find((o) => !PROBABILITY_COLUMN.test(o.name) && o.type !== 'json')
      : outputs.find((o) => o.values !== undefined && o.values.length > 0));
  if (target) {
    const classes =
      settings.classes ??
      target.values ??
      probabilities?.values ??
      (columns.length ? columns.map((c) => c.cls) : null);
    return viewOf(
      settings.task ?? 'classification',
      classes ?? null,
      (p) => (isObject(p) ? asLabel(unwrap(p[target.name])) : null),
      (p) =>
        !isObject(p)
          ? null
          : probabilities
            ? asScores(p[probabilities.name])
            : columns.length
              ? asScores(Object.fromEntries(columns.map((c) => [c.cls, p[c.field]])))
              : null,
      probabilities || !columns.length
        ? { predicted: target.name, scores: probabilities?.name ?? null, numeric: false }
        : undefined,
    );
  }
  const numeric = outputs.filter((o) => NUMERIC.has(o.type) && isScalar(o));
  const value =
    numeric.find((o) => o.name === 'prediction' || o.name === 'variable') ??
    (numeric.length === 1 ? numeric[0] : undefined);
  if (value)
    return viewOf(
      settings.task ?? 'regression',
      settings.classes ?? null,
      (p) => {
        const x = isObject(p) ? unwrap(p[value.name]) : unwrap(p);
        return typeof x === 'number' ? x : null;
      },
      NOTHING,
      { predicted: value.name, scores: null, numeric: true },
    );
  return viewOf(settings.task ?? null, settings.classes ?? null, NOTHING, NOTHING);
}

const NOTHING = () => null;

function viewOf(
  task: PredictionView['task'],
  classes: Label[] | null,
  predicted: (p: unknown) => Label | null,
  scores: (p: unknown) => Record<string, number> | null,
  reads?: ViewReads,
): PredictionView {
  return {
    task,
    classes,
    predicted,
    observe: (p) => ({ predicted: predicted(p), scores: scores(p) }),
    ...(reads && { reads }),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A one-element array (a `[1]`-shaped output) is its element. */
export const unwrap = (v: unknown): unknown =>
  Array.isArray(v) && v.length === 1 ? unwrap(v[0]) : v;

const isScalar = (o: FieldSpec) =>
  o.shape === undefined || o.shape.every((d) => d === 1) || o.shape.length === 0;

export function asLabel(v: unknown): Label | null {
  const x = unwrap(v);
  if (typeof x === 'string' || typeof x === 'boolean') return x;
  if (typeof x === 'number' && Number.isFinite(x)) return x;
  return null;
}

/**
 * Class probabilities: an object of finite numbers, answered as it is (a call's predictions are
 * read, never changed; no copy per prediction); null for anything else, or an empty object.
 */
function asScores(v: unknown): Record<string, number> | null {
  if (!isObject(v)) return null;
  let any = false;
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    const x = v[k];
    if (typeof x !== 'number' || !Number.isFinite(x)) return null;
    any = true;
  }
  return any ? (v as Record<string, number>) : null;
}

/** RFC 6901: `/a/0/b`, with `~1` for `/` and `~0` for `~`. */
export function resolvePointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let at: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(at)) at = /^(0|[1-9]\d*)$/.test(token) ? at[Number(token)] : undefined;
    else if (isObject(at)) at = Object.hasOwn(at, token) ? at[token] : undefined;
    else return undefined;
  }
  return at;
}
