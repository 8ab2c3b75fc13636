import { erf, stdNormalCdf, stdNormalIdf, stdNormalPdf } from './special-functions.js';
import { key, type DataType, type Value } from './values.js';

/** A PMML built-in function over already-evaluated, non-missing arguments. */
export interface Builtin {
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Type of the result, when the function fixes it. */
  readonly resultType?: DataType;
  readonly fn: (args: Value[]) => Value;
}

const num = (v: Value): number =>
  typeof v === 'number' ? v : typeof v === 'boolean' ? +v : Number(v);
const str = (v: Value): string => (typeof v === 'string' ? v : key(v));
const bool = (v: Value): boolean => (typeof v === 'boolean' ? v : v === 'true' || v === 1);

/** Equality as PMML compares values: numbers by value, the rest by their text. */
export function sameValue(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (typeof a === 'number' || typeof b === 'number') return num(a) === num(b);
  return key(a) === key(b);
}

function compare(a: Value, b: Value): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return num(a) - num(b);
}

const unary = (f: (x: number) => number): Builtin => ({
  minArgs: 1,
  maxArgs: 1,
  resultType: 'double',
  fn: (a) => f(num(a[0]!)),
});
const binary = (f: (x: number, y: number) => number, resultType: DataType = 'double'): Builtin => ({
  minArgs: 2,
  maxArgs: 2,
  resultType,
  fn: (a) => f(num(a[0]!), num(a[1]!)),
});
const nary = (f: (xs: number[]) => number, resultType?: DataType): Builtin => ({
  minArgs: 1,
  maxArgs: Infinity,
  ...(resultType ? { resultType } : {}),
  fn: (a) => f(a.map(num)),
});
const predicate = (f: (a: Value, b: Value) => boolean): Builtin => ({
  minArgs: 2,
  maxArgs: 2,
  resultType: 'boolean',
  fn: (a) => f(a[0]!, a[1]!),
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The PMML 4.4 built-in functions that compute on numbers, strings and booleans (the date and
 * time functions are not here; a document using them is refused at load).
 * `isMissing`, `isNotMissing`, `isValid`, `isNotValid` and `if` look at missing values or
 * evaluate lazily, so the expression compiler handles them itself.
 */
/** The comparison operators: built-in functions, and SimplePredicate operators too. */
export const COMPARISONS = [
  'equal',
  'notEqual',
  'lessThan',
  'lessOrEqual',
  'greaterThan',
  'greaterOrEqual',
] as const;

export const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['+', binary((x, y) => x + y)],
  ['-', binary((x, y) => x - y)],
  ['*', binary((x, y) => x * y)],
  ['/', binary((x, y) => x / y)],
  ['min', nary((xs) => Math.min(...xs))],
  ['max', nary((xs) => Math.max(...xs))],
  ['sum', nary((xs) => xs.reduce((s, x) => s + x, 0), 'double')],
  ['avg', nary((xs) => xs.reduce((s, x) => s + x, 0) / xs.length, 'double')],
  ['median', nary(median, 'double')],
  ['product', nary((xs) => xs.reduce((s, x) => s * x, 1), 'double')],
  ['log10', unary(Math.log10)],
  ['ln', unary(Math.log)],
  ['sqrt', unary(Math.sqrt)],
  ['abs', { minArgs: 1, maxArgs: 1, fn: (a) => Math.abs(num(a[0]!)) }],
  ['exp', unary(Math.exp)],
  ['pow', binary((x, y) => Math.pow(x, y))],
  ['threshold', binary((x, y) => (x > y ? 1 : 0), 'integer')],
  ['floor', unary(Math.floor)],
  ['ceil', unary(Math.ceil)],
  // Java's Math.round (half up), which the reference evaluators use, is JavaScript's too.
  ['round', unary(Math.round)],
  ['modulo', binary((x, y) => x - y * Math.floor(x / y))],
  ['expm1', unary(Math.expm1)],
  ['log1p', unary(Math.log1p)],
  ['sin', unary(Math.sin)],
  ['cos', unary(Math.cos)],
  ['tan', unary(Math.tan)],
  ['asin', unary(Math.asin)],
  ['acos', unary(Math.acos)],
  ['atan', unary(Math.atan)],
  ['atan2', binary(Math.atan2)],
  ['sinh', unary(Math.sinh)],
  ['cosh', unary(Math.cosh)],
  ['tanh', unary(Math.tanh)],
  ['hypot', binary(Math.hypot)],
  ['erf', unary(erf)],
  ['stdNormalCDF', unary(stdNormalCdf)],
  ['stdNormalPDF', unary(stdNormalPdf)],
  ['stdNormalIDF', unary(stdNormalIdf)],
  [
    'normalCDF',
    {
      minArgs: 3,
      maxArgs: 3,
      resultType: 'double',
      fn: (a) => stdNormalCdf((num(a[0]!) - num(a[1]!)) / num(a[2]!)),
    },
  ],
  [
    'normalPDF',
    {
      minArgs: 3,
      maxArgs: 3,
      resultType: 'double',
      fn: (a) => stdNormalPdf((num(a[0]!) - num(a[1]!)) / num(a[2]!)) / num(a[2]!),
    },
  ],
  [
    'normalIDF',
    {
      minArgs: 3,
      maxArgs: 3,
      resultType: 'double',
      fn: (a) => num(a[1]!) + num(a[2]!) * stdNormalIdf(num(a[0]!)),
    },
  ],
  ['equal', predicate(sameValue)],
  ['notEqual', predicate((a, b) => !sameValue(a, b))],
  ['lessThan', predicate((a, b) => compare(a, b) < 0)],
  ['lessOrEqual', predicate((a, b) => compare(a, b) <= 0)],
  ['greaterThan', predicate((a, b) => compare(a, b) > 0)],
  ['greaterOrEqual', predicate((a, b) => compare(a, b) >= 0)],
  ['and', { minArgs: 2, maxArgs: Infinity, resultType: 'boolean', fn: (a) => a.every(bool) }],
  ['or', { minArgs: 2, maxArgs: Infinity, resultType: 'boolean', fn: (a) => a.some(bool) }],
  ['not', { minArgs: 1, maxArgs: 1, resultType: 'boolean', fn: (a) => !bool(a[0]!) }],
  [
    'isIn',
    {
      minArgs: 2,
      maxArgs: Infinity,
      resultType: 'boolean',
      fn: (a) => a.slice(1).some((b) => sameValue(a[0]!, b)),
    },
  ],
  [
    'isNotIn',
    {
      minArgs: 2,
      maxArgs: Infinity,
      resultType: 'boolean',
      fn: (a) => !a.slice(1).some((b) => sameValue(a[0]!, b)),
    },
  ],
  [
    'uppercase',
    { minArgs: 1, maxArgs: 1, resultType: 'string', fn: (a) => str(a[0]!).toUpperCase() },
  ],
  [
    'lowercase',
    { minArgs: 1, maxArgs: 1, resultType: 'string', fn: (a) => str(a[0]!).toLowerCase() },
  ],
  [
    'substring',
    {
      minArgs: 3,
      maxArgs: 3,
      resultType: 'string',
      // 1-based start, as in the PMML specification.
      fn: (a) => str(a[0]!).substr(num(a[1]!) - 1, num(a[2]!)),
    },
  ],
  ['trimBlanks', { minArgs: 1, maxArgs: 1, resultType: 'string', fn: (a) => str(a[0]!).trim() }],
  [
    'concat',
    { minArgs: 1, maxArgs: Infinity, resultType: 'string', fn: (a) => a.map(str).join('') },
  ],
  [
    'replace',
    {
      minArgs: 3,
      maxArgs: 3,
      resultType: 'string',
      fn: (a) => str(a[0]!).replace(new RegExp(str(a[1]!), 'g'), str(a[2]!)),
    },
  ],
  [
    'matches',
    {
      minArgs: 2,
      maxArgs: 2,
      resultType: 'boolean',
      fn: (a) => new RegExp(str(a[1]!)).test(str(a[0]!)),
    },
  ],
]);
