import { open, stat, truncate, type FileHandle } from 'node:fs/promises';
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
  for (const [key, value] of Object.entries(presented)) {
    if (isPlainObject(value) && Object.values(value).every(isScalar))
      for (const [sub, v] of Object.entries(value)) out[`${key}.${sub}`] = v;
    else out[key] = value;
  }
  return out;
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

/** One output row's values by column, from its pass-through cells, its result and its id. */
export function outputRow(
  passThrough: readonly string[],
  cells: Record<string, unknown>,
  fields: Record<string, unknown>,
  id: string,
): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const name of passThrough) row[name] = cells[name] ?? null;
  const taken = new Set(passThrough);
  for (const [k, v] of Object.entries(fields)) row[taken.has(k) ? `prediction.${k}` : k] = v;
  row[PREDICTION_ID] = id;
  return row;
}

/** Rows as the output format writes them, each ending with a line break; CSV without its header. */
export function formatRows(
  format: OutputFormat,
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
): string {
  if (format === 'jsonl') {
    let text = '';
    for (const row of rows) {
      const ordered: Record<string, unknown> = {};
      for (const c of columns) ordered[c] = row[c] ?? null;
      text += `${JSON.stringify(ordered)}\n`;
    }
    return text;
  }
  let text = '';
  for (const row of rows) {
    let line = '';
    for (let i = 0; i < columns.length; i++)
      line += (i ? ',' : '') + csvField(csvValue(row[columns[i]!]));
    text += `${line}\n`;
  }
  return text;
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

  async append(text: string): Promise<void> {
    if (text === '') return;
    const data = Buffer.from(text, 'utf8');
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
