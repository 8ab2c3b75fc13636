import { InvalidInputError } from '../errors.js';
import type { FieldSpec, RecordValue, Signature, ValueType } from '../protocol/signature.js';
import { putField } from './put-field.js';
import { walkLeaves } from './walk-leaves.js';

/** What a validator does with a field the signature does not name. */
export type UnknownFields = 'ignore' | 'reject';

/** Records that passed validation, and the names of the fields left out of them. */
export interface ValidatedRecords {
  /** The records with defaults filled in and unknown fields removed. */
  records: RecordValue[];
  /** Fields some record carried that the signature does not name (sorted; empty when none). */
  ignored: readonly string[];
}

/**
 * Validates a batch of records against a signature and returns them with defaults filled in.
 * `path` prefixes the field paths that errors name (`instances` → `instances[3].age`); left
 * out, a lone record's fields are named bare (`age`) and a batch's by index (`[3].age`).
 */
export type RecordValidator = (records: unknown[], path?: string) => ValidatedRecords;

const NONE_IGNORED: readonly string[] = Object.freeze([]);

/** Checks one value; `undefined` when it is fine, else what is wrong (without the field). */
type ValueCheck = (value: unknown) => string | undefined;

/** The largest finite float32; a JSON number beyond it would silently become Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

// JSON numbers are doubles: an int64 beyond 2^53 has already lost digits when it reaches us,
// so anything outside the safe range is refused rather than silently rounded.
const INT_RANGES: Record<string, readonly [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

const isFloat = (t: ValueType) => t === 'float32' || t === 'float64';

/** `[4, ?]`: a shape as error messages show it (`?` for a free dimension). */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : d)).join(', ')}]`;
}

/** Describes a field for error messages: `float32, shape [4]`. */
export function describeField(f: FieldSpec): string {
  return f.shape && f.shape.length > 0 ? `${f.type}, shape ${formatShape(f.shape)}` : f.type;
}

/**
 * Whether a bare value may stand for this per-record shape: `[]`, and `[1]` because
 * skl2onnx's one-input-per-column models declare each column as `[1]`. A free dimension may
 * be 1, so `[?]` takes a bare value too (the ONNX runtime stacks it as one element).
 */
export function takesScalar(shape: readonly (number | null)[]): boolean {
  for (const d of shape) if (d !== 1 && d !== null) return false;
  return true;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** The shape of a nested array as read off its first elements; `[]` for a bare value. */
function shapeOf(v: unknown): number[] {
  const dims: number[] = [];
  for (let cur = v; Array.isArray(cur); cur = cur[0]) dims.push(cur.length);
  return dims;
}

/**
 * True when every array at each depth has the same length (a tensor can hold it). Level by
 * level, not recursively: a value nested thousands deep is described, not a stack overflow.
 */
function isRectangular(v: unknown, dims: readonly number[]): boolean {
  let level: unknown[] = [v];
  for (let depth = 0; depth < dims.length; depth++) {
    const next: unknown[] = [];
    const want = dims[depth];
    for (const x of level) {
      if (!Array.isArray(x) || x.length !== want) return false;
      for (let i = 0; i < x.length; i++) next.push(x[i]);
    }
    level = next;
  }
  return level.every((x) => !Array.isArray(x));
}

/** Ranks past this are described by their depth alone, not dimension by dimension. */
const DESCRIBED_RANK = 16;

/** What a value looks like, for "got …": `[3]`, `a ragged array`, `a string`. */
function describeValue(v: unknown): string {
  if (Array.isArray(v)) {
    const dims = shapeOf(v);
    if (!isRectangular(v, dims)) return 'a ragged array';
    return dims.length > DESCRIBED_RANK
      ? `an array nested ${dims.length} levels deep`
      : formatShape(dims);
  }
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** A check for one element of the field's type, allowed values included. */
function elementCheck(f: FieldSpec): ValueCheck {
  const t = f.type;
  const typed = ((): ValueCheck => {
    if (t === 'json') return () => undefined;
    if (t === 'string')
      return (v) => (typeof v === 'string' ? undefined : `expected string, got ${typeName(v)}`);
    if (t === 'bool')
      return (v) =>
        typeof v === 'boolean' ? undefined : `expected bool (true or false), got ${typeName(v)}`;
    if (t === 'float64')
      return (v) =>
        typeof v === 'number' || v === null
          ? undefined
          : `expected float64 (a number, or null for a missing value), got ${typeName(v)}`;
    if (t === 'float32')
      return (v) => {
        if (v === null) return undefined;
        if (typeof v !== 'number')
          return `expected float32 (a number, or null for a missing value), got ${typeName(v)}`;
        return v > FLOAT32_MAX || v < -FLOAT32_MAX
          ? `${v} is out of range for float32 (largest magnitude ${FLOAT32_MAX})`
          : undefined;
      };
    const [lo, hi] = INT_RANGES[t]!;
    const why =
      t === 'int64' || t === 'uint64' ? ' (JSON numbers are exact only up to 2^53-1)' : '';
    return (v) => {
      if (typeof v !== 'number' || !Number.isInteger(v))
        return `expected ${t} (an integer), got ${typeof v === 'number' ? v : typeName(v)}`;
      return v < lo || v > hi ? `${v} is out of range for ${t} [${lo}, ${hi}]${why}` : undefined;
    };
  })();
  const missingOk = isFloat(t) || f.nullable === true;
  if (!f.values || f.values.length === 0)
    return f.nullable ? (v) => (v === null ? undefined : typed(v)) : typed;
  const allowed = new Set<unknown>(f.values);
  const shown =
    f.values
      .slice(0, 20)
      .map((a) => JSON.stringify(a))
      .join(', ') + (f.values.length > 20 ? `, … (${f.values.length} in all)` : '');
  return (v) => {
    // A missing value is not a category: the runtime's missing-value handling decides.
    if (missingOk && v === null) return undefined;
    const wrong = typed(v);
    if (wrong !== undefined) return wrong;
    if (allowed.has(v)) return undefined;
    return `${JSON.stringify(v)} is not one of the allowed values ${shown}`;
  };
}

/**
 * Walkers below answer `undefined`, {@link BAD_SHAPE}, or `[i][j]: what is wrong` for a bad
 * element; `element [i][j]: …` is what the client reads.
 */
const BAD_SHAPE = '\0shape';

const atElement = (wrong: string | undefined) =>
  wrong === undefined ? undefined : `element ${wrong}`;

/** `[0][2]`: where an element sits, from the indexes of the arrays holding it. */
const elementPath = (indexes: readonly number[], last: number) =>
  `${indexes
    .slice(0, -1)
    .map((i) => `[${i - 1}]`)
    .join('')}[${last}]`;

/**
 * Checks the elements of a value of any nesting (a field that declares no shape); the value's
 * depth costs memory, never the call stack ({@link walkLeaves}).
 */
function anyShapeCheck(element: ValueCheck): ValueCheck {
  const walk = (root: unknown[]): string | undefined =>
    walkLeaves(root, (x, i, next) => {
      const wrong = element(x);
      return wrong === undefined ? undefined : `${elementPath(next, i)}: ${wrong}`;
    });
  return (v) => (Array.isArray(v) ? atElement(walk(v)) : element(v));
}

/**
 * Checks a value against a declared per-record shape, then each of its elements. The walk is
 * depth first with an explicit stack, as {@link anyShapeCheck}'s: the declared rank (however
 * large a publisher made it) and the value's nesting cost memory, never the call stack.
 */
function declaredShapeCheck(shape: readonly (number | null)[], element: ValueCheck): ValueCheck {
  const rank = shape.length;
  const scalarOk = takesScalar(shape);
  const hasFree = shape.includes(null);
  const expected = `expected shape ${formatShape(shape)}`;
  // `seen` holds the length met first at each free dimension, so that a ragged value is
  // refused even where the signature leaves the dimension open (a tensor cannot hold it).
  const fits = (a: unknown[], depth: number, seen: number[] | undefined): boolean => {
    const want = shape[depth] ?? seen![depth];
    if (want === undefined) seen![depth] = a.length;
    else if (a.length !== want) return false;
    return true;
  };
  const walk = (root: unknown[], seen: number[] | undefined): string | undefined => {
    if (!fits(root, 0, seen)) return BAD_SHAPE;
    // arrays[d] sits at depth d; next[d] is the index of its next item to visit.
    const arrays: unknown[][] = [root];
    const next: number[] = [0];
    while (arrays.length > 0) {
      const depth = arrays.length - 1;
      const a = arrays[depth]!;
      if (depth === rank - 1) {
        // The innermost arrays hold the elements.
        for (let i = 0; i < a.length; i++) {
          const x = a[i];
          if (Array.isArray(x)) return BAD_SHAPE;
          const wrong = element(x);
          if (wrong !== undefined) return `${elementPath(next, i)}: ${wrong}`;
        }
        arrays.pop();
        next.pop();
        continue;
      }
      const i = next[depth]!;
      if (i === a.length) {
        arrays.pop();
        next.pop();
        continue;
      }
      next[depth] = i + 1;
      const x = a[i];
      if (!Array.isArray(x) || !fits(x, depth + 1, seen)) return BAD_SHAPE;
      arrays.push(x);
      next.push(0);
    }
    return undefined;
  };
  return (v) => {
    if (!Array.isArray(v)) return scalarOk ? element(v) : `${expected}, got ${describeValue(v)}`;
    if (rank === 0) return `expected a single value (shape []), got ${describeValue(v)}`;
    const wrong = walk(v, hasFree ? new Array<number>(rank) : undefined);
    if (wrong === BAD_SHAPE) return `${expected}, got ${describeValue(v)}`;
    return atElement(wrong);
  };
}

/** The check of a whole field value: its shape, then each element. */
function fieldCheck(f: FieldSpec): ValueCheck {
  const element = elementCheck(f);
  // A json field takes any JSON value; its shape describes nothing a tensor would hold.
  if (f.type === 'json') return element;
  if (f.shape === undefined) return anyShapeCheck(element);
  return declaredShapeCheck(f.shape, element);
}

interface CompiledField {
  name: string;
  check: ValueCheck;
  optional: boolean;
  hasDefault: boolean;
  default: unknown;
  /** The name is also a property of Object.prototype (`constructor`): read own keys only. */
  inherited: boolean;
  describe: string;
}

function listNames(names: readonly string[]): string {
  if (names.length === 0) return 'no fields';
  const shown = names.slice(0, 30).join(', ');
  return `one of ${shown}${names.length > 30 ? `, … (${names.length} in all)` : ''}`;
}

/**
 * Compiles a validator for one signature, once per loaded version. It runs on the hot path,
 * so every check is built here and a request allocates nothing unless it fails or needs a
 * default: valid records (and the array holding them) come back as they are.
 *
 * - A record is a JSON object; missing required fields are refused. A field the signature does
 *   not name is dropped from the record and reported in `ignored` (users send whole rows: an id,
 *   the label, columns the exporter pruned), or refused when `unknownFields` is `reject`.
 * - `null` is a missing value: accepted for float fields and their elements (for any field the
 *   signature marks `nullable`), and kept as
 *   `null` (the ONNX runtime feeds it as NaN, PMML applies its missing-value treatment, the
 *   Python worker receives None). For a field with `required: false`, `null` means "left
 *   out": its `default` is filled in when it has one.
 * - Integers must be whole and within their type's range; int64/uint64 only within ±2^53-1,
 *   since larger JSON numbers arrive already rounded. float32 refuses numbers that overflow it.
 * - A bare value stands for a per-record shape of `[]` or `[1]` (see {@link takesScalar});
 *   otherwise a value is a nested array of the declared shape, free dimensions of any size
 *   but never ragged. A field without a shape takes any nesting; `json` takes anything.
 */
export function compileValidator(
  signature: Signature,
  { unknownFields }: { unknownFields: UnknownFields },
): RecordValidator {
  const fields: CompiledField[] = signature.inputs.map((f) => ({
    name: f.name,
    check: fieldCheck(f),
    optional: f.required === false,
    hasDefault: f.default !== undefined,
    default: f.default,
    inherited: f.name in Object.prototype,
    describe: describeField(f),
  }));
  const names = new Set(fields.map((f) => f.name));
  const expected = listNames(fields.map((f) => f.name));
  const hasOwn = Object.prototype.hasOwnProperty;

  // Paths are only built when something is wrong, so a valid request pays nothing for them.
  const recordPath = (path: string | undefined, i: number, n: number) =>
    path === undefined && n === 1 ? '' : `${path ?? ''}[${i}]`;
  const fieldPath = (record: string, name: string) => (record ? `${record}.${name}` : name);

  return function validateRecords(records, path) {
    const n = records.length;
    let out: RecordValue[] | undefined;
    let ignored: Set<string> | undefined;
    for (let i = 0; i < n; i++) {
      const rec = records[i];
      if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) {
        const at = recordPath(path, i, n);
        throw new InvalidInputError(
          `${at ? `${at}: ` : ''}expected a JSON object mapping input names to values, got ${typeName(rec)}`,
          at || undefined,
        );
      }
      let r = rec as RecordValue;
      let stripped: RecordValue | undefined;
      for (const k in r) {
        if (names.has(k)) continue;
        if (unknownFields === 'reject') {
          const at = fieldPath(recordPath(path, i, n), k);
          throw new InvalidInputError(`unknown field ${at}; expected ${expected}`, at);
        }
        (ignored ??= new Set()).add(k);
        stripped ??= {};
      }
      if (stripped !== undefined) {
        for (const k in r) if (names.has(k) && hasOwn.call(r, k)) putField(stripped, k, r[k]);
        r = stripped;
      }
      let filled: RecordValue | undefined = stripped;
      for (let j = 0; j < fields.length; j++) {
        const f = fields[j]!;
        const v = f.inherited && !hasOwn.call(r, f.name) ? undefined : r[f.name];
        if (v === undefined || (v === null && f.optional)) {
          if (f.optional) {
            if (f.hasDefault) putField((filled ??= { ...r }), f.name, f.default);
            continue;
          }
          const at = fieldPath(recordPath(path, i, n), f.name);
          throw new InvalidInputError(`missing field ${at} (${f.describe})`, at);
        }
        const wrong = f.check(v);
        if (wrong !== undefined) {
          const at = fieldPath(recordPath(path, i, n), f.name);
          throw new InvalidInputError(`field ${at}: ${wrong}`, at);
        }
      }
      if (filled !== undefined) (out ??= records.slice() as RecordValue[])[i] = filled;
    }
    return {
      records: out ?? (records as RecordValue[]),
      ignored: ignored ? [...ignored].sort() : NONE_IGNORED,
    };
  };
}
