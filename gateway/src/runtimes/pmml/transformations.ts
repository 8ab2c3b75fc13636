import { UnusableArtifactError } from '../../errors.js';
import type { CompiledExpression } from './expressions.js';
import { depthOf } from './nesting.js';
import type { Scope } from './scope.js';
import {
  attr,
  dataTypeOf,
  enumAttr,
  key,
  looseConstant,
  numAttr,
  toType,
  type DataType,
  type Getter,
  type Value,
} from './values.js';
import { childrenNamed, type XmlElement } from './xml.js';

/** `NormContinuous`: piecewise-linear normalisation between `LinearNorm` points. */
export function compileNormContinuous(el: XmlElement, scope: Scope, where: string): Getter {
  const f = scope.require(attr(el, 'field'), where);
  const points = childrenNamed(el, 'LinearNorm')
    .map((p) => [numAttr(p, 'orig'), numAttr(p, 'norm')] as const)
    .sort((a, b) => a[0] - b[0]);
  if (points.length < 2)
    throw new UnusableArtifactError(
      `${where}: NormContinuous needs at least two LinearNorm points`,
    );
  const outliers = enumAttr(el, 'outliers', ['asIs', 'asMissingValues', 'asExtremeValues'], 'asIs');
  const missing = looseConstant(el.attrs.mapMissingTo);
  const orig = points.map((p) => p[0]);
  const norm = points.map((p) => p[1]);
  const n = points.length;
  const interpolate = (x: number, i: number): number =>
    norm[i]! + ((x - orig[i]!) * (norm[i + 1]! - norm[i]!)) / (orig[i + 1]! - orig[i]!);
  const g = f.get;
  return (env) => {
    const v = g(env);
    if (v === null) return missing;
    const x = typeof v === 'number' ? v : Number(v);
    if (x < orig[0]!) {
      if (outliers === 'asMissingValues') return null;
      return outliers === 'asExtremeValues' ? norm[0]! : interpolate(x, 0);
    }
    if (x > orig[n - 1]!) {
      if (outliers === 'asMissingValues') return null;
      return outliers === 'asExtremeValues' ? norm[n - 1]! : interpolate(x, n - 2);
    }
    let i = 0;
    while (i < n - 2 && x > orig[i + 1]!) i++;
    return interpolate(x, i);
  };
}

/** The inverse of a `NormContinuous`: from a normalised value back to the field's scale. */
export function denormalizer(el: XmlElement): (y: number) => number {
  const points = childrenNamed(el, 'LinearNorm')
    .map((p) => [numAttr(p, 'orig'), numAttr(p, 'norm')] as const)
    .sort((a, b) => a[1] - b[1]);
  if (points.length < 2)
    throw new UnusableArtifactError('NormContinuous needs at least two LinearNorm points');
  const n = points.length;
  return (y) => {
    let i = 0;
    while (i < n - 2 && y > points[i + 1]![1]) i++;
    const [o0, n0] = points[i]!;
    const [o1, n1] = points[i + 1]!;
    return o0 + ((y - n0) * (o1 - o0)) / (n1 - n0);
  };
}

/** An `Interval` as a membership test. */
export function intervalTest(el: XmlElement): (x: number) => boolean {
  const closure = enumAttr(
    el,
    'closure',
    ['openClosed', 'openOpen', 'closedOpen', 'closedClosed'],
    'openClosed',
  );
  const lo = numAttr(el, 'leftMargin', Number.NEGATIVE_INFINITY);
  const hi = numAttr(el, 'rightMargin', Number.POSITIVE_INFINITY);
  const leftClosed = closure.startsWith('closed');
  const rightClosed = closure.endsWith('Closed');
  return (x) => (leftClosed ? x >= lo : x > lo) && (rightClosed ? x <= hi : x < hi);
}

/** `Discretize`: the bin a number falls into. */
export function compileDiscretize(el: XmlElement, scope: Scope, where: string): CompiledExpression {
  const f = scope.require(attr(el, 'field'), where);
  const dataType: DataType = el.attrs.dataType ? dataTypeOf(el) : 'string';
  const bins = childrenNamed(el, 'DiscretizeBin').map((b) => {
    const interval = childrenNamed(b, 'Interval')[0];
    if (!interval) throw new UnusableArtifactError(`${where}: DiscretizeBin has no Interval`);
    return { test: intervalTest(interval), value: toType(attr(b, 'binValue'), dataType) ?? null };
  });
  const missing =
    el.attrs.mapMissingTo === undefined ? null : (toType(el.attrs.mapMissingTo, dataType) ?? null);
  const fallback =
    el.attrs.defaultValue === undefined ? null : (toType(el.attrs.defaultValue, dataType) ?? null);
  const g = f.get;
  return {
    get: (env) => {
      const v = g(env);
      if (v === null) return missing;
      const x = typeof v === 'number' ? v : Number(v);
      for (const b of bins) if (b.test(x)) return b.value;
      return fallback;
    },
    dataType,
    depth: depthOf(f) + 1,
  };
}

/**
 * A column as the `InlineTable`'s cells are named: the XML parser drops namespace prefixes, and
 * JPMML-SparkML names its columns in a namespace of its own (`column="data:input"`).
 */
const cellName = (column: string) => column.slice(column.indexOf(':') + 1);

/** `MapValues`: a lookup in an `InlineTable` keyed by one or more fields. */
export function compileMapValues(el: XmlElement, scope: Scope, where: string): CompiledExpression {
  const dataType: DataType = el.attrs.dataType ? dataTypeOf(el) : 'string';
  const outputColumn = cellName(attr(el, 'outputColumn'));
  const pairs = childrenNamed(el, 'FieldColumnPair').map((p) => ({
    field: scope.require(attr(p, 'field'), where),
    column: cellName(attr(p, 'column')),
  }));
  if (childrenNamed(el, 'TableLocator').length)
    throw new UnusableArtifactError(`${where}: MapValues with a TableLocator is not supported`);
  const table = childrenNamed(el, 'InlineTable')[0];
  if (!table) throw new UnusableArtifactError(`${where}: MapValues has no InlineTable`);
  const lookup = new Map<string, Value>();
  for (const row of childrenNamed(table, 'row')) {
    // The first cell of each name, found once per row: linear however wide the table.
    const cells = new Map<string, string>();
    for (const c of row.children) if (!cells.has(c.name)) cells.set(c.name, c.text);
    const cell = (name: string) => cells.get(name);
    const out = cell(outputColumn);
    const ins = pairs.map((p) => cell(p.column));
    if (out === undefined || ins.some((i) => i === undefined)) continue;
    const k = pairs.map((p, i) => key(toType(ins[i]!, p.field.dataType) ?? ins[i]!)).join('\u0000');
    if (!lookup.has(k)) lookup.set(k, toType(out, dataType) ?? null);
  }
  const missing =
    el.attrs.mapMissingTo === undefined ? null : (toType(el.attrs.mapMissingTo, dataType) ?? null);
  const fallback =
    el.attrs.defaultValue === undefined ? null : (toType(el.attrs.defaultValue, dataType) ?? null);
  const getters = pairs.map((p) => p.field.get);
  return {
    get: (env) => {
      let k = '';
      for (let i = 0; i < getters.length; i++) {
        const v = getters[i]!(env);
        if (v === null) return missing;
        k += (i ? '\u0000' : '') + key(v);
      }
      const out = lookup.get(k);
      return out === undefined ? fallback : out;
    },
    dataType,
    depth: pairs.reduce((d, p) => Math.max(d, depthOf(p.field) + 1), 1),
  };
}
