import { InvalidInputError } from '../../errors.js';

/**
 * What a column holds once read:
 * - `number`: a finite number;
 * - `string`: text;
 * - `bool`: true or false;
 * - `label`: a class or a regression's value as the file has it (number, string or boolean),
 *   kept as it is. A CSV cell is text, so a CSV label stays text ("1" stays "1"): only the
 *   caller, which knows the model's classes, can tell whether "1" means 1 or "1".
 * - `any`: whatever the file holds, never refused: a CSV cell's text, a JSON value (lists and
 *   objects too), a Parquet value (an INT64 as a number when one holds it exactly, else as
 *   text; a date as ISO text). The caller types it (a batch job, by the model's signature).
 */
export type ColumnType = 'number' | 'string' | 'bool' | 'label' | 'any';

/** One column the caller wants from an uploaded table. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** A table without this column is refused before any row is read; else its cells are null. */
  required: boolean;
  /** Whether a cell may be empty (null); default true. False: an empty cell is an error. */
  nullable?: boolean;
}

/** A cell once read: what its column's type allows, or null for an empty cell. */
export type Cell = number | string | boolean | null | AnyValue;

/** What an `any` column holds besides text, numbers and booleans: JSON lists and objects. */
export type AnyValue = readonly unknown[] | { readonly [key: string]: unknown };

/** One row: exactly the spec's columns, in its order, whatever else the file has. */
export type Row = Record<string, Cell>;

/** Why a value does not fit its column: what was expected and what came (for a message). */
export class CellMismatch {
  constructor(
    readonly expected: string,
    readonly got: string,
  ) {}
}

/** The 400 for a cell that does not fit: names the row (`where`), the column and both sides. */
export function cellError(where: string, column: ColumnSpec, mismatch: CellMismatch) {
  return new InvalidInputError(
    `${where}, column "${column.name}": expected ${mismatch.expected}, got ${mismatch.got}`,
    column.name,
    'invalid_cell',
  );
}

const EXPECTED: Record<ColumnType, string> = {
  number: 'a number',
  string: 'text',
  bool: 'true or false',
  label: 'a number, text or true/false',
  any: 'a value',
};

/** A decimal number as people and pandas write it; no hex, no `Infinity`, no `NaN`. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Quotes a cell for a message, shortened: a message must not carry a whole huge cell. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function empty(column: ColumnSpec, got: string): Cell | CellMismatch {
  return column.nullable === false
    ? new CellMismatch(`${EXPECTED[column.type]} (not empty)`, got)
    : null;
}

/**
 * A CSV cell. An empty cell (or only spaces, for number and bool) is null. `number`: a decimal
 * number, spaces around allowed; `bool`: true/false/1/0 in any case; `string` and `label`:
 * the text as it is.
 */
export function csvCell(text: string, column: ColumnSpec): Cell | CellMismatch {
  switch (column.type) {
    case 'number': {
      const t = text.trim();
      if (t === '') return empty(column, 'an empty cell');
      if (!DECIMAL.test(t)) return new CellMismatch(EXPECTED.number, quote(text));
      const n = Number(t);
      return Number.isFinite(n) ? n : new CellMismatch('a finite number', quote(text));
    }
    case 'bool': {
      const t = text.trim().toLowerCase();
      if (t === '') return empty(column, 'an empty cell');
      if (t === 'true' || t === '1') return true;
      if (t === 'false' || t === '0') return false;
      return new CellMismatch('true, false, 1 or 0', quote(text));
    }
    case 'string':
    case 'label':
    case 'any':
      return text === '' ? empty(column, 'an empty cell') : text;
  }
}

/** Names a JSON or Parquet value's kind for a message. */
function describe(value: unknown): string {
  if (typeof value === 'string') return `text ${quote(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `the integer ${value}`;
  if (value instanceof Date) return 'a date/time';
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

/** A cell already typed (a JSON value, a Parquet value), checked against its column. */
function typedCell(value: unknown, column: ColumnSpec): Cell | CellMismatch {
  if (value === null || value === undefined) return empty(column, 'null');
  if (column.type === 'any') return anyCell(value);
  const t = typeof value;
  const fits =
    column.type === 'number'
      ? t === 'number'
      : column.type === 'string'
        ? t === 'string'
        : column.type === 'bool'
          ? t === 'boolean'
          : t === 'number' || t === 'string' || t === 'boolean';
  if (!fits) return new CellMismatch(EXPECTED[column.type], describe(value));
  if (t === 'number' && !Number.isFinite(value))
    return new CellMismatch('a finite number', String(value));
  return value as Cell;
}

/** A value as an `any` column keeps it: plain data that crosses threads and writes as JSON. */
function anyCell(value: unknown): Cell {
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<unknown>, anyCell);
  if (Array.isArray(value)) return value.map(anyCell);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, anyCell(v)]));
  return value as Cell;
}

/**
 * A JSONL cell: a JSON value of the column's type, checked, never converted ("3" is not a
 * number). An object or array is refused: no column type holds one. null is an empty cell.
 */
export function jsonCell(value: unknown, column: ColumnSpec): Cell | CellMismatch {
  return typedCell(value, column);
}

/**
 * A Parquet cell as hyparquet reads it. INT64 arrives as a BigInt: it becomes a number when
 * a number holds it exactly, else it is refused. Dates, timestamps, lists and structs are
 * refused (no column type holds them); null is an empty cell.
 */
export function parquetCell(value: unknown, column: ColumnSpec): Cell | CellMismatch {
  if (column.type === 'any') return value === null || value === undefined ? null : anyCell(value);
  if (typeof value === 'bigint' && (column.type === 'number' || column.type === 'label')) {
    const n = Number(value);
    return Number.isSafeInteger(n)
      ? n
      : new CellMismatch(
          'a number (an integer within ±2^53, which a double holds exactly)',
          `the integer ${value}`,
        );
  }
  return typedCell(value, column);
}

/** Where each wanted column is in a file that has `names` (in order), and what is left over. */
export interface ColumnPlan {
  /** The spec's columns found in the file, with their index there. */
  found: { column: ColumnSpec; index: number }[];
  /** The spec's optional columns the file lacks: null in every row. */
  absent: ColumnSpec[];
  /** The file's columns no spec column asked for: ignored. */
  extra: string[];
}

/**
 * Matches the spec to a file's column names (exact, case-sensitive). A missing required
 * column or a wanted column that appears twice is a 400 naming it, before any row is read.
 */
export function planColumns(spec: readonly ColumnSpec[], names: readonly string[]): ColumnPlan {
  const wanted = new Map(spec.map((c) => [c.name, c]));
  const seen = new Set<string>();
  const found: ColumnPlan['found'] = [];
  const extra: string[] = [];
  names.forEach((name, index) => {
    const column = wanted.get(name);
    if (!column) return void extra.push(name);
    if (seen.has(name))
      throw new InvalidInputError(
        `the table has two columns named "${name}"; keep one`,
        name,
        'duplicate_column',
      );
    seen.add(name);
    found.push({ column, index });
  });
  const missing = spec.filter((c) => c.required && !seen.has(c.name));
  if (missing.length) {
    const listed = names.length ? names.map((n) => `"${n}"`).join(', ') : 'none';
    throw new InvalidInputError(
      `the table has no column ${missing.map((c) => `"${c.name}"`).join(', ')} (required); its columns: ${listed}`,
      missing[0].name,
      'missing_column',
    );
  }
  return { found, absent: spec.filter((c) => !c.required && !seen.has(c.name)), extra };
}

/**
 * Checks a spec: names not empty, not `__proto__` (rows are plain objects), unique. A bad spec
 * is the caller's bug, not the file's: a plain Error.
 */
export function checkSpec(spec: readonly ColumnSpec[]): void {
  if (spec.length === 0) throw new Error('a table read needs at least one column');
  const names = new Set<string>();
  for (const c of spec) {
    if (!c.name || c.name === '__proto__')
      throw new Error(`a column spec cannot be named ${JSON.stringify(c.name)}`);
    if (names.has(c.name)) throw new Error(`column "${c.name}" is in the spec twice`);
    names.add(c.name);
  }
}
