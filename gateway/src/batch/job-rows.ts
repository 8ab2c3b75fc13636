import type { ColumnSpec, Row, TableFormat } from '../monitoring/tables/index.js';
import {
  VALUE_TYPES,
  type FieldSpec,
  type RecordValue,
  type Signature,
} from '../protocol/signature.js';
import { takesScalar } from '../validation/validate-records.js';

/**
 * The columns a job reads: the model's inputs (a column the signature requires must be in
 * the file, before any row is read) and the pass-through ones, each as the file holds it.
 * The data plane's validation types and checks the values, row by row.
 */
export function jobColumns(signature: Signature, passThrough: readonly string[]): ColumnSpec[] {
  const inputs = new Set(signature.inputs.map((f) => f.name));
  return [
    ...signature.inputs.map((f) => ({ name: f.name, type: 'any' as const, required: needed(f) })),
    ...passThrough
      .filter((name) => !inputs.has(name))
      .map((name) => ({ name, type: 'any' as const, required: true })),
  ];
}

/** Whether a record must carry the field (it may not be left out, and has no default). */
export const needed = (f: FieldSpec) => f.required !== false && f.default === undefined;

/** A decimal number, as a CSV cell of a number field reads (`Number` of it). */
export const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** The numeric value types: every one but text, booleans and JSON. */
const NUMERIC = new Set<string>(
  VALUE_TYPES.filter((t) => t !== 'string' && t !== 'bool' && t !== 'json'),
);

/** One CSV cell's text as the field's type reads it; what does not read stays text. */
type CsvReader = (text: string) => unknown;

/** A cell holding JSON (a list, an object) as its value; other text as it is. */
const jsonCell: CsvReader = (text) => {
  const t = text.trim();
  if (!t.startsWith('[') && !t.startsWith('{')) return text;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return text;
  }
};

function csvReader(f: FieldSpec): CsvReader {
  if (f.type === 'json' || (f.shape !== undefined && !takesScalar(f.shape))) return jsonCell;
  const scalar = scalarReader(f);
  // A field that takes a list or one value (shape [null], [1]): a cell holding a list is one.
  if (f.shape !== undefined && f.shape.length > 0)
    return (text) => (text.trimStart().startsWith('[') ? jsonCell(text) : scalar(text));
  return scalar;
}

function scalarReader(f: FieldSpec): CsvReader {
  if (NUMERIC.has(f.type))
    return (text) => {
      const t = text.trim();
      return DECIMAL.test(t) ? Number(t) : text;
    };
  if (f.type === 'bool')
    return (text) => {
      const t = text.trim().toLowerCase();
      return t === 'true' || t === '1' ? true : t === 'false' || t === '0' ? false : text;
    };
  return (text) => text;
}

/**
 * Turns the rows a job reads into records for the model: an empty cell of a field that may be
 * left out is left out (its default applies), and a CSV cell's text is read as its field's
 * type (a number, true/false, a JSON list). A value that does not read stays as it came, for
 * the data plane's validation to refuse with its usual message.
 */
export function recordMaker(signature: Signature, format: TableFormat): (row: Row) => RecordValue {
  const fields = signature.inputs.map((f) => ({
    name: f.name,
    optional: !needed(f),
    read: format === 'csv' ? csvReader(f) : undefined,
  }));
  return (row) => {
    const record: RecordValue = {};
    for (const { name, optional, read } of fields) {
      const value = row[name];
      if (value === null || value === undefined) {
        if (!optional) record[name] = null;
        continue;
      }
      record[name] = read && typeof value === 'string' ? read(value) : value;
    }
    return record;
  };
}
