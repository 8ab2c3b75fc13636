import { InvalidInputError } from '../../../errors.js';
import type { Scope } from '../scope.js';
import { stdNormalCdf } from '../special-functions.js';
import {
  attr,
  key,
  numAttr,
  parseArray,
  toType,
  unusable,
  type Env,
  type Value,
} from '../values.js';
import { child, childrenNamed, type XmlElement } from '../xml.js';

/** One row of the design matrix for a record: a parameter's value, null when an input is missing. */
type Row = (env: Env) => number | null;

/** η for a record from one equation's PCells; null when a term's input is missing. */
export type Equation = (env: Env) => number | null;

/** The design of a GeneralRegressionModel: its PPMatrix rows and its ParamMatrix by category. */
export interface Design {
  /** PCells by targetCategory text ('' for those without one), in document order. */
  readonly cells: ReadonlyMap<string, readonly XmlElement[]>;
  /** The equation of some PCells: Σ beta·row, in their order (a PCell without a row adds beta). */
  equation(cells: readonly XmlElement[]): Equation;
}

/**
 * Compiles the PPMatrix over the FactorList and CovariateList, as JPMML-Evaluator 1.7.7 reads
 * them: a row is the product of its factor cells (1 when the record's level is the cell's, else
 * 0; with a contrast Matrix, the matrix element at the record's level and the cell's level) and,
 * unless that product is 0, of its covariate cells (the value to the cell's power).
 */
export function compileDesign(el: XmlElement, scope: Scope, where: string): Design {
  const predictors = (list: string) =>
    new Map(
      childrenNamed(child(el, list) ?? el, 'Predictor').map((p) => [attr(p, 'name'), p] as const),
    );
  const factors = predictors('FactorList');
  const covariates = predictors('CovariateList');
  const parts = new Map<string, { factors: Factor[]; covariates: Covariate[] }>();
  for (const cell of childrenNamed(child(el, 'PPMatrix') ?? el, 'PPCell')) {
    if (cell.attrs.targetCategory !== undefined)
      throw unusable(cell, `${where}: a PPCell with a targetCategory is not supported`);
    const name = attr(cell, 'predictorName');
    const param = attr(cell, 'parameterName');
    const p = parts.get(param) ?? { factors: [], covariates: [] };
    parts.set(param, p);
    const f = scope.require(name, `${where} PPCell`);
    const factor = factors.get(name);
    if (factor) p.factors.push(compileFactor(cell, factor, f.get, f.dataType, name, where));
    else if (covariates.has(name)) {
      const exponent = numAttr(cell, 'value');
      const g = f.get;
      p.covariates.push((env) => {
        const v = g(env);
        if (v === null) return null;
        return exponent === 1 ? (v as number) : Math.pow(v as number, exponent);
      });
    } else
      throw unusable(
        cell,
        `${where}: PPCell predictor "${name}" is in neither FactorList nor CovariateList`,
      );
  }
  const rows = new Map<string, Row>();
  for (const [param, p] of parts) rows.set(param, row(p.factors, p.covariates));

  const cells = new Map<string, XmlElement[]>();
  for (const pc of childrenNamed(child(el, 'ParamMatrix') ?? el, 'PCell')) {
    const c = pc.attrs.targetCategory ?? '';
    const list = cells.get(c) ?? [];
    list.push(pc);
    cells.set(c, list);
  }
  return {
    cells,
    equation: (pcs) => {
      const terms = pcs.map((pc) => ({
        beta: numAttr(pc, 'beta'),
        row: rows.get(attr(pc, 'parameterName')),
      }));
      if (terms.length === 0) return () => null;
      return (env) => {
        let s = 0;
        for (const t of terms) {
          if (!t.row) {
            s += t.beta;
            continue;
          }
          const x = t.row(env);
          if (x === null) return null;
          s += t.beta * x;
        }
        return s;
      };
    },
  };
}

type Factor = (env: Env) => number | null;
type Covariate = (env: Env) => number | null;

function row(factors: readonly Factor[], covariates: readonly Covariate[]): Row {
  return (env) => {
    let x = 1;
    for (const f of factors) {
      const v = f(env);
      if (v === null) return null;
      x *= v;
    }
    // A zero from the factors leaves the covariates unread (a missing one does not matter).
    if (x === 0) return 0;
    for (const c of covariates) {
      const v = c(env);
      if (v === null) return null;
      x *= v;
    }
    return x;
  };
}

function compileFactor(
  cell: XmlElement,
  predictor: XmlElement,
  get: (env: Env) => Value,
  dataType: Parameters<typeof toType>[1],
  name: string,
  where: string,
): Factor {
  const typed = (raw: string) => key(toType(raw, dataType) ?? raw);
  const level = typed(attr(cell, 'value'));
  const matrix = child(predictor, 'Matrix');
  if (!matrix) {
    if (child(predictor, 'Categories'))
      throw unusable(predictor, `${where}: Predictor "${name}" with Categories but no Matrix`);
    return (env) => {
      const v = get(env);
      return v === null ? null : key(v) === level ? 1 : 0;
    };
  }
  const categoriesEl = child(predictor, 'Categories');
  if (!categoriesEl)
    throw unusable(predictor, `${where}: Predictor "${name}" has a Matrix but no Categories`);
  const categories = childrenNamed(categoriesEl, 'Category').map((c) => typed(attr(c, 'value')));
  if ((matrix.attrs.kind ?? 'any') !== 'any' || childrenNamed(matrix, 'Array').length === 0)
    throw unusable(
      matrix,
      `${where}: a contrast Matrix other than rows of Arrays (kind="any") is not supported`,
    );
  const m = childrenNamed(matrix, 'Array').map((a) => parseArray(a).map(Number));
  const column = categories.indexOf(level);
  if (column < 0)
    throw unusable(
      cell,
      `${where}: PPCell value "${cell.attrs.value}" is not a Category of "${name}"`,
    );
  return (env) => {
    const v = get(env);
    if (v === null) return null;
    const r = categories.indexOf(key(v));
    const x = m[r]?.[column];
    // The reference evaluator fails on a level the contrast matrix does not list.
    if (x === undefined || Number.isNaN(x))
      throw new InvalidInputError(
        `field ${name}: ${JSON.stringify(v)} is not a level of the model's contrast matrix`,
        name,
      );
    return x;
  };
}

/** Link functions of generalizedLinear, inverted as JPMML-Evaluator 1.7.7 inverts them. */
export const LINKS = [
  'cloglog',
  'identity',
  'log',
  'logc',
  'logit',
  'loglog',
  'negbin',
  'oddspower',
  'power',
  'probit',
] as const;
export type Link = (typeof LINKS)[number];

/** The inverse of `link`; `parameter` is distParameter (negbin) or linkParameter (power, oddspower). */
export function inverseLink(link: Link, parameter: number): (eta: number) => number {
  switch (link) {
    case 'cloglog':
      return (e) => 1 - Math.exp(-Math.exp(e));
    case 'identity':
      return (e) => e;
    case 'log':
      return Math.exp;
    case 'logc':
      return (e) => 1 - Math.exp(e);
    case 'logit':
      return (e) => 1 / (1 + Math.exp(-e));
    case 'loglog':
      return (e) => Math.exp(-Math.exp(-e));
    case 'negbin':
      return (e) => 1 / (parameter * (Math.exp(-e) - 1));
    case 'oddspower':
      return parameter === 0
        ? (e) => 1 / (1 + Math.exp(-e))
        : (e) => 1 / (1 + Math.pow(1 + parameter * e, -1 / parameter));
    case 'power':
      return parameter === 0 ? Math.exp : (e) => Math.pow(e, 1 / parameter);
    case 'probit':
      return stdNormalCdf;
  }
}

/** Cumulative link functions of ordinalMultinomial. */
export const CUMULATIVE_LINKS = ['logit', 'probit', 'cloglog', 'loglog', 'cauchit'] as const;
export type CumulativeLink = (typeof CUMULATIVE_LINKS)[number];

export function inverseCumulativeLink(link: CumulativeLink): (eta: number) => number {
  switch (link) {
    case 'cauchit':
      return (e) => 0.5 + (1 / Math.PI) * Math.atan(e);
    default:
      return inverseLink(link, 0);
  }
}
