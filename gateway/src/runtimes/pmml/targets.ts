import { UnusableArtifactError } from '../../errors.js';
import { classResult } from './classification.js';
import type { MiningFunction, ModelResult, TargetInfo } from './model-types.js';
import { enumAttr, key, numAttr, toType, type Value } from './values.js';
import { childrenNamed, type XmlElement } from './xml.js';

/** The `Target` of `Targets` that describes `target` (one without a field describes any). */
function targetOf(el: XmlElement | undefined, target: TargetInfo): XmlElement[] {
  if (!el) return [];
  return childrenNamed(el, 'Target').filter(
    (t) =>
      t.attrs.field === undefined || target.name === undefined || t.attrs.field === target.name,
  );
}

/**
 * The display values of the target's categories: the Target's `TargetValue@displayValue`, which
 * wins over the DataField's `Value@displayValue` (as the reference evaluator answers); undefined
 * when neither declares any.
 */
export function targetDisplayValues(
  el: XmlElement | undefined,
  target: TargetInfo,
): ReadonlyMap<string, string> | undefined {
  const own = new Map<string, string>();
  for (const t of targetOf(el, target))
    for (const v of childrenNamed(t, 'TargetValue'))
      if (v.attrs.value !== undefined && v.attrs.displayValue !== undefined)
        own.set(key(toType(v.attrs.value, target.dataType) ?? v.attrs.value), v.attrs.displayValue);
  if (own.size === 0) return target.displayValues;
  return new Map([...(target.displayValues ?? []), ...own]);
}

/** A post-processing step of a model's result, from its `Targets` element. */
export type TargetStep = (r: ModelResult) => ModelResult;

/**
 * Compiles `Targets`: for regression, clamping to min/max, `rescaleFactor`/`rescaleConstant`
 * and `castInteger`, in that order; for both, the default (`TargetValue` defaultValue or
 * priorProbability) answered when the model itself has no prediction.
 */
export function compileTargets(
  el: XmlElement | undefined,
  functionName: MiningFunction,
  target: TargetInfo,
): TargetStep | undefined {
  if (!el) return undefined;
  const targets = targetOf(el, target);
  if (targets.length === 0) return undefined;
  if (targets.length > 1)
    throw new UnusableArtifactError(
      `Targets: several Target elements for "${target.name}" are not supported`,
    );
  const t = targets[0]!;
  const values = childrenNamed(t, 'TargetValue');
  if (functionName === 'regression') {
    const factor = numAttr(t, 'rescaleFactor', 1);
    const constant = numAttr(t, 'rescaleConstant', 0);
    const min = numAttr(t, 'min', Number.NEGATIVE_INFINITY);
    const max = numAttr(t, 'max', Number.POSITIVE_INFINITY);
    const cast = enumAttr(t, 'castInteger', ['round', 'ceiling', 'floor', 'none'], 'none');
    const round =
      cast === 'round'
        ? Math.round
        : cast === 'ceiling'
          ? Math.ceil
          : cast === 'floor'
            ? Math.floor
            : undefined;
    const defaults = values.filter((v) => v.attrs.defaultValue !== undefined);
    const fallback = defaults.length ? numAttr(defaults[0]!, 'defaultValue') : null;
    const identity =
      factor === 1 && constant === 0 && !round && min === -Infinity && max === Infinity;
    return (r) => {
      if (r.value === null) return fallback === null ? r : { value: fallback };
      if (identity) return r;
      let v = r.value as number;
      if (v < min) v = min;
      if (v > max) v = max;
      v = v * factor + constant;
      if (round) v = round(v);
      return { ...r, value: v };
    };
  }
  if (functionName === 'classification') {
    const priors = values.filter((v) => v.attrs.priorProbability !== undefined);
    if (priors.length === 0) return undefined;
    const categories: Value[] = priors.map(
      (v) => toType(v.attrs.value ?? '', target.dataType) ?? v.attrs.value ?? null,
    );
    const probs = priors.map((v) => numAttr(v, 'priorProbability'));
    const prior = classResult(categories, probs);
    return (r) => (r.value === null && !r.probabilities?.size ? prior : r);
  }
  return undefined;
}
