import { InvalidInputError } from '../../../errors.js';
import { MISSING_RESULT, type CompiledCore, type MiningFunction } from '../model-types.js';
import type { Scope } from '../scope.js';
import { attr, key, numAttr, toType, unusable, type Env, type Getter } from '../values.js';
import { child, childrenNamed, type XmlElement } from '../xml.js';
import type { Design } from './general-regression-design.js';

interface Baseline {
  readonly maxTime: number;
  /** BaselineCells sorted by time. */
  readonly times: Float64Array;
  readonly hazards: Float64Array;
}

/**
 * GeneralRegressionModel modelType="CoxRegression", as JPMML-Evaluator 1.7.7 answers it: the
 * cumulative hazard at endTimeVariable's value, exp(η − Σ beta·referencePoint) times the
 * baseline cumulative hazard of the latest BaselineCell not after it; 0 before the first cell,
 * no prediction after maxTime or for a stratum the tables do not list. startTimeVariable and
 * statusVariable do not change it. A record without the end time (or the stratum) is refused,
 * as the reference fails on it.
 */
export function compileCoxRegression(
  el: XmlElement,
  scope: Scope,
  design: Design,
  functionName: MiningFunction,
): CompiledCore {
  const where = 'GeneralRegressionModel modelType="CoxRegression"';
  if (functionName !== 'regression') throw unusable(el, `${where} needs functionName="regression"`);
  const endName = el.attrs.endTimeVariable;
  if (endName === undefined) throw unusable(el, `${where} has no endTimeVariable`);
  const tables = child(el, 'BaseCumHazardTables');
  if (!tables) throw unusable(el, `${where} has no BaseCumHazardTables`);
  const cells = design.cells.get('');
  if (design.cells.size !== 1 || !cells)
    throw unusable(el, `${where}: ParamMatrix needs one set of PCells without a targetCategory`);
  const equation = design.equation(cells);
  // Σ beta·referencePoint over the PCells; a PCell naming no Parameter leaves it undefined.
  const parameters = new Map(
    childrenNamed(child(el, 'ParameterList') ?? el, 'Parameter').map((p) => [attr(p, 'name'), p]),
  );
  let reference: number | null = 0;
  for (const pc of cells) {
    const p = parameters.get(attr(pc, 'parameterName'));
    if (!p) reference = null;
    else if (reference !== null) reference += numAttr(pc, 'beta') * numAttr(p, 'referencePoint', 0);
  }
  const required = (name: string): Getter => {
    const g = scope.require(name, where).get;
    return (env) => {
      const v = g(env);
      if (v === null)
        throw new InvalidInputError(`field ${name}: the Cox model needs a value`, name);
      return v;
    };
  };
  const end = required(endName);
  const strataName = el.attrs.baselineStrataVariable;
  let baselineOf: (env: Env) => Baseline | undefined;
  if (strataName === undefined) {
    const b = baseline(tables, where);
    baselineOf = () => b;
  } else {
    const strata = new Map<string, Baseline>();
    const dataType = scope.require(strataName, where).dataType;
    for (const s of childrenNamed(tables, 'BaselineStratum')) {
      const k = key(toType(attr(s, 'value'), dataType) ?? attr(s, 'value'));
      if (!strata.has(k)) strata.set(k, baseline(s, `${where} BaselineStratum "${k}"`));
    }
    const stratum = required(strataName);
    baselineOf = (env) => strata.get(key(stratum(env)));
  }
  return {
    score: (env) => {
      const b = baselineOf(env);
      if (!b) return MISSING_RESULT;
      const t = end(env) as number;
      if (t > b.maxTime) return MISSING_RESULT;
      if (b.times.length === 0 || t < b.times[0]!) return { value: 0 };
      let i = 0;
      while (i + 1 < b.times.length && b.times[i + 1]! <= t) i++;
      const eta = equation(env);
      if (eta === null || reference === null) return MISSING_RESULT;
      return { value: Math.exp(eta - reference) * b.hazards[i]! };
    },
  };
}

function baseline(el: XmlElement, where: string): Baseline {
  if (el.attrs.maxTime === undefined) throw unusable(el, `${where} has no maxTime`);
  const cells = childrenNamed(el, 'BaselineCell')
    .map((c) => ({ time: numAttr(c, 'time'), hazard: numAttr(c, 'cumHazard') }))
    .sort((a, b) => a.time - b.time);
  if (cells.length === 0) throw unusable(el, `${where} has no BaselineCell`);
  return {
    maxTime: numAttr(el, 'maxTime'),
    times: Float64Array.from(cells.map((c) => c.time)),
    hazards: Float64Array.from(cells.map((c) => c.hazard)),
  };
}
