import { InvalidInputError, UnusableArtifactError } from '../../../errors.js';
import { classResult } from '../classification.js';
import {
  MISSING_RESULT,
  type CompiledCore,
  type ModelCompileInput,
  type TargetInfo,
} from '../model-types.js';
import type { Scope } from '../scope.js';
import { enumAttr, key, numAttr, toType, unusable, type Env, type Value } from '../values.js';
import type { XmlElement } from '../xml.js';
import { compileCoxRegression } from './cox-regression.js';
import {
  compileDesign,
  CUMULATIVE_LINKS,
  inverseCumulativeLink,
  inverseLink,
  LINKS,
  type Design,
  type Link,
} from './general-regression-design.js';

const MODEL_TYPES = [
  'regression',
  'generalLinear',
  'generalizedLinear',
  'multinomialLogistic',
  'ordinalMultinomial',
  'CoxRegression',
] as const;
type ModelType = (typeof MODEL_TYPES)[number];

/**
 * GeneralRegressionModel, scored as JPMML-Evaluator 1.7.7 scores it: η is the sum over an
 * equation's PCells of beta times the parameter's PPMatrix row (see general-regression-design.ts).
 * regression and generalLinear answer η (no link, no offset, whatever the document says);
 * generalizedLinear the inverse link of η plus the offset, for a binomial classifier the first
 * category's probability with the reference category last; multinomialLogistic exp(η) per
 * category, the reference's 1, normalised; ordinalMultinomial cumulative probabilities from one
 * intercept per category and shared slopes; CoxRegression the cumulative hazard (cox-regression.ts).
 */
export function compileGeneralRegression(input: ModelCompileInput): CompiledCore {
  const { el, scope, functionName, target } = input;
  const where = 'GeneralRegressionModel';
  if (el.attrs.modelType === undefined)
    throw new UnusableArtifactError('GeneralRegressionModel has no modelType');
  const modelType = enumAttr<ModelType>(el, 'modelType', MODEL_TYPES, 'regression');
  if (el.attrs.trialsVariable !== undefined || el.attrs.trialsValue !== undefined)
    throw unusable(el, `${where}: trialsVariable/trialsValue is not supported`);
  const design = compileDesign(el, scope, where);
  if (modelType === 'CoxRegression') return compileCoxRegression(el, scope, design, functionName);
  const classifies = modelType === 'multinomialLogistic' || modelType === 'ordinalMultinomial';
  if (classifies && functionName !== 'classification')
    throw unusable(el, `${where}: modelType="${modelType}" needs functionName="classification"`);
  if (functionName === 'classification') {
    if (modelType === 'regression' || modelType === 'generalLinear')
      throw unusable(el, `${where}: modelType="${modelType}" cannot classify`);
    return compileClassifier(el, scope, design, modelType, target);
  }
  if (functionName !== 'regression')
    throw unusable(el, `${where}: functionName="${functionName}" is not supported`);
  const equation = design.equation(single(el, design));
  if (modelType === 'regression' || modelType === 'generalLinear')
    return { score: (env) => ({ value: equation(env) }) };
  const link = linkOf(el);
  const offset = offsetOf(el, scope);
  return {
    score: (env) => {
      const eta = equation(env);
      return eta === null ? MISSING_RESULT : { value: link(eta + offset(env)) };
    },
  };
}

/** The PCells of a model with one equation (none of them names a targetCategory). */
function single(el: XmlElement, design: Design): readonly XmlElement[] {
  const cells = design.cells.get('');
  if (design.cells.size !== 1 || !cells)
    throw unusable(
      el,
      'GeneralRegressionModel: a regression needs one set of PCells without a targetCategory',
    );
  return cells;
}

function linkOf(el: XmlElement): (eta: number) => number {
  if (el.attrs.linkFunction === undefined)
    throw unusable(el, 'GeneralRegressionModel: modelType="generalizedLinear" has no linkFunction');
  const link = el.attrs.linkFunction as Link;
  if (!LINKS.includes(link))
    throw unusable(
      el,
      `GeneralRegressionModel: linkFunction="${link}" is not supported (supported: ${LINKS.join(', ')})`,
    );
  const name = link === 'negbin' ? 'distParameter' : 'linkParameter';
  const needs = link === 'negbin' || link === 'power' || link === 'oddspower';
  if (needs && el.attrs[name] === undefined)
    throw unusable(el, `GeneralRegressionModel: linkFunction="${link}" needs ${name}`);
  return inverseLink(link, needs ? numAttr(el, name) : 0);
}

/** offsetVariable's value (a record without it is refused, as the reference fails) or offsetValue. */
function offsetOf(el: XmlElement, scope: Scope): (env: Env) => number {
  const variable = el.attrs.offsetVariable;
  if (variable === undefined) {
    const v = numAttr(el, 'offsetValue', 0);
    return () => v;
  }
  const g = scope.require(variable, 'GeneralRegressionModel offsetVariable').get;
  return (env) => {
    const v = g(env);
    if (v === null)
      throw new InvalidInputError(`field ${variable}: the model's offset needs a value`, variable);
    return v as number;
  };
}

/**
 * The classifiers. Categories are the target's, the reference category (targetReferenceCategory,
 * else the one without PCells; ordinalMultinomial: only when named) moved last.
 */
function compileClassifier(
  el: XmlElement,
  scope: Scope,
  design: Design,
  modelType: ModelType,
  target: TargetInfo,
): CompiledCore {
  const where = `GeneralRegressionModel modelType="${modelType}"`;
  const declared = target.categories ?? [];
  if (declared.length < 2) throw unusable(el, `${where}: the target needs two or more categories`);
  const text = (c: Value) => key(c);
  let reference: Value | undefined;
  const ref = el.attrs.targetReferenceCategory;
  if (ref !== undefined) reference = toType(ref, target.dataType) ?? ref;
  else if (modelType !== 'ordinalMultinomial') {
    const without = declared.filter((c) => !design.cells.has(text(c)));
    if (without.length !== 1)
      throw unusable(
        el,
        `${where}: no single target category lacks PCells, so none is the reference`,
      );
    reference = without[0];
  }
  const categories = declared.filter((c) => reference === undefined || text(c) !== text(reference));
  if (reference !== undefined && categories.length < declared.length) categories.push(reference);
  const n = categories.length;
  const cellsOf = (c: Value): readonly XmlElement[] => {
    const own = design.cells.get(text(c));
    if (own) return own;
    const shared = design.cells.get('');
    if (n === 2 && shared && modelType !== 'ordinalMultinomial') return shared;
    throw unusable(el, `${where}: category "${text(c)}" has no PCells`);
  };
  const probs = (values: (number | null)[]) => {
    if (values.some((v) => v === null)) return MISSING_RESULT;
    return classResult(categories, values as number[]);
  };
  if (modelType === 'multinomialLogistic') {
    const equations = categories.slice(0, n - 1).map((c) => design.equation(cellsOf(c)));
    return {
      categories: declared,
      score: (env) => {
        const e: (number | null)[] = equations.map((q) => {
          const eta = q(env);
          return eta === null ? null : Math.exp(eta);
        });
        if (e.some((v) => v === null)) return MISSING_RESULT;
        e.push(1);
        let sum = 0;
        for (const v of e) sum += v!;
        return probs(e.map((v) => v! / sum));
      },
    };
  }
  const offset = offsetOf(el, scope);
  if (modelType === 'generalizedLinear') {
    // The reference evaluator gives the last category 1 minus the one before it: exact for a
    // binomial model only.
    if (n !== 2)
      throw unusable(
        el,
        `${where}: a classifier with ${n} categories is not supported (binomial only)`,
      );
    const link = linkOf(el);
    const equation = design.equation(cellsOf(categories[0]!));
    return {
      categories: declared,
      score: (env) => {
        const eta = equation(env);
        if (eta === null) return MISSING_RESULT;
        const p = link(eta + offset(env));
        return probs([p, 1 - p]);
      },
    };
  }
  // ordinalMultinomial: one intercept PCell per category but the last, the slopes shared.
  if (el.attrs.cumulativeLink === undefined) throw unusable(el, `${where}: no cumulativeLink`);
  const link = inverseCumulativeLink(enumAttr(el, 'cumulativeLink', CUMULATIVE_LINKS, 'logit'));
  const shared = design.cells.get('');
  if (!shared) throw unusable(el, `${where}: ParamMatrix has no PCells without a targetCategory`);
  const equations = categories.slice(0, n - 1).map((c) => {
    const own = design.cells.get(text(c));
    if (own?.length !== 1)
      throw unusable(el, `${where}: category "${text(c)}" needs exactly one PCell (its intercept)`);
    return design.equation([...shared, ...own]);
  });
  return {
    categories: declared,
    score: (env) => {
      const cumulative: (number | null)[] = [];
      for (const q of equations) {
        const eta = q(env);
        if (eta === null) return MISSING_RESULT;
        cumulative.push(link(eta + offset(env)));
      }
      cumulative.push(1);
      return probs(cumulative.map((c, i) => (i === 0 ? c! : c! - cumulative[i - 1]!)));
    },
  };
}
