import type { InvocationRow } from '../db/invocation-repository.js';

/** Where flushed batches go. */
export interface InvocationSink {
  insertMany(rows: InvocationRow[]): Promise<void>;
}

export interface InvocationLogOptions {
  /** Longest a row waits in memory before it is written. */
  flushMs?: number;
  /** A batch this big is written at once. */
  batchSize?: number;
  /** Rows kept in memory while the database is failing; beyond that the oldest are dropped. */
  maxBuffered?: number;
  onError?: (err: unknown, droppedRows: number) => void;
}

/**
 * Records every call without putting the database on the hot path: rows are buffered and
 * written as one multi-row insert per batch. `flush()` writes what is buffered now (the
 * metrics and invocations endpoints call it so an answer includes the calls just made).
 */
export class InvocationLog {
  private buffer: InvocationRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly flushMs: number;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private readonly onError: (err: unknown, dropped: number) => void;
  private closed = false;

  constructor(
    private readonly sink: InvocationSink,
    {
      flushMs = 200,
      batchSize = 500,
      maxBuffered = 100_000,
      onError = () => {},
    }: InvocationLogOptions = {},
  ) {
    this.flushMs = flushMs;
    this.batchSize = batchSize;
    this.maxBuffered = maxBuffered;
    this.onError = onError;
  }

  record(row: InvocationRow): void {
    if (this.closed) return;
    this.buffer.push(row);
    if (this.buffer.length >= this.batchSize) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes everything buffered so far; resolves when it is in the database. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const rows = this.buffer;
    this.buffer = [];
    // Batches are written one after another so rows land in order and the pool is not flooded.
    this.inFlight = this.inFlight.then(() => this.write(rows));
    return this.inFlight;
  }

  private async write(rows: InvocationRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += this.batchSize) {
      const batch = rows.slice(i, i + this.batchSize);
      try {
        await this.sink.insertMany(batch);
      } catch (err) {
        if (this.closed) {
          this.onError(err, batch.length);
          continue;
        }
        // Keep the rows for the next flush, within the memory bound.
        this.buffer = batch.concat(this.buffer);
        const over = this.buffer.length - this.maxBuffered;
        if (over > 0) this.buffer.splice(0, over);
        this.onError(err, Math.max(over, 0));
        if (!this.timer) {
          this.timer = setTimeout(() => void this.flush(), this.flushMs * 5);
          this.timer.unref();
        }
      }
    }
  }

  /** Writes what is left and stops accepting rows. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }
}
