import { UnusableArtifactError } from '../../../errors.js';
import {
  classResult,
  inverseLink,
  normalizeScores,
  NORMALIZATIONS,
  type Normalization,
} from '../classification.js';
import type { CompiledCore, ModelCompileInput } from '../model-types.js';
import type { Scope } from '../scope.js';
import {
  attr,
  enumAttr,
  key,
  numAttr,
  toType,
  type Env,
  type Getter,
  type Value,
} from '../values.js';
import { childrenNamed, type XmlElement } from '../xml.js';

/** A regression equation compiled: its value for a record, or null when an input is missing. */
export type Equation = (env: Env) => number | null;

/**
 * Compiles a `RegressionTable`: intercept + Σ coefficient·x^exponent + Σ coefficient·[x = value]
 * + Σ coefficient·Πx. A missing input leaves the equation without a value.
 */
export function compileRegressionTable(table: XmlElement, scope: Scope, where: string): Equation {
  const intercept = numAttr(table, 'intercept', 0);
  const numeric: { get: Getter; coef: number; exp: number }[] = [];
  const categorical = new Map<string, { get: Getter; coefs: Map<string, number> }>();
  const terms: { gets: Getter[]; coef: number }[] = [];
  for (const p of table.children) {
    if (p.name === 'NumericPredictor') {
      const f = scope.require(attr(p, 'name'), where);
      numeric.push({ get: f.get, coef: numAttr(p, 'coefficient'), exp: numAttr(p, 'exponent', 1) });
    } else if (p.name === 'CategoricalPredictor') {
      const name = attr(p, 'name');
      const f = scope.require(name, where);
      let entry = categorical.get(name);
      if (!entry) categorical.set(name, (entry = { get: f.get, coefs: new Map() }));
      const v = toType(attr(p, 'value'), f.dataType) ?? p.attrs.value!;
      entry.coefs.set(key(v), numAttr(p, 'coefficient'));
    } else if (p.name === 'PredictorTerm') {
      const gets = childrenNamed(p, 'FieldRef').map(
        (r) => scope.require(attr(r, 'field'), where).get,
      );
      terms.push({ gets, coef: numAttr(p, 'coefficient') });
    } else if (p.name !== 'Extension') {
      throw new UnusableArtifactError(`${p.name} in ${where} is not supported`);
    }
  }
  const nGets = numeric.map((n) => n.get);
  const nCoefs = numeric.map((n) => n.coef);
  const nExps = numeric.map((n) => n.exp);
  const cats = [...categorical.values()];
  return (env) => {
    let y = intercept;
    for (let i = 0; i < nGets.length; i++) {
      const v = nGets[i]!(env);
      if (v === null) return null;
      const x = v as number;
      const e = nExps[i]!;
      y += nCoefs[i]! * (e === 1 ? x : Math.pow(x, e));
    }
    for (const c of cats) {
      const v = c.get(env);
      // PMML: "if the input value is missing, then the categorical field is ignored" (every
      // dummy variable is 0), unlike a missing numeric input, which leaves no prediction.
      if (v === null) continue;
      // A category the table has no coefficient for adds nothing (the dummy variable is 0).
      y += c.coefs.get(key(v)) ?? 0;
    }
    for (const t of terms) {
      let prod = t.coef;
      for (const g of t.gets) {
        const v = g(env);
        if (v === null) return null;
        prod *= v as number;
      }
      y += prod;
    }
    return y;
  };
}

/** RegressionModel: linear and logistic regression, with PMML's normalisation methods. */
export function compileRegression({
  el,
  scope,
  functionName,
  target,
}: ModelCompileInput): CompiledCore {
  const method = enumAttr<Normalization>(el, 'normalizationMethod', NORMALIZATIONS, 'none');
  const tables = childrenNamed(el, 'RegressionTable');
  if (tables.length === 0)
    throw new UnusableArtifactError('RegressionModel has no RegressionTable');
  if (functionName === 'regression') {
    if (tables.length !== 1)
      throw new UnusableArtifactError(
        'a regression RegressionModel must have exactly one RegressionTable',
      );
    if (method === 'simplemax')
      throw new UnusableArtifactError(
        'RegressionModel: normalizationMethod="simplemax" needs a classification',
      );
    const eq = compileRegressionTable(tables[0]!, scope, 'RegressionModel');
    const link = inverseLink(method === 'softmax' ? 'logit' : method);
    return {
      score: (env) => {
        const y = eq(env);
        return { value: y === null ? null : link(y) };
      },
    };
  }
  if (functionName !== 'classification')
    throw new UnusableArtifactError(
      `RegressionModel with functionName="${functionName}" is not supported`,
    );
  const categories: Value[] = tables.map(
    (t) => toType(attr(t, 'targetCategory'), target.dataType) ?? t.attrs.targetCategory!,
  );
  const eqs = tables.map((t, i) =>
    compileRegressionTable(t, scope, `RegressionTable "${key(categories[i]!)}"`),
  );
  const n = eqs.length;
  if (n < 2)
    throw new UnusableArtifactError(
      'a classification RegressionModel must have a RegressionTable per category (at least two)',
    );
  // Without normalisation the tables give the probabilities themselves, but the last category's
  // is 1 minus the sum of the others' (PMML 4.4, RegressionModel), whatever its own table says.
  const residual = method === 'none';
  return {
    categories,
    score: (env) => {
      const y = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        const v = eqs[i]!(env);
        if (v === null) return { value: null };
        y[i] = v;
      }
      if (residual) {
        let sum = 0;
        for (let i = 0; i < n - 1; i++) sum += y[i]!;
        y[n - 1] = 1 - sum;
      } else normalizeScores(method, y);
      return classResult(categories, y);
    },
  };
}
