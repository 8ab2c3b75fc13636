import {
  InvalidInputError,
  SlipwayError,
  TooLargeError,
  UnsupportedMediaTypeError,
  type ErrorStatus,
} from '../../errors.js';
import type { ColumnPlan, ColumnSpec, Row } from './columns.js';
import type { TableFormat } from './table-format.js';

/** How much of a table is read before it is refused (413). */
export interface TableLimits {
  /** Rows in the table. */
  maxRows: number;
  /** Bytes in the file. */
  maxBytes: number;
  /** Bytes in one CSV record (quoted fields included) or one JSONL line. */
  maxRecordBytes: number;
  /**
   * Parquet: uncompressed bytes of the wanted columns of one row group that has no offset
   * index, which has to be decoded whole (with an offset index it is read page range by
   * page range, a batch at a time).
   */
  maxRowGroupBytes: number;
}

export const DEFAULT_TABLE_LIMITS: TableLimits = {
  maxRows: 10_000_000,
  maxBytes: 2 ** 30,
  maxRecordBytes: 2 ** 20,
  maxRowGroupBytes: 256 * 2 ** 20,
};

export const DEFAULT_BATCH_ROWS = 5000;

/** One table to read: what crosses to the reader thread. */
export interface TableJob {
  path: string;
  format: TableFormat;
  columns: ColumnSpec[];
  batchRows: number;
  limits: TableLimits;
}

/** What a read found, known in full once the last batch is out. */
export interface TableSummary {
  format: TableFormat;
  /** Rows read. */
  rows: number;
  /** The spec's optional columns the file lacks (null in every row). */
  absentColumns: string[];
  /**
   * The file's columns no spec column asked for, ignored. JSONL: the keys met in the rows
   * (the first 100 names).
   */
  extraColumns: string[];
}

/** How far the reader has got in the file, for progress and for tests of its streaming. */
export interface TableProgress {
  /** Bytes read from the file so far. */
  bytesRead: number;
  /** Rows parsed so far (some may not have reached the consumer yet). */
  rowsParsed: number;
}

/** A typed error as plain data, to cross from the reader thread. */
export interface WireError {
  status: ErrorStatus | null;
  code: string;
  message: string;
  field?: string;
}

/** An error as data: typed ones keep status, code and field; others only their message. */
export function toWireError(err: unknown): WireError {
  if (err instanceof SlipwayError) {
    const { status, code, message, field } = err;
    return { status, code, message, ...(field !== undefined && { field }) };
  }
  return {
    status: null,
    code: 'internal',
    message: err instanceof Error ? err.message : String(err),
  };
}

/**
 * The error again on this side, as the class its status has (400, 413, 415), so the caller
 * can tell them apart with `instanceof`. An untyped one becomes a plain Error: a 500 with no
 * details for a client, its message kept for the log.
 */
export function fromWireError({ status, code, message, field }: WireError): Error {
  switch (status) {
    case null:
      return new Error(`the table reader thread failed: ${message}`);
    case 400:
      return new InvalidInputError(message, field, code);
    case 413:
      return code === 'too_large'
        ? new TooLargeError(message)
        : new SlipwayError(413, code, message);
    case 415:
      return new UnsupportedMediaTypeError(message);
    default:
      return new SlipwayError(status, code, message, field);
  }
}

/** Bytes as people read them, for messages. */
export function formatBytes(n: number): string {
  if (n >= 2 ** 30 && n % 2 ** 30 === 0) return `${n / 2 ** 30} GiB`;
  if (n >= 2 ** 20 && n % 2 ** 20 === 0) return `${n / 2 ** 20} MiB`;
  if (n >= 2 ** 10 && n % 2 ** 10 === 0) return `${n / 2 ** 10} KiB`;
  return `${n} bytes`;
}

/** What a format's reader works with: the job, the progress it keeps up to date, its findings. */
export interface FormatReadContext {
  job: TableJob;
  progress: TableProgress;
  /** Set by the reader: what it found of the spec's columns (by the end of the rows at last). */
  layout: Pick<TableSummary, 'absentColumns' | 'extraColumns'>;
}

/**
 * Reads one format's rows, each already checked against the spec, some at a time (those of a
 * piece of the file; never none): nothing is awaited per row. The rows before a bad one come
 * before its error. Cleans up when returned.
 */
export type FormatReader = (ctx: FormatReadContext) => AsyncGenerator<Row[], void, undefined>;

/**
 * The rows made from `items` one by one (`make` may skip one: undefined), together; then the
 * error of one that failed, after the rows made before it.
 */
export function* rowsUntilError<T>(
  items: Iterable<T>,
  make: (item: T) => Row | undefined,
): Generator<Row[], void, undefined> {
  const rows: Row[] = [];
  let failed: { error: unknown } | undefined;
  try {
    for (const item of items) {
      const row = make(item);
      if (row !== undefined) rows.push(row);
    }
  } catch (error) {
    failed = { error };
  }
  if (rows.length > 0) yield rows;
  if (failed) throw failed.error;
}

/** The layout of a header's columns, for {@link FormatReadContext.layout}. */
export function layoutOf(plan: ColumnPlan): FormatReadContext['layout'] {
  return { absentColumns: plan.absent.map((c) => c.name), extraColumns: plan.extra };
}

/** Main thread to reader thread (a thread of a caller's own may take other messages too). */
export type ToReaderThread =
  | { kind: 'start'; job: TableJob; credits: number; setup?: unknown }
  /** The consumer took a batch: one more may come. */
  | { kind: 'more' }
  /** Batches from the next one on hold this many rows. */
  | { kind: 'resize'; batchRows: number }
  /**
   * The read is over and the thread is kept for another (`WarmThreads`): it forgets it, and
   * answers `RESET_DONE` once everything before has been handled.
   */
  | { kind: 'reset' };

/** A reader thread's answer to `reset`: what comes after it is the next read's. */
export const RESET_DONE = { kind: 'reset' } as const;

/**
 * Reader thread to main thread; each carries the progress at the time it was sent. A batch is
 * the rows read, or what a caller's thread made of them (see `serveTableReads`).
 */
export type FromReaderThread<B = Row[]> = { progress: TableProgress } & (
  | { kind: 'rows'; rows: B }
  | { kind: 'end'; summary: TableSummary }
  | { kind: 'error'; error: WireError }
);
