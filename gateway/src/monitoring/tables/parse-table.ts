import { stat } from 'node:fs/promises';
import { TooLargeError } from '../../errors.js';
import { checkSpec, type Row } from './columns.js';
import { readCsvRows } from './read-csv.js';
import { readJsonlRows } from './read-jsonl.js';
import { readParquetRows } from './read-parquet.js';
import type { TableFormat } from './table-format.js';
import {
  formatBytes,
  type FormatReadContext,
  type FormatReader,
  type TableJob,
  type TableProgress,
  type TableSummary,
} from './table-job.js';

const READERS: Record<TableFormat, FormatReader> = {
  csv: readCsvRows,
  jsonl: readJsonlRows,
  parquet: readParquetRows,
};

/**
 * Reads a table on this thread, in batches of `job.batchRows`: what the reader thread runs
 * (see read-table.ts), pure but for reading the file. The file is read as the batches are
 * taken, never whole; returning early closes it. Errors are typed: 400 for a file that does
 * not fit the spec (naming the row and column), 413 past a limit, 415 for what cannot be read.
 * `progress` is kept up to date as it goes.
 */
export async function* parseTable(
  job: TableJob,
  progress: TableProgress = { bytesRead: 0, rowsParsed: 0 },
): AsyncGenerator<Row[], TableSummary, undefined> {
  checkSpec(job.columns);
  const { size } = await stat(job.path);
  if (size > job.limits.maxBytes)
    throw new TooLargeError(
      `the file is ${formatBytes(size)}, more than ${formatBytes(job.limits.maxBytes)}, the limit`,
    );
  const ctx: FormatReadContext = {
    job,
    progress,
    layout: { absentColumns: [], extraColumns: [] },
  };
  let batch: Row[] = [];
  for await (const rows of READERS[job.format](ctx)) {
    progress.rowsParsed += rows.length;
    if (progress.rowsParsed > job.limits.maxRows)
      throw new TooLargeError(`the table has more than ${job.limits.maxRows} rows, the limit`);
    for (const row of rows) {
      batch.push(row);
      if (batch.length >= job.batchRows) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length) yield batch;
  return { format: job.format, rows: progress.rowsParsed, ...ctx.layout };
}
