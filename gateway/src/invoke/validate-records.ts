import { InvalidInputError } from '../errors.js';
import type { FieldSpec, RecordValue, Signature, ValueType } from '../protocol/signature.js';

/** Validates a batch of records against a signature; returns them with defaults filled in. */
export type RecordValidator = (records: unknown[], path?: string) => RecordValue[];

type Check = (value: unknown, field: string) => void;

const INT_RANGES: Partial<Record<ValueType, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  // JSON numbers are doubles: int64 values beyond 2^53 cannot arrive exactly anyway.
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

/** Describes a field for error messages: `float32, shape [4]`. */
export function describeField(f: FieldSpec): string {
  return f.shape && f.shape.length > 0 ? `${f.type}, shape ${formatShape(f.shape)}` : f.type;
}

function formatShape(shape: (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : d)).join(', ')}]`;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** A check for one scalar element of the field's type. */
function scalarCheck(f: FieldSpec): Check {
  const t = f.type;
  const allowed = f.values && f.values.length > 0 ? new Set<unknown>(f.values) : undefined;
  const base: Check = (() => {
    if (t === 'json') return () => {};
    if (t === 'string')
      return (v, field) => {
        if (typeof v !== 'string')
          throw new InvalidInputError(`field ${field}: expected string, got ${typeName(v)}`, field);
      };
    if (t === 'bool')
      return (v, field) => {
        if (typeof v !== 'boolean')
          throw new InvalidInputError(
            `field ${field}: expected bool (true or false), got ${typeName(v)}`,
            field,
          );
      };
    if (t === 'float32' || t === 'float64')
      // null stands for a missing value (NaN), as pandas and scikit-learn read it.
      return (v, field) => {
        if (typeof v !== 'number' && v !== null)
          throw new InvalidInputError(
            `field ${field}: expected ${t} (a number, or null for missing), got ${typeName(v)}`,
            field,
          );
      };
    const [lo, hi] = INT_RANGES[t] ?? [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
    return (v, field) => {
      if (typeof v !== 'number' || !Number.isInteger(v))
        throw new InvalidInputError(
          `field ${field}: expected ${t} (an integer), got ${typeof v === 'number' ? v : typeName(v)}`,
          field,
        );
      if (v < lo || v > hi)
        throw new InvalidInputError(
          `field ${field}: ${v} is out of range for ${t} [${lo}, ${hi}]`,
          field,
        );
    };
  })();
  if (!allowed) return base;
  return (v, field) => {
    base(v, field);
    if (!allowed.has(v)) {
      const shown = [...allowed]
        .slice(0, 20)
        .map((a) => JSON.stringify(a))
        .join(', ');
      throw new InvalidInputError(
        `field ${field}: ${JSON.stringify(v)} is not one of the allowed values ${shown}${allowed.size > 20 ? ', …' : ''}`,
        field,
      );
    }
  };
}

/** A check for a whole field value: its shape, then each element. */
function fieldCheck(f: FieldSpec): Check {
  const scalar = scalarCheck(f);
  const shape = f.shape;
  if (shape === undefined || f.type === 'json') return scalar;
  const elements = shape.reduce<number>((n, d) => n * (d ?? 1), 1);
  // A scalar stands for a per-record shape of [] or [1] (one-input-per-column models).
  const scalarOk =
    shape.length === 0 ||
    (shape.length === 1 && (shape[0] === 1 || shape[0] === null)) ||
    (shape.every((d) => d === 1) && elements === 1);
  const shapeError = (field: string, got: string) =>
    new InvalidInputError(
      `field ${field}: expected shape ${formatShape(shape)} (${f.type}), got ${got}`,
      field,
    );
  // `dims`: the value's own shape (read off its first elements), so ragged arrays are caught
  // even where the signature leaves a dimension free.
  const walk = (v: unknown, depth: number, field: string, dims: number[]): void => {
    if (depth === shape.length) {
      if (Array.isArray(v)) throw shapeError(field, 'a deeper array');
      scalar(v, field);
      return;
    }
    if (!Array.isArray(v))
      throw shapeError(field, depth === 0 ? typeName(v) : `a ${typeName(v)} at depth ${depth}`);
    if (v.length !== dims[depth])
      throw shapeError(
        field,
        `a ragged array (${v.length} elements at depth ${depth}, expected ${dims[depth]})`,
      );
    for (const item of v) walk(item, depth + 1, field, dims);
  };
  return (v, field) => {
    if (!Array.isArray(v)) {
      if (scalarOk) return scalar(v, field);
      throw shapeError(field, typeName(v));
    }
    if (shape.length === 0) throw shapeError(field, 'an array');
    const got = actualShape(v);
    if (got.length !== shape.length || got.some((d, i) => shape[i] !== null && shape[i] !== d)) {
      throw shapeError(field, formatShape(got));
    }
    walk(v, 0, field, got);
  };
}

function actualShape(v: unknown): number[] {
  const dims: number[] = [];
  let cur: unknown = v;
  while (Array.isArray(cur)) {
    dims.push(cur.length);
    cur = cur[0];
  }
  return dims;
}

/**
 * Compiles a validator for one signature, once per loaded version. Runs on the hot path:
 * no schema library per request, and records are returned as they are unless a default
 * has to be filled in.
 */
export function compileValidator(signature: Signature): RecordValidator {
  const fields = signature.inputs;
  const names = new Set(fields.map((f) => f.name));
  const expected = fields.map((f) => f.name).join(', ');
  const checks = fields.map(fieldCheck);
  return (records, path = '') => {
    const single = records.length === 1 && path === '';
    const out: RecordValue[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const prefix = single ? path : `${path}[${i}]`;
      const at = (field: string) => (prefix ? `${prefix}.${field}` : field);
      const rec = records[i];
      if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) {
        throw new InvalidInputError(
          `${prefix || 'record'}: expected a JSON object mapping input names to values, got ${typeName(rec)}`,
          prefix || undefined,
        );
      }
      const r = rec as RecordValue;
      for (const k in r) {
        if (!names.has(k))
          throw new InvalidInputError(
            `unknown field ${at(k)}; expected ${expected || 'no fields'}`,
            at(k),
          );
      }
      let filled: RecordValue | undefined;
      for (let j = 0; j < fields.length; j++) {
        const f = fields[j]!;
        const v = r[f.name];
        if (v === undefined) {
          if (f.required === false) {
            if (f.default !== undefined) (filled ??= { ...r })[f.name] = f.default;
            continue;
          }
          throw new InvalidInputError(
            `missing field ${at(f.name)} (${describeField(f)})`,
            at(f.name),
          );
        }
        checks[j]!(v, at(f.name));
      }
      out[i] = filled ?? r;
    }
    return out;
  };
}
