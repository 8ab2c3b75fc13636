import { UnusableArtifactError } from '../../errors.js';
import type { FieldSpec, Signature } from '../../protocol/signature.js';
import type { MojoConfig } from './mojo-config.js';
import { numberOf } from './mojo-levels.js';
import type { MojoDescription, MojoScore } from './mojo-worker.js';

/**
 * h2o model categories this runtime answers: a classifier with `label` and `probabilities`, a
 * regression with `value`, any other with the columns h2o's own `predict` answers, by their
 * names (`predict` and `mean_length` for an Isolation Forest, `PC1`… for a PCA, `lp` for CoxPH).
 */
export const SERVED_CATEGORIES = [
  'Binomial',
  'Multinomial',
  'Ordinal',
  'Regression',
  'AnomalyDetection',
  'Clustering',
  'DimReduction',
  'CoxPH',
  'TargetEncoder',
] as const;

/** What an h2o category that is not served would need, for the publisher's 422. */
const NOT_SERVED: Record<string, string> = {
  AutoEncoder: "an autoencoder's reconstruction of each column is not answered yet",
  WordEmbedding: 'a word embedding maps words to vectors, and Slipway scores rows of columns',
  BinomialUplift: 'uplift predictions (treatment and control probabilities) are not answered yet',
  KLime: 'k-LIME reason codes are not answered',
};

/** The 422 for a MOJO of a category Slipway does not serve, naming what is missing. */
export function categoryNotServed(category: string, algo: string): UnusableArtifactError | null {
  if ((SERVED_CATEGORIES as readonly string[]).includes(category)) return null;
  const why = NOT_SERVED[category] ?? `Slipway serves ${SERVED_CATEGORIES.join(', ')} models`;
  return new UnusableArtifactError(`${algo} MOJOs (category ${category}) are not served: ${why}`);
}

/**
 * Models for which h2o's predict does not score a level it never saw as missing (it answers
 * another value), so `unknownLevels: "warn"` cannot match it: such a level is a 400 always.
 */
const UNSEEN_IS_NOT_MISSING: Record<string, string> = {
  CoxPHMojoModel: "h2o's CoxPH does not score a level it never saw as missing",
  ExtendedIsolationForestMojoModel:
    "h2o's Extended Isolation Forest does not score a level it never saw as missing",
};

/** Why an unseen level cannot be scored as missing for this model, if it cannot. */
export const unseenIsNotMissing = (d: MojoDescription): string | undefined =>
  UNSEEN_IS_NOT_MISSING[d.algorithm];

const LEVELS_SHOWN = 50;

/**
 * The deployment's signature from what h2o-genmodel read: a numeric column is `float64`, a
 * categorical one `string` with its levels. Every input may be left out or null (h2o scores it
 * as missing). With `unknownLevels: "error"` (the default) the levels are the field's allowed
 * `values`; with `"warn"` they are help, and another level is scored as missing. A column whose
 * levels are numbers ("70.0") takes a number or a string (`json`): the runtime finds the level.
 */
export function mojoSignature(d: MojoDescription, config: MojoConfig): Signature {
  const refused = categoryNotServed(d.category, d.algorithm);
  if (refused) throw refused;
  if (d.offset)
    throw new UnusableArtifactError(
      `the MOJO uses an offset column (${d.offset}), which Slipway does not serve yet`,
    );
  const strict = config.unknownLevels === 'error' || unseenIsNotMissing(d) !== undefined;
  const inputs = d.inputs.map((col): FieldSpec => {
    if (!col.levels) return { name: col.name, type: 'float64', shape: [], required: false };
    if (col.levels.some((l) => numberOf(l) !== undefined))
      return {
        name: col.name,
        type: 'json',
        shape: [],
        required: false,
        help: `${levelsHelp(col.levels, strict)}; a level written as a number may be sent as one (70 for "70.0")`,
      };
    const spec: FieldSpec = { name: col.name, type: 'string', shape: [], required: false };
    if (strict) spec.values = col.levels;
    else spec.help = levelsHelp(col.levels, strict);
    return spec;
  });
  if (d.outputs)
    return {
      inputs,
      outputs: d.outputs.map((name) => ({
        name,
        // A cluster's index is a whole number; every other column is h2o's double.
        type: d.category === 'Clustering' ? 'int32' : 'float64',
        shape: [],
      })),
    };
  const classes = d.classes;
  if (d.category === 'Regression' || !classes)
    return { inputs, outputs: [{ name: 'value', type: 'float64', shape: [] }] };
  return {
    inputs,
    outputs: [
      { name: 'label', type: 'string', shape: [], values: classes },
      { name: 'probabilities', type: 'float64', shape: [classes.length], values: classes },
    ],
  };
}

function levelsHelp(levels: string[], strict: boolean): string {
  const shown = levels.slice(0, LEVELS_SHOWN).join(', ');
  const more = levels.length > LEVELS_SHOWN ? `, … (${levels.length} in all)` : '';
  const other = strict ? 'another level is refused' : 'another level counts as missing';
  return `one of ${shown}${more}; ${other}`;
}

/** A worker score in the runtime's `{output: value}` form. */
export function toPrediction(
  score: MojoScore,
  d: Pick<MojoDescription, 'classes' | 'outputs'>,
): Record<string, unknown> {
  if ('value' in score) return { value: score.value };
  if ('columns' in score) {
    const out: Record<string, unknown> = {};
    (d.outputs ?? []).forEach((name, i) => (out[name] = score.columns[i] ?? null));
    return out;
  }
  const probabilities: Record<string, number | null> = {};
  (d.classes ?? []).forEach((c, i) => (probabilities[c] = score.p[i] ?? null));
  return { label: score.label, probabilities };
}
