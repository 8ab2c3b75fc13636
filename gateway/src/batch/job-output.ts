import { open, stat, truncate, type FileHandle } from 'node:fs/promises';
import { ByteLines, utf8Text } from './byte-lines.js';
import type { OutputFormat } from './job-options.js';

/** The column of every output row that holds its prediction id (a notebook row: its run id). */
export const PREDICTION_ID = 'prediction_id';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => v === null || typeof v !== 'object';

/**
 * A prediction as output columns: an object's fields (a field that is itself an object of
 * plain values, such as class probabilities, one column per key: `probabilities.setosa`), or
 * one `prediction` column for anything else.
 */
export function predictionFields(presented: unknown): Record<string, unknown> {
  if (!isPlainObject(presented)) return { prediction: presented };
  const out: Record<string, unknown> = {};
  for (const key in presented) {
    if (!Object.prototype.hasOwnProperty.call(presented, key)) continue;
    const value = presented[key];
    if (isPlainObject(value) && allScalar(value))
      for (const sub in value) {
        if (Object.prototype.hasOwnProperty.call(value, sub))
          out[columnName(key, sub)] = value[sub];
      }
    else out[key] = value;
  }
  return out;
}

/**
 * `key.sub`, made once per pair: every row of a job has the same fields, and a name made anew
 * for each would be garbage a million times over.
 */
function columnName(key: string, sub: string): string {
  let subs = columnNames.get(key);
  if (!subs) columnNames.set(key, (subs = new Map()));
  let name = subs.get(sub);
  if (name === undefined) {
    if (subs.size >= MAX_COLUMN_NAMES) subs.clear();
    subs.set(sub, (name = `${key}.${sub}`));
  }
  return name;
}
const columnNames = new Map<string, Map<string, string>>();
/** Kept per key at most (a model whose answers have ever-new keys must not grow it for good). */
const MAX_COLUMN_NAMES = 1024;

function allScalar(o: Record<string, unknown>): boolean {
  for (const k in o)
    if (Object.prototype.hasOwnProperty.call(o, k) && !isScalar(o[k])) return false;
  return true;
}

/**
 * The output's header: the pass-through columns, the fields of the first result, and the
 * prediction id. A result field named as a pass-through column is prefixed `prediction.`.
 */
export function outputColumns(
  passThrough: readonly string[],
  firstFields: Record<string, unknown>,
): string[] {
  const taken = new Set(passThrough);
  const fields = Object.keys(firstFields).map((k) => (taken.has(k) ? `prediction.${k}` : k));
  return [...passThrough, ...fields.filter((k) => k !== PREDICTION_ID), PREDICTION_ID];
}

/** Writes one output row's line into `out`: its pass-through cells, its result's fields, its id. */
export type RowFormatter = (
  out: ByteLines,
  cells: Record<string, unknown>,
  fields: Record<string, unknown>,
  id: string,
) => void;

/**
 * How the rows of an output with `columns` are written, each ending with a line break (CSV
 * without its header): each column's source (a pass-through cell, a result field, the id) is
 * found once, not per row.
 */
export function rowFormatter(
  format: OutputFormat,
  passThrough: readonly string[],
  columns: readonly string[],
): RowFormatter {
  const taken = new Set(passThrough);
  const sources = columns.map((c): ((cells: Row, fields: Row, id: string) => unknown) => {
    if (c === PREDICTION_ID) return (_cells, _fields, id) => id;
    if (taken.has(c)) return (cells) => cells[c] ?? null;
    const field = c.startsWith('prediction.') && taken.has(c.slice(11)) ? c.slice(11) : c;
    return (_cells, fields) => fields[field];
  });
  if (format === 'jsonl')
    return (out, cells, fields, id) => {
      const ordered: Row = {};
      for (let i = 0; i < columns.length; i++)
        ordered[columns[i]!] = sources[i]!(cells, fields, id) ?? null;
      out.push(JSON.stringify(ordered));
      out.push('\n');
    };
  return (out, cells, fields, id) => {
    for (let i = 0; i < sources.length; i++) {
      if (i) out.push(',');
      out.push(csvCell(sources[i]!(cells, fields, id)));
    }
    out.push('\n');
  };
}

/** One row's line, as `format` writes it. */
export function formatRow(
  format: RowFormatter,
  cells: Record<string, unknown>,
  fields: Record<string, unknown>,
  id: string,
): string {
  const out = new ByteLines();
  format(out, cells, fields, id);
  return utf8Text(out.take());
}

type Row = Record<string, unknown>;

/** A value as its CSV field: numbers and booleans as they print, the rest quoted when needed. */
export function csvCell(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return csvField(csvValue(v));
}

/** A CSV field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV header line. */
export function csvHeader(columns: readonly string[]): string {
  return `${columns.map(csvField).join(',')}\n`;
}

function csvValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * A file a job appends to, from a checkpoint: opened, it is cut back to the bytes the last
 * checkpoint counted (what a crash wrote after it goes), and every append moves `bytes` on.
 * A file shorter than the checkpoint lost what it had acknowledged: `open` says so (undefined),
 * and the job starts over.
 */
export class AppendFile {
  private constructor(
    private readonly handle: FileHandle,
    public bytes: number,
  ) {}

  static async open(path: string, bytes: number): Promise<AppendFile | undefined> {
    const size = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    if (size < bytes) return undefined;
    if (size > bytes) await truncate(path, bytes);
    return new AppendFile(await open(path, 'a'), bytes);
  }

  /** Text (as UTF-8), or bytes already UTF-8 (a chunk's output lines). */
  async append(text: string | Uint8Array): Promise<void> {
    if (text.length === 0) return;
    const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    await this.handle.write(data);
    this.bytes += data.length;
  }

  /** Durable: what a checkpoint is about to count is on the disk. */
  async sync(): Promise<void> {
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
