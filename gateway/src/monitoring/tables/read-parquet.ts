import { open, type FileHandle } from 'node:fs/promises';
import {
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  type AsyncBuffer,
  type FileMetaData,
  type RowGroup,
} from 'hyparquet';
import {
  InvalidInputError,
  SlipwayError,
  TooLargeError,
  UnsupportedMediaTypeError,
} from '../../errors.js';
import {
  cellError,
  CellMismatch,
  parquetCell,
  planColumns,
  type ColumnPlan,
  type Row,
} from './columns.js';
import { isParquetHead } from './table-format.js';
import {
  formatBytes,
  layoutOf,
  rowsUntilError,
  type FormatReadContext,
  type TableProgress,
} from './table-job.js';

/** The largest footer (file metadata) read; real files have kilobytes, a few MiB at most. */
const MAX_FOOTER_BYTES = 64 * 2 ** 20;

/** The codecs hyparquet decodes without extra packages. */
const CODECS = new Set(['UNCOMPRESSED', 'SNAPPY']);

/**
 * The rows of a Parquet file, read through a file handle a range at a time: the footer
 * first (columns checked before any row), then each row group, in slices of a batch where
 * the file has an offset index (hyparquet fetches only those pages), else whole, within
 * `maxRowGroupBytes`. Only the wanted columns are read. Rows are numbered from 1.
 */
export async function* readParquetRows(
  ctx: FormatReadContext,
): AsyncGenerator<Row[], void, undefined> {
  const { path, columns, limits, batchRows } = ctx.job;
  const handle = await open(path, 'r');
  try {
    const file = await fileBuffer(handle, ctx.progress);
    const metadata = await readFooter(file);
    const plan = planColumns(
      columns,
      parquetSchema(metadata).children.map((c) => c.element.name),
    );
    ctx.layout = layoutOf(plan);
    const wanted = plan.found.map((f) => f.column.name);
    const total = Number(metadata.num_rows);
    if (total > limits.maxRows)
      throw new TooLargeError(
        `the table has more than ${limits.maxRows} rows, the limit (it has ${total})`,
      );
    let groupStart = 0;
    for (const group of metadata.row_groups) {
      const groupRows = Number(group.num_rows);
      const step = sliceRows(group, wanted, batchRows, limits.maxRowGroupBytes, groupStart);
      for (let start = groupStart; start < groupStart + groupRows; start += step) {
        const end = Math.min(start + step, groupStart + groupRows);
        const values = wanted.length
          ? await read(() =>
              parquetReadObjects({
                file,
                metadata,
                columns: wanted,
                rowStart: start,
                rowEnd: end,
                useOffsetIndex: true,
              }),
            )
          : Array.from({ length: end - start }, () => ({}));
        let row = start;
        yield* rowsUntilError(values, (v: Record<string, unknown>) => parquetRow(v, plan, ++row));
      }
      groupStart += groupRows;
    }
  } finally {
    await handle.close();
  }
}

function parquetRow(values: Record<string, unknown>, plan: ColumnPlan, row: number): Row {
  const out: Row = {};
  for (const { column } of plan.found) {
    const cell = parquetCell(values[column.name], column);
    if (cell instanceof CellMismatch) throw cellError(`row ${row}`, column, cell);
    out[column.name] = cell;
  }
  for (const column of plan.absent) out[column.name] = null;
  return out;
}

/** hyparquet's AsyncBuffer over an open file: each slice one positioned read, counted. */
async function fileBuffer(handle: FileHandle, progress: TableProgress): Promise<AsyncBuffer> {
  const { size } = await handle.stat();
  return {
    byteLength: size,
    async slice(from: number, end = size) {
      const start = Math.max(0, from);
      const bytes = new Uint8Array(Math.max(0, Math.min(end, size) - start));
      let done = 0;
      while (done < bytes.length) {
        const { bytesRead } = await handle.read(bytes, done, bytes.length - done, start + done);
        if (bytesRead === 0) throw new Error('the Parquet file got shorter while it was read');
        done += bytesRead;
      }
      progress.bytesRead += bytes.length;
      return bytes.buffer;
    },
  };
}

/** The footer, once its magic numbers and its length are checked. */
async function readFooter(file: AsyncBuffer): Promise<FileMetaData> {
  const notParquet = (why: string) =>
    new InvalidInputError(`the file is not a Parquet file: ${why}`, undefined, 'invalid_parquet');
  if (file.byteLength < 12) throw notParquet('it is too short');
  const head = new Uint8Array(await file.slice(0, 4));
  const tail = new Uint8Array(await file.slice(file.byteLength - 8));
  if (!isParquetHead(head) || !isParquetHead(tail.subarray(4)))
    throw notParquet('it does not start and end with "PAR1"');
  const footerBytes = new DataView(tail.buffer).getUint32(0, true);
  if (footerBytes > file.byteLength - 12) throw notParquet('its footer is longer than the file');
  if (footerBytes > MAX_FOOTER_BYTES)
    throw new TooLargeError(
      `the Parquet footer is ${formatBytes(footerBytes)}, more than ${formatBytes(MAX_FOOTER_BYTES)}, the limit`,
    );
  // Only the footer: hyparquet would otherwise fetch the file's last 512 KiB to find it.
  return read(() => parquetMetadataAsync(file, { initialFetchSize: footerBytes + 8 }));
}

/**
 * How many rows to read at a time in a row group: a batch where every wanted column has an
 * offset index, else the whole group, if its wanted columns fit `maxBytes` uncompressed.
 * Also refuses codecs hyparquet cannot decode, before any of the group is read.
 */
function sliceRows(
  group: RowGroup,
  wanted: string[],
  batchRows: number,
  maxBytes: number,
  groupStart: number,
): number {
  const chunks = group.columns.filter((c) => wanted.includes(c.meta_data?.path_in_schema[0] ?? ''));
  for (const chunk of chunks) {
    const codec = chunk.meta_data?.codec;
    if (codec && !CODECS.has(codec))
      throw new UnsupportedMediaTypeError(
        `Parquet column "${chunk.meta_data?.path_in_schema.join('.')}" is compressed with ${codec}, which the gateway does not read; write the file with snappy or no compression (pandas: to_parquet(..., compression="snappy"))`,
      );
  }
  if (chunks.every((c) => c.offset_index_offset !== undefined && c.offset_index_length))
    return batchRows;
  const bytes = chunks.reduce((n, c) => n + Number(c.meta_data?.total_uncompressed_size ?? 0), 0);
  if (bytes > maxBytes)
    throw new TooLargeError(
      `the Parquet row group from row ${groupStart + 1} holds ${formatBytes(bytes)} of the wanted columns and has no offset index, more than ${formatBytes(maxBytes)}, the limit; write smaller row groups or an offset index`,
    );
  return Math.max(1, Number(group.num_rows));
}

/** A hyparquet call, its failures (a corrupt or unsupported file) said as the upload's. */
async function read<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof SlipwayError) throw err;
    throw new InvalidInputError(
      `the Parquet file cannot be read: ${(err as Error).message}`,
      undefined,
      'invalid_parquet',
    );
  }
}
