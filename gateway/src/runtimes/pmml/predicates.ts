import { UnusableArtifactError } from '../../errors.js';
import { COMPARISONS, sameValue } from './builtins.js';
import type { Scope } from './scope.js';
import {
  attr,
  enumAttr,
  key,
  parseArray,
  toType,
  unusable,
  type Env,
  type Getter,
  type Value,
} from './values.js';
import { childrenNamed, type XmlElement } from './xml.js';

/** A compiled predicate: true, false, or null when a missing value leaves it unknown. */
export type Predicate = (env: Env) => boolean | null;

const PREDICATES = new Set([
  'SimplePredicate',
  'CompoundPredicate',
  'SimpleSetPredicate',
  'True',
  'False',
]);

/** The predicate child of a Node, Segment, Attribute or CompoundPredicate. */
export function predicateChild(el: XmlElement, where: string): XmlElement {
  const p = el.children.find((c) => PREDICATES.has(c.name));
  if (!p) {
    const other = el.children.find((c) => c.name.endsWith('Predicate'));
    throw other
      ? unusable(other, `${other.name} (in ${where}) is not supported`)
      : unusable(el, `${where} has no predicate`);
  }
  return p;
}

const ALWAYS: Predicate = () => true;
const NEVER: Predicate = () => false;

/** Compiles a PMML predicate with the three-valued logic of the specification. */
export function compilePredicate(el: XmlElement, scope: Scope, where: string): Predicate {
  switch (el.name) {
    case 'True':
      return ALWAYS;
    case 'False':
      return NEVER;
    case 'SimplePredicate':
      return simple(el, scope, where);
    case 'SimpleSetPredicate':
      return simpleSet(el, scope, where);
    case 'CompoundPredicate':
      return compound(el, scope, where);
    default:
      throw unusable(el, `${el.name} (in ${where}) is not supported`);
  }
}

/** A SimplePredicate as read: the field's getter, the operator and the constant in the field's type. */
export type Comparison =
  | { readonly get: Getter; readonly op: 'isMissing' | 'isNotMissing' }
  | {
      readonly get: Getter;
      readonly op: (typeof COMPARISONS)[number];
      readonly c: NonNullable<Value>;
    };

/** Reads a SimplePredicate (refusing a constant its field's type cannot hold). */
export function comparisonOf(el: XmlElement, scope: Scope, where: string): Comparison {
  const f = scope.require(attr(el, 'field'), where);
  const op = enumAttr(el, 'operator', [...COMPARISONS, 'isMissing', 'isNotMissing'], 'equal');
  if (op === 'isMissing' || op === 'isNotMissing') return { get: f.get, op };
  const raw = attr(el, 'value');
  // The threshold takes the field's type: a float field compares against a float32 value,
  // exactly as the float32 model that was exported does. An integer field compares as a number
  // with a threshold that has a fraction (KNIME splits an integer Age at 39.5), as the reference
  // evaluator does.
  const c = f.dataType === 'integer' ? toType(raw, 'double') : toType(raw, f.dataType);
  if (c === undefined || c === null)
    throw unusable(
      el,
      `${where}: SimplePredicate value "${raw}" is not a valid ${f.dataType} for field "${f.name}"`,
    );
  return { get: f.get, op, c };
}

function simple(el: XmlElement, scope: Scope, where: string): Predicate {
  const cmp = comparisonOf(el, scope, where);
  const g = cmp.get;
  if (!('c' in cmp))
    return cmp.op === 'isMissing' ? (env) => g(env) === null : (env) => g(env) !== null;
  const { op, c } = cmp;
  if (typeof c === 'number') {
    switch (op) {
      case 'lessOrEqual':
        return (env) => {
          const v = g(env);
          return v === null ? null : (v as number) <= c;
        };
      case 'lessThan':
        return (env) => {
          const v = g(env);
          return v === null ? null : (v as number) < c;
        };
      case 'greaterThan':
        return (env) => {
          const v = g(env);
          return v === null ? null : (v as number) > c;
        };
      case 'greaterOrEqual':
        return (env) => {
          const v = g(env);
          return v === null ? null : (v as number) >= c;
        };
      case 'equal':
        return (env) => {
          const v = g(env);
          return v === null ? null : v === c || sameValue(v, c);
        };
      case 'notEqual':
        return (env) => {
          const v = g(env);
          return v === null ? null : !(v === c || sameValue(v, c));
        };
    }
  }
  const k = key(c);
  switch (op) {
    case 'equal':
      return (env) => {
        const v = g(env);
        return v === null ? null : v === c || key(v) === k;
      };
    case 'notEqual':
      return (env) => {
        const v = g(env);
        return v === null ? null : !(v === c || key(v) === k);
      };
    default: {
      // Ordered comparisons of text compare the text, as Java's String.compareTo does.
      const cmp = (v: Value) => {
        const s = key(v);
        return s < k ? -1 : s > k ? 1 : 0;
      };
      const test =
        op === 'lessThan'
          ? (d: number) => d < 0
          : op === 'lessOrEqual'
            ? (d: number) => d <= 0
            : op === 'greaterThan'
              ? (d: number) => d > 0
              : (d: number) => d >= 0;
      return (env) => {
        const v = g(env);
        return v === null ? null : test(cmp(v));
      };
    }
  }
}

function simpleSet(el: XmlElement, scope: Scope, where: string): Predicate {
  const f = scope.require(attr(el, 'field'), where);
  const g = f.get;
  const op = enumAttr(el, 'booleanOperator', ['isIn', 'isNotIn'], 'isIn');
  const arr = childrenNamed(el, 'Array')[0];
  if (!arr) throw new UnusableArtifactError(`${where}: SimpleSetPredicate has no Array`);
  const set = new Set(parseArray(arr).map((v) => key(toType(v, f.dataType) ?? v)));
  const isIn = op === 'isIn';
  return (env) => {
    const v = g(env);
    return v === null ? null : set.has(key(v)) === isIn;
  };
}

function compound(el: XmlElement, scope: Scope, where: string): Predicate {
  const op = enumAttr(el, 'booleanOperator', ['and', 'or', 'xor', 'surrogate'], 'and');
  const parts = el.children
    .filter((c) => c.name !== 'Extension')
    .map((c) => compilePredicate(c, scope, where));
  if (parts.length < 2)
    throw new UnusableArtifactError(`${where}: CompoundPredicate needs at least two predicates`);
  switch (op) {
    case 'and':
      return (env) => {
        let unknown = false;
        for (const p of parts) {
          const r = p(env);
          if (r === false) return false;
          if (r === null) unknown = true;
        }
        return unknown ? null : true;
      };
    case 'or':
      return (env) => {
        let unknown = false;
        for (const p of parts) {
          const r = p(env);
          if (r === true) return true;
          if (r === null) unknown = true;
        }
        return unknown ? null : false;
      };
    case 'xor':
      return (env) => {
        let acc = false;
        for (const p of parts) {
          const r = p(env);
          if (r === null) return null;
          acc = acc !== r;
        }
        return acc;
      };
    case 'surrogate':
      // The first predicate that is not unknown decides.
      return (env) => {
        for (const p of parts) {
          const r = p(env);
          if (r !== null) return r;
        }
        return null;
      };
  }
}
