import type { Worker } from 'node:worker_threads';
import { startThread } from '../../workers/thread-jobs.js';
import { checkSpec, type ColumnSpec, type Row } from './columns.js';
import type { TableFormat } from './table-format.js';
import {
  DEFAULT_BATCH_ROWS,
  DEFAULT_TABLE_LIMITS,
  fromWireError,
  type FromReaderThread,
  type TableJob,
  type TableLimits,
  type TableProgress,
  type TableSummary,
  type ToReaderThread,
} from './table-job.js';

/** How to read one table; limits not given are {@link DEFAULT_TABLE_LIMITS}. */
export interface ReadTableOptions extends Partial<TableLimits> {
  format: TableFormat;
  /** The columns wanted: each row has exactly these, whatever else the file has. */
  columns: readonly ColumnSpec[];
  /** Rows per batch (the last may have fewer). */
  batchRows?: number;
  /** Stops the read: the thread ends and the iterator rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * A table being read on a thread of its own, a batch of rows at a time. Iterate it once.
 * Batches are parsed only a little ahead of the consumer (two batches), so a file of any
 * size is read in bounded memory. A failure (a bad row, a limit, an abort) is the rejection
 * of `next()`, after the batches before it: a caller that wants all or nothing takes every
 * batch, then commits. Stopping early (`break`, `return()`) ends the thread.
 */
export interface TableReader extends AsyncIterableIterator<Row[]> {
  /** Set once the last batch has been taken: rows read, ignored and absent columns. */
  readonly summary: TableSummary | undefined;
  /** How far the thread has got, as of the last message from it. */
  readonly progress: TableProgress;
  /** Resolves once the thread has stopped (or at the end, when none was started). */
  readonly closed: Promise<void>;
}

/** Batches the thread may have ready ahead of the consumer. */
const READ_AHEAD = 2;

/**
 * Reads a CSV, JSONL or Parquet file as rows of the spec's columns, on a worker thread:
 * parsing never runs on the event loop. Nothing starts until the first `next()`.
 */
export function readTable(path: string, options: ReadTableOptions): TableReader {
  checkSpec(options.columns);
  const { format, columns, batchRows = DEFAULT_BATCH_ROWS, signal, ...limits } = options;
  if (!(batchRows >= 1)) throw new Error(`batchRows must be at least 1, not ${batchRows}`);
  const job: TableJob = {
    path,
    format,
    columns: columns.map((c) => ({ ...c })),
    batchRows: Math.floor(batchRows),
    limits: { ...DEFAULT_TABLE_LIMITS, ...definedOnly(limits) },
  };
  return new ThreadTableReader(job, signal);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

type Outcome = { ok: true; summary: TableSummary } | { ok: false; error: unknown };

class ThreadTableReader implements TableReader {
  summary: TableSummary | undefined;
  progress: TableProgress = { bytesRead: 0, rowsParsed: 0 };
  readonly closed: Promise<void>;
  private markClosed!: () => void;
  private worker: Worker | undefined;
  private readonly batches: Row[][] = [];
  /** How the thread ended (its last message, a crash, an abort); not yet seen by the consumer. */
  private outcome: Outcome | undefined;
  /** The consumer has seen the end, an error, or stopped: `next()` says done from now on. */
  private finished = false;
  private waiting:
    { resolve: (r: IteratorResult<Row[]>) => void; reject: (e: unknown) => void } | undefined;
  private readonly onAbort = () => this.abort();

  constructor(
    private readonly job: TableJob,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Row[]>> {
    if (this.finished) return Promise.resolve({ done: true, value: undefined });
    if (this.waiting) return Promise.reject(new Error('a TableReader takes one next() at a time'));
    if (!this.worker && !this.outcome) this.start();
    const batch = this.batches.shift();
    if (batch) {
      this.grant();
      return Promise.resolve({ done: false, value: batch });
    }
    if (this.outcome) return this.settle(this.outcome);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      // The process stays up for a consumer that waits, not for one that walked away.
      this.worker?.ref();
    });
  }

  return(): Promise<IteratorResult<Row[]>> {
    this.finish();
    return Promise.resolve({ done: true, value: undefined });
  }

  private start(): void {
    if (this.signal?.aborted) {
      this.outcome = { ok: false, error: this.signal.reason };
      return;
    }
    let worker: Worker;
    try {
      worker = startThread(new URL('./read-table-worker.js', import.meta.url));
    } catch (err) {
      this.outcome = { ok: false, error: err };
      return;
    }
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.worker = worker;
    worker.unref();
    worker.on('message', (message: FromReaderThread) => this.receive(message));
    worker.on('error', (err) =>
      this.end({
        ok: false,
        error: new Error(`the table reader thread failed: ${err.message}`, { cause: err }),
      }),
    );
    worker.on('exit', (code) => {
      this.end({
        ok: false,
        error: new Error(`the table reader thread stopped (exit code ${code}) before the end`),
      });
      this.markClosed();
    });
    worker.postMessage({
      kind: 'start',
      job: this.job,
      credits: READ_AHEAD,
    } satisfies ToReaderThread);
  }

  private receive(message: FromReaderThread): void {
    if (this.finished) return;
    this.progress = message.progress;
    if (message.kind === 'rows') {
      const waiting = this.waiting;
      if (!waiting) return void this.batches.push(message.rows);
      this.waiting = undefined;
      this.worker?.unref();
      this.grant();
      waiting.resolve({ done: false, value: message.rows });
    } else if (message.kind === 'end') this.end({ ok: true, summary: message.summary });
    else this.end({ ok: false, error: fromWireError(message.error) });
  }

  /** The consumer took a batch: the thread may parse one more. */
  private grant(): void {
    this.worker?.postMessage({ kind: 'more' } satisfies ToReaderThread);
  }

  /** The thread is done (first cause wins); a waiting consumer hears it now. */
  private end(outcome: Outcome): void {
    if (this.outcome) return;
    this.outcome = outcome;
    void this.worker?.terminate();
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = undefined;
    this.settle(outcome).then(waiting.resolve, waiting.reject);
  }

  private settle(outcome: Outcome): Promise<IteratorResult<Row[]>> {
    this.finish();
    if (!outcome.ok) return Promise.reject(outcome.error);
    this.summary = outcome.summary;
    return Promise.resolve({ done: true, value: undefined });
  }

  /**
   * An abort drops what is queued, and wins over an end the consumer has not seen yet: it
   * hears of it at its next `next()`, never a short table that looks complete.
   */
  private abort(): void {
    this.batches.length = 0;
    this.outcome = undefined;
    this.end({ ok: false, error: this.signal?.reason });
  }

  private finish(): void {
    this.finished = true;
    this.batches.length = 0;
    this.signal?.removeEventListener('abort', this.onAbort);
    if (this.worker) void this.worker.terminate();
    else this.markClosed();
  }
}
