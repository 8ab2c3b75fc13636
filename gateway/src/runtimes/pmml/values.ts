import { UnusableArtifactError } from '../../errors.js';
import { lineOf, type XmlElement } from './xml.js';

/** The PMML data types this evaluator computes with; dates and times are refused at load. */
export type DataType = 'string' | 'integer' | 'float' | 'double' | 'boolean';

/** A field's value while a record is scored; `null` is PMML's missing value. */
export type Value = number | string | boolean | null;

/** Scratch space of one record: one slot per field, `undefined` until computed. */
export type Env = (Value | undefined)[];

/** Compiled code that reads a value out of a record's environment. */
export type Getter = (env: Env) => Value;

const DATA_TYPES = new Set<string>(['string', 'integer', 'float', 'double', 'boolean']);

/** Reads a `dataType` attribute, refusing the ones the evaluator does not compute with. */
export function dataTypeOf(el: XmlElement, fallback?: DataType): DataType {
  const t = el.attrs.dataType;
  if (t === undefined) {
    if (fallback) return fallback;
    throw new UnusableArtifactError(`${describe(el)} has no dataType`);
  }
  if (!DATA_TYPES.has(t))
    throw new UnusableArtifactError(`${describe(el)} has dataType="${t}", which is not supported`);
  return t as DataType;
}

/** A 422 for a document that cannot be scored as written, naming the element's line. */
export function unusable(el: XmlElement, message: string): UnusableArtifactError {
  return new UnusableArtifactError(`${message}${lineOf(el)}`);
}

/** `DataField name="x"` — names an element for error messages. */
export function describe(el: XmlElement): string {
  const n = el.attrs.name ?? el.attrs.field ?? el.attrs.id;
  return n === undefined ? el.name : `${el.name} "${n}"`;
}

export function isNumeric(t: DataType): boolean {
  return t === 'double' || t === 'float' || t === 'integer';
}

/**
 * A value from the document (an attribute or element text) as `t`. Float values are rounded
 * to float32 here, as the exporters wrote them from float32 numbers.
 */
export function parseConstant(raw: string, t: DataType, where: string): Value {
  const v = toType(raw, t);
  if (v === undefined)
    throw new UnusableArtifactError(`${where}: "${raw}" is not a valid ${t} value`);
  return v;
}

/**
 * Converts a value to `t`, or `undefined` when it cannot be one (an invalid value). Numbers
 * written as strings and strings written as numbers convert, as PMML values are text.
 */
export function toType(v: unknown, t: DataType): Value | undefined {
  if (v === null || v === undefined) return null;
  switch (t) {
    case 'string':
      if (typeof v === 'string') return v;
      if (typeof v === 'number') return formatNumber(v);
      if (typeof v === 'boolean') return String(v);
      return undefined;
    case 'double':
    case 'float':
    case 'integer': {
      let n: number;
      if (typeof v === 'number') n = v;
      else if (typeof v === 'string') {
        const s = v.trim();
        if (s === 'NaN') return null;
        n = parseNumber(s);
        // Text that is no number is an invalid value, not a missing one.
        if (Number.isNaN(n)) return undefined;
      } else if (typeof v === 'boolean') n = v ? 1 : 0;
      else return undefined;
      if (Number.isNaN(n)) return t === 'integer' ? undefined : null;
      if (t === 'integer') return Number.isInteger(n) ? n : undefined;
      return t === 'float' ? Math.fround(n) : n;
    }
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === '1' || v === 1) return true;
      if (v === 'false' || v === '0' || v === 0) return false;
      return undefined;
  }
}

function parseNumber(s: string): number {
  if (s === 'INF' || s === 'Infinity') return Number.POSITIVE_INFINITY;
  if (s === '-INF' || s === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (s === 'NaN') return Number.NaN;
  // Number('') and Number('0x10') accept what XML Schema numbers do not: be strict.
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : Number.NaN;
}

/** How PMML writes a number as text: integers without a fraction. */
export function formatNumber(n: number): string {
  return String(n);
}

/** The value a record field or result is answered with in JSON (NaN and infinities as null). */
export function toJson(v: Value): string | number | boolean | null {
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

/**
 * The items of an `Array` element: `type="int|real|string"`, space-separated, strings
 * possibly double-quoted with `\"` escapes.
 */
export function parseArray(el: XmlElement, t?: DataType): Value[] {
  const type = el.attrs.type;
  const items: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(el.text); m; m = re.exec(el.text))
    items.push(m[1] !== undefined ? m[1].replace(/\\"/g, '"') : m[2]!);
  const as: DataType = t ?? (type === 'int' ? 'integer' : type === 'real' ? 'double' : 'string');
  if (el.attrs.n !== undefined && Number(el.attrs.n) !== items.length)
    throw new UnusableArtifactError(
      `Array declares n="${el.attrs.n}" but holds ${items.length} items`,
    );
  return items.map((s) => parseConstant(s, as, 'Array'));
}

/** A numeric attribute, with a default when absent. */
export function numAttr(el: XmlElement, name: string, fallback?: number): number {
  const raw = el.attrs[name];
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UnusableArtifactError(`${describe(el)} has no ${name} attribute`);
  }
  const n = parseNumber(raw.trim());
  if (Number.isNaN(n))
    throw new UnusableArtifactError(`${describe(el)}: ${name}="${raw}" is not a number`);
  return n;
}

/** A required attribute. */
export function attr(el: XmlElement, name: string): string {
  const v = el.attrs[name];
  if (v === undefined) throw new UnusableArtifactError(`${describe(el)} has no ${name} attribute`);
  return v;
}

/** An enumerated attribute, refusing values the evaluator does not implement. */
export function enumAttr<T extends string>(
  el: XmlElement,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const v = el.attrs[name];
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v))
    throw new UnusableArtifactError(
      `${describe(el)}: ${name}="${v}" is not supported (supported: ${allowed.join(', ')})`,
    );
  return v as T;
}

/** Key for looking up a category regardless of how its number was written. */
export function key(v: Value): string {
  return typeof v === 'string' ? v : String(v);
}

/** A value written in the document whose type the context does not fix: a number if it reads as one. */
export function looseConstant(raw: string | undefined): Value {
  if (raw === undefined) return null;
  const n = toType(raw, 'double');
  return typeof n === 'number' && raw.trim() !== '' ? n : raw;
}
