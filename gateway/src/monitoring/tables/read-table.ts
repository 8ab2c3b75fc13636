import type { Transferable, Worker } from 'node:worker_threads';
import { startThread } from '../../workers/thread-jobs.js';
import { WarmThreads } from './warm-threads.js';
import { checkSpec, type ColumnSpec, type Row } from './columns.js';
import type { TableFormat } from './table-format.js';
import {
  DEFAULT_BATCH_ROWS,
  DEFAULT_TABLE_LIMITS,
  fromWireError,
  RESET_DONE,
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
export interface TableReader<B = Row[]> extends AsyncIterableIterator<B> {
  /** Set once the last batch has been taken: rows read, ignored and absent columns. */
  readonly summary: TableSummary | undefined;
  /** How far the thread has got, as of the last message from it. */
  readonly progress: TableProgress;
  /** Resolves once the thread has stopped (or at the end, when none was started). */
  readonly closed: Promise<void>;
  /**
   * Batches parsed from now on hold this many rows (a whole number ≥ 1); those already made
   * keep theirs.
   */
  resize(batchRows: number): void;
}

/** Batches the thread may have ready ahead of the consumer. */
const READ_AHEAD = 2;

/** Reader threads whose read ended cleanly, kept for the next read of their module. */
export const readerThreads = new WarmThreads();

/**
 * Reads a CSV, JSONL or Parquet file as rows of the spec's columns, on a worker thread:
 * parsing never runs on the event loop. Nothing starts until the first `next()`.
 */
export function readTable(path: string, options: ReadTableOptions): TableReader {
  return new ThreadTableReader<Row[]>(tableJob(path, options), options.signal, {
    entry: new URL('./read-table-worker.js', import.meta.url),
  });
}

/** A reader thread of a caller's own (see `serveTableReads`), and what it is told at the start. */
export interface ReaderThread {
  /** Its module, `./x.js` beside the caller (see `startThread`). */
  entry: URL;
  /** Handed to the thread's `BatchStep.setup`. */
  setup?: unknown;
  /** The thread's messages that are not the reader's own. */
  other?: (message: unknown) => void;
  /**
   * The thread stays up after the last batch (for `post`), until `stop()`; an error or an
   * abort stops it still.
   */
  keep?: boolean;
  /** The thread has ended: stopped, or failed (`error`); what waits on `post` answers fails. */
  exited?: (error: Error) => void;
}

/** A table reader whose thread can be sent messages of the caller's own. */
export interface TableReaderThread<B> extends TableReader<B> {
  /** Sends the thread a message (transferring `transfer`); dropped once it has stopped. */
  post(message: unknown, transfer?: Transferable[]): void;
  /** Ends the thread (a `keep` thread's end). */
  stop(): void;
}

/**
 * Like `readTable`, on a reader thread of the caller's own whose `BatchStep` makes each batch
 * out of the rows it read (what crosses to this thread is that, not the rows).
 */
export function readTableOn<B>(
  thread: ReaderThread,
  path: string,
  options: ReadTableOptions,
): TableReaderThread<B> {
  return new ThreadTableReader<B>(tableJob(path, options), options.signal, thread);
}

function tableJob(path: string, options: ReadTableOptions): TableJob {
  checkSpec(options.columns);
  const { format, columns, batchRows = DEFAULT_BATCH_ROWS, signal: _, ...limits } = options;
  checkBatchRows(batchRows);
  return {
    path,
    format,
    columns: columns.map((c) => ({ ...c })),
    batchRows: Math.floor(batchRows),
    limits: { ...DEFAULT_TABLE_LIMITS, ...definedOnly(limits) },
  };
}

function checkBatchRows(batchRows: number): void {
  if (!(batchRows >= 1)) throw new Error(`batchRows must be at least 1, not ${batchRows}`);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

type Outcome = { ok: true; summary: TableSummary } | { ok: false; error: unknown };

class ThreadTableReader<B> implements TableReaderThread<B> {
  summary: TableSummary | undefined;
  progress: TableProgress = { bytesRead: 0, rowsParsed: 0 };
  readonly closed: Promise<void>;
  private markClosed!: () => void;
  private worker: Worker | undefined;
  private readonly batches: B[] = [];
  /** How the thread ended (its last message, a crash, an abort); not yet seen by the consumer. */
  private outcome: Outcome | undefined;
  /** The consumer has seen the end, an error, or stopped: `next()` says done from now on. */
  private finished = false;
  private waiting:
    { resolve: (r: IteratorResult<B>) => void; reject: (e: unknown) => void } | undefined;
  private readonly onAbort = () => this.abort();

  constructor(
    private readonly job: TableJob,
    private readonly signal: AbortSignal | undefined,
    private readonly thread: ReaderThread,
  ) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<B>> {
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

  resize(batchRows: number): void {
    checkBatchRows(batchRows);
    const rows = Math.floor(batchRows);
    // Not started yet: the thread starts with it.
    this.job.batchRows = rows;
    if (!this.stopped)
      this.worker?.postMessage({ kind: 'resize', batchRows: rows } satisfies ToReaderThread);
  }

  post(message: unknown, transfer: Transferable[] = []): void {
    if (!this.stopped) this.worker?.postMessage(message, transfer);
  }

  stop(): void {
    this.finish();
    this.terminate();
  }

  private stopped = false;

  private terminate(): void {
    if (this.stopped) return;
    this.stopped = true;
    const worker = this.worker;
    if (!worker) return this.markClosed();
    if (this.outcome?.ok !== true || this.exited) return void worker.terminate();
    // The read ended cleanly: the thread waits for the next read of its module, warm.
    const { message, error, exit } = this.listeners!;
    worker.off('message', message).off('error', error).off('exit', exit);
    readerThreads.give(this.thread.entry, worker);
    this.thread.exited?.(new Error('the table reader was stopped'));
    this.markClosed();
  }

  /** The thread's listeners, taken off when it is given back. */
  private listeners:
    | {
        message: (message: FromReaderThread<B> | { kind: string }) => void;
        error: (err: Error) => void;
        exit: (code: number) => void;
      }
    | undefined;
  private exited = false;

  return(): Promise<IteratorResult<B>> {
    this.finish();
    return Promise.resolve({ done: true, value: undefined });
  }

  private start(): void {
    if (this.signal?.aborted) {
      this.outcome = { ok: false, error: this.signal.reason };
      return;
    }
    let worker: Worker;
    /** A warm thread answers its reset first: what comes before that is the read before's. */
    let ready: boolean;
    try {
      const taken = readerThreads.take(this.thread.entry, startThread);
      worker = taken.worker;
      ready = !taken.warm;
    } catch (err) {
      this.outcome = { ok: false, error: err };
      return;
    }
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.worker = worker;
    worker.unref();
    let failure: Error | undefined;
    const listeners = (this.listeners = {
      message: (message) => {
        if (!ready) return void (ready = message.kind === RESET_DONE.kind);
        if (message.kind === 'rows' || message.kind === 'end' || message.kind === 'error')
          this.receive(message as FromReaderThread<B>);
        else if (!this.stopped) this.thread.other?.(message);
      },
      error: (err) => {
        failure = new Error(`the table reader thread failed: ${err.message}`, { cause: err });
        this.end({ ok: false, error: failure });
      },
      exit: (code) => {
        this.exited = true;
        const error =
          failure ??
          new Error(`the table reader thread stopped (exit code ${code}) before the end`);
        this.end({ ok: false, error });
        this.thread.exited?.(error);
        this.markClosed();
      },
    });
    worker.on('message', listeners.message).on('error', listeners.error).on('exit', listeners.exit);
    worker.postMessage({
      kind: 'start',
      job: this.job,
      credits: READ_AHEAD,
      ...(this.thread.setup !== undefined && { setup: this.thread.setup }),
    } satisfies ToReaderThread);
  }

  private receive(message: FromReaderThread<B>): void {
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
    if (!outcome.ok || !this.thread.keep) this.terminate();
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = undefined;
    this.settle(outcome).then(waiting.resolve, waiting.reject);
  }

  private settle(outcome: Outcome): Promise<IteratorResult<B>> {
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
    // A kept thread goes on (for `post`) after its end, not after a failure or an abort.
    if (!this.thread.keep || this.outcome?.ok !== true) this.terminate();
  }
}
