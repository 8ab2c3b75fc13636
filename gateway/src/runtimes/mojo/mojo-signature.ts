import { UnusableArtifactError } from '../../errors.js';
import type { FieldSpec, Signature } from '../../protocol/signature.js';
import type { MojoConfig } from './mojo-config.js';
import type { MojoDescription, MojoScore } from './mojo-worker.js';

/** h2o model categories this runtime answers, and how. */
export const SERVED_CATEGORIES = ['Binomial', 'Multinomial', 'Ordinal', 'Regression'] as const;

const LEVELS_SHOWN = 50;

/**
 * The deployment's signature from what h2o-genmodel read: a numeric column is `float64`, a
 * categorical one `string` with its levels. Every input may be left out or null (h2o scores it
 * as missing). With `unknownLevels: "missing"` (h2o PredictCsv's behaviour, the default) a
 * level the model never saw is accepted and scored as missing, so the levels are help, not a
 * hard limit; with `"reject"` they are the field's allowed `values` and anything else is a 400.
 *
 * A classifier answers `label` and `probabilities` keyed by class; a regression `value`.
 */
export function mojoSignature(d: MojoDescription, config: MojoConfig): Signature {
  if (!(SERVED_CATEGORIES as readonly string[]).includes(d.category))
    throw new UnusableArtifactError(
      `H2O MOJOs of category ${d.category} are not served; Slipway serves ${SERVED_CATEGORIES.join(', ')} models`,
    );
  if (d.offset)
    throw new UnusableArtifactError(
      `the MOJO uses an offset column (${d.offset}), which Slipway does not serve yet`,
    );
  const inputs = d.inputs.map((col): FieldSpec => {
    if (!col.levels) return { name: col.name, type: 'float64', shape: [], required: false };
    const spec: FieldSpec = { name: col.name, type: 'string', shape: [], required: false };
    if (config.unknownLevels === 'reject') spec.values = col.levels;
    else spec.help = levelsHelp(col.levels);
    return spec;
  });
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

function levelsHelp(levels: string[]): string {
  const shown = levels.slice(0, LEVELS_SHOWN).join(', ');
  const more = levels.length > LEVELS_SHOWN ? `, … (${levels.length} in all)` : '';
  return `one of ${shown}${more}; another level counts as missing`;
}

/** A worker score in the runtime's `{output: value}` form. */
export function toPrediction(score: MojoScore, classes: string[] | null): Record<string, unknown> {
  if ('value' in score) return { value: score.value };
  const probabilities: Record<string, number | null> = {};
  (classes ?? []).forEach((c, i) => (probabilities[c] = score.p[i] ?? null));
  return { label: score.label, probabilities };
}
