import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile, type ColumnSource } from 'hyparquet-writer';
import { parseTable } from '../parse-table.js';
import type { ColumnSpec, Row } from '../columns.js';
import type { TableFormat } from '../table-format.js';
import { DEFAULT_TABLE_LIMITS, type TableJob, type TableLimits } from '../table-job.js';

/** A temporary folder for one test file's tables, and a way to write them there. */
export function tableDir() {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-tables-'));
  let n = 0;
  const path = (ext: string) => join(dir, `t${n++}.${ext}`);
  return {
    dir,
    /** Writes text (or bytes) as a file with this extension; returns its path. */
    text(ext: 'csv' | 'jsonl' | string, content: string | Uint8Array): string {
      const p = path(ext);
      writeFileSync(p, content);
      return p;
    },
    /** Writes columns as a Parquet file with hyparquet-writer; returns its path. */
    parquet(columnData: ColumnSource[], rowGroupSize?: number): string {
      const p = path('parquet');
      parquetWriteFile({ filename: p, columnData, ...(rowGroupSize && { rowGroupSize }) });
      return p;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A job for {@link parseTable} with the default limits but for `limits`. */
export function job(
  path: string,
  format: TableFormat,
  columns: ColumnSpec[],
  over: { batchRows?: number } & Partial<TableLimits> = {},
): TableJob {
  const { batchRows = 5000, ...limits } = over;
  return { path, format, columns, batchRows, limits: { ...DEFAULT_TABLE_LIMITS, ...limits } };
}

/** Reads a whole table on this thread: its rows, batch sizes and summary, or the error. */
export async function readAll(j: TableJob) {
  const batches = parseTable(j);
  const rows: Row[] = [];
  const sizes: number[] = [];
  for (;;) {
    const next = await batches.next();
    if (next.done) return { rows, sizes, summary: next.value };
    rows.push(...next.value);
    sizes.push(next.value.length);
  }
}

/** The error a read ends with (fails the test when it ends without one). */
export async function readError(j: TableJob): Promise<Error & Record<string, unknown>> {
  try {
    await readAll(j);
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('the read succeeded; expected an error');
}
