import type { FieldSpec, ValueType } from '../protocol/signature.js';
import { takesScalar } from '../validation/validate-records.js';

/** An OpenAPI 3.0 schema object, as plain JSON. */
export type SchemaObject = Record<string, unknown>;

// The ranges the records validator enforces: JSON numbers are exact only up to 2^53-1.
const INT_RANGES: Partial<Record<ValueType, readonly [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

const FLOAT_FORMAT: Partial<Record<ValueType, string>> = { float32: 'float', float64: 'double' };
const INT_FORMAT: Partial<Record<ValueType, string>> = { int32: 'int32', int64: 'int64' };

/** Whether `null` is a value of the field: floats (a missing value), `nullable`, or optional. */
function takesNull(f: FieldSpec): boolean {
  return (
    f.type === 'float32' || f.type === 'float64' || f.nullable === true || f.required === false
  );
}

/** The schema of one element (a scalar) of a field, categories as `enum`. */
function elementSchema(f: FieldSpec): SchemaObject {
  const t = f.type;
  const s: SchemaObject = {};
  if (t === 'float32' || t === 'float64')
    Object.assign(s, { type: 'number', format: FLOAT_FORMAT[t] });
  else if (t === 'bool') s.type = 'boolean';
  else if (t === 'string') s.type = 'string';
  else if (t !== 'json') {
    const [minimum, maximum] = INT_RANGES[t]!;
    Object.assign(s, { type: 'integer', minimum, maximum });
    if (INT_FORMAT[t]) s.format = INT_FORMAT[t];
  }
  const nullable = t !== 'json' && takesNull(f);
  if (nullable) s.nullable = true;
  if (f.values && f.values.length > 0) s.enum = nullable ? [...f.values, null] : [...f.values];
  return s;
}

/** A nested array of `shape` around `inner`: fixed dimensions as minItems = maxItems. */
function nestedArray(shape: readonly (number | null)[], inner: SchemaObject): SchemaObject {
  return shape.reduceRight<SchemaObject>((items, d) => {
    const a: SchemaObject = { type: 'array', items };
    if (d !== null) Object.assign(a, { minItems: d, maxItems: d });
    return a;
  }, inner);
}

/**
 * The schema of a field's whole value, as the records validator accepts it: a scalar for shape
 * `[]` (also for `[1]` and free dimensions, which take a bare value), a nested array of the
 * declared shape, any nesting when no shape is declared, anything for `json`.
 */
export function fieldSchema(f: FieldSpec): SchemaObject {
  const element = elementSchema(f);
  let s: SchemaObject;
  if (f.type === 'json' || (f.shape && f.shape.length === 0)) s = element;
  // The element schema carries `nullable`: OpenAPI 3.0 has it only beside a `type`.
  else if (f.shape === undefined) s = { anyOf: [element, { type: 'array', items: {} }] };
  else if (takesScalar(f.shape)) s = { anyOf: [element, nestedArray(f.shape, element)] };
  else s = nestedArray(f.shape, element);
  if (f.help) s.description = f.help;
  if (f.default !== undefined) s.default = f.default;
  return s;
}

/**
 * One record of a signature's inputs: an object with a property per input. Fields it does not
 * name are ignored by the gateway (reported in `X-Slipway-Ignored-Fields`), so others are allowed.
 */
export function recordSchema(inputs: readonly FieldSpec[]): SchemaObject {
  const s: SchemaObject = {
    type: 'object',
    properties: Object.fromEntries(inputs.map((f) => [f.name, fieldSchema(f)])),
  };
  const required = inputs.filter((f) => f.required !== false).map((f) => f.name);
  if (required.length > 0) s.required = required;
  return s;
}
