import { UnusableArtifactError } from '../../../errors.js';
import { classResult } from '../classification.js';
import { MISSING_RESULT, type CompiledCore, type ModelCompileInput } from '../model-types.js';
import { stdNormalCdf } from '../special-functions.js';
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
import { child, childrenNamed } from '../xml.js';

type Link = 'identity' | 'log' | 'logit' | 'probit' | 'cloglog' | 'loglog' | 'cauchit' | 'power';

function inverseLink(link: Link, a: number): (eta: number) => number {
  switch (link) {
    case 'identity':
      return (e) => e;
    case 'log':
      return Math.exp;
    case 'logit':
      return (e) => 1 / (1 + Math.exp(-e));
    case 'probit':
      return stdNormalCdf;
    case 'cloglog':
      return (e) => 1 - Math.exp(-Math.exp(e));
    case 'loglog':
      return (e) => Math.exp(-Math.exp(-e));
    case 'cauchit':
      return (e) => 0.5 + Math.atan(e) / Math.PI;
    case 'power':
      return a === 0 ? Math.exp : (e) => Math.pow(e, 1 / a);
  }
}

/** One parameter's design value for a record: the product of its PPMatrix cells (1 without any). */
type Design = (env: Env) => number | null;

/**
 * GeneralRegressionModel: the design matrix (PPMatrix over factors and covariates) times the
 * coefficients (ParamMatrix). modelType regression, generalLinear and generalizedLinear answer
 * the inverse link of η (plus any offset); multinomialLogistic answers softmax probabilities
 * against the reference category. ordinalMultinomial and CoxRegression are refused.
 */
export function compileGeneralRegression({
  el,
  scope,
  functionName,
  target,
}: ModelCompileInput): CompiledCore {
  const modelType = enumAttr(
    el,
    'modelType',
    ['regression', 'generalLinear', 'generalizedLinear', 'multinomialLogistic'],
    'regression',
  );
  if (el.attrs.modelType === undefined)
    throw new UnusableArtifactError('GeneralRegressionModel has no modelType');
  const where = 'GeneralRegressionModel';
  // PCovMatrix only feeds standard errors, which are not answered: it is read past.
  const factors = new Set(
    childrenNamed(child(el, 'FactorList') ?? el, 'Predictor').map((p) => attr(p, 'name')),
  );
  const covariates = new Set(
    childrenNamed(child(el, 'CovariateList') ?? el, 'Predictor').map((p) => attr(p, 'name')),
  );
  for (const list of ['FactorList', 'CovariateList'])
    for (const p of childrenNamed(child(el, list) ?? el, 'Predictor'))
      if (p.children.some((c) => c.name === 'Categories' || c.name === 'Matrix'))
        throw new UnusableArtifactError(
          `${where}: Predictor "${p.attrs.name}" with contrast matrices is not supported`,
        );
  const params = childrenNamed(child(el, 'ParameterList') ?? el, 'Parameter').map((p) =>
    attr(p, 'name'),
  );
  if (params.length === 0) throw new UnusableArtifactError(`${where} has no ParameterList`);

  // Design value of each parameter: indicators of factor levels times powers of covariates.
  const cells = new Map<string, Design[]>();
  for (const cell of childrenNamed(child(el, 'PPMatrix') ?? el, 'PPCell')) {
    const param = attr(cell, 'parameterName');
    const name = attr(cell, 'predictorName');
    const f = scope.require(name, `${where} PPCell`);
    const g: Getter = f.get;
    let d: Design;
    if (factors.has(name)) {
      const k = key(toType(attr(cell, 'value'), f.dataType) ?? cell.attrs.value!);
      d = (env) => {
        const v = g(env);
        return v === null ? null : key(v) === k ? 1 : 0;
      };
    } else if (covariates.has(name)) {
      const exponent = numAttr(cell, 'value', 1);
      d = (env) => {
        const v = g(env);
        return v === null ? null : exponent === 1 ? (v as number) : Math.pow(v as number, exponent);
      };
    } else {
      throw new UnusableArtifactError(
        `${where}: PPCell predictor "${name}" is in neither FactorList nor CovariateList`,
      );
    }
    const list = cells.get(param) ?? [];
    list.push(d);
    cells.set(param, list);
  }
  const design: Design[] = params.map((p) => {
    const ds = cells.get(p) ?? [];
    return (env) => {
      let x = 1;
      for (const d of ds) {
        const v = d(env);
        if (v === null) return null;
        x *= v;
      }
      return x;
    };
  });

  // Coefficients per target category ('' for the single equation of a regression).
  const betas = new Map<string, Float64Array>();
  const order: Value[] = [];
  const paramIndex = new Map<string, number>();
  for (let i = 0; i < params.length; i++)
    if (!paramIndex.has(params[i]!)) paramIndex.set(params[i]!, i);
  for (const pc of childrenNamed(child(el, 'ParamMatrix') ?? el, 'PCell')) {
    const i = paramIndex.get(attr(pc, 'parameterName')) ?? -1;
    if (i < 0)
      throw new UnusableArtifactError(
        `${where}: PCell parameter "${pc.attrs.parameterName}" is not in the ParameterList`,
      );
    const raw = pc.attrs.targetCategory;
    const cat = raw === undefined ? '' : key(toType(raw, target.dataType) ?? raw);
    let b = betas.get(cat);
    if (!b) {
      betas.set(cat, (b = new Float64Array(params.length)));
      if (raw !== undefined) order.push(toType(raw, target.dataType) ?? raw);
    }
    b[i] = numAttr(pc, 'beta');
  }
  const eta = (b: Float64Array, x: Float64Array) => {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += b[i]! * x[i]!;
    return s;
  };
  const designOf = (env: Env): Float64Array | null => {
    const x = new Float64Array(design.length);
    for (let i = 0; i < design.length; i++) {
      const v = design[i]!(env);
      if (v === null) return null;
      x[i] = v;
    }
    return x;
  };

  if (modelType === 'multinomialLogistic') {
    if (functionName !== 'classification')
      throw new UnusableArtifactError(
        `${where}: multinomialLogistic needs functionName="classification"`,
      );
    const categories = [...(target.categories ?? [])];
    const known = new Set(categories.map(key));
    const add = (c: Value) => {
      if (known.has(key(c))) return;
      known.add(key(c));
      categories.push(c);
    };
    for (const c of order) add(c);
    const ref = el.attrs.targetReferenceCategory;
    if (ref !== undefined) add(toType(ref, target.dataType) ?? ref);
    // The reference category (no coefficients) has η = 0.
    const rows = categories.map((c) => betas.get(key(c)));
    return {
      categories,
      score: (env) => {
        const x = designOf(env);
        if (!x) return MISSING_RESULT;
        const etas = rows.map((b) => (b ? eta(b, x) : 0));
        const max = Math.max(...etas);
        const e = etas.map((v) => Math.exp(v - max));
        const sum = e.reduce((s, v) => s + v, 0);
        return classResult(
          categories,
          e.map((v) => v / sum),
        );
      },
    };
  }
  if (functionName !== 'regression')
    throw new UnusableArtifactError(
      `${where}: modelType="${modelType}" with functionName="${functionName}" is not supported`,
    );
  if (betas.size !== 1)
    throw new UnusableArtifactError(`${where}: a regression needs one set of coefficients`);
  const b = [...betas.values()][0]!;
  const linkName =
    modelType === 'regression'
      ? 'identity'
      : enumAttr<Link>(
          el,
          'linkFunction',
          ['identity', 'log', 'logit', 'probit', 'cloglog', 'loglog', 'cauchit', 'power'],
          'identity',
        );
  if (modelType !== 'regression' && el.attrs.linkFunction === undefined)
    throw new UnusableArtifactError(`${where}: modelType="${modelType}" has no linkFunction`);
  const link = inverseLink(linkName, numAttr(el, 'linkParameter', 1));
  const offsetValue = numAttr(el, 'offsetValue', 0);
  const offsetVar = el.attrs.offsetVariable
    ? scope.require(el.attrs.offsetVariable, where).get
    : undefined;
  if (el.attrs.trialsVariable !== undefined || el.attrs.trialsValue !== undefined)
    throw new UnusableArtifactError(`${where}: trialsVariable/trialsValue is not supported`);
  return {
    score: (env) => {
      const x = designOf(env);
      if (!x) return MISSING_RESULT;
      let offset = offsetValue;
      if (offsetVar) {
        const o = offsetVar(env);
        if (o === null) return MISSING_RESULT;
        offset += o as number;
      }
      return { value: link(eta(b, x) + offset) };
    },
  };
}
