import { randomUUID } from 'node:crypto';
import type { BatchJobRow } from '../db/batch-repository.js';
import { SlipwayError } from '../errors.js';
import type { ReadTableOptions, TableReader } from '../monitoring/tables/index.js';
import type { ChunkSizer } from './chunk-sizer.js';
import type { JobOptions } from './job-options.js';
import type { ChunkRollup } from './job-rollups.js';

/** Chunks of a model job being scored at once, ahead of the one being written. */
export const CHUNKS_IN_FLIGHT = 4;
/** Calls refused for want of room (429, 503) are tried again, this many times in all. */
const ATTEMPTS = 6;

/** What one chunk adds to the job's files, and how far the input is read. */
export interface ChunkWrite {
  rows: number;
  /** Its output lines, as UTF-8. */
  lines: Uint8Array;
  refused: string;
  errors: number;
  bytesRead: number;
  /** Its watched features, for drift at the checkpoint that counts its rows. */
  rollup?: ChunkRollup;
}

/** The output's columns, set by the job's first scored row (or its checkpoint). */
export interface OutputState {
  columns: string[] | null;
}

/** One run of a job's chunks: what to read, from where on, and where each chunk goes. */
export interface ChunkRun {
  job: BatchJobRow;
  options: JobOptions;
  read: ReadTableOptions;
  /** The rows of the chunks read next (`read.batchRows` is the first's). */
  sizer: ChunkSizer;
  /** Rows the checkpoint had done. */
  skip: number;
  state: OutputState;
  write: (w: ChunkWrite) => Promise<void>;
  stop: AbortSignal;
  /**
   * Whether a model job's chunks (as tensors or by records) give their features to drift at
   * checkpoints (`rollup`), not in their calls' log rows.
   */
  driftAtCheckpoints: boolean;
}

/**
 * Runs a chunk's call (`call`, started now), and once it has answered sizes the chunks the
 * reader makes from then on by how long it took (`ChunkSizer`).
 */
export function sizedCall<T>(
  run: Pick<ChunkRun, 'sizer'>,
  reader: Pick<TableReader<unknown>, 'progress' | 'resize'>,
  rows: number,
  call: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  return call().then((answer) => {
    const { bytesRead, rowsParsed } = reader.progress;
    const ms = performance.now() - started;
    const bytesPerRow = rowsParsed > 0 ? bytesRead / rowsParsed : 0;
    if (run.sizer.observe({ rows, ms, bytesPerRow })) reader.resize(run.sizer.rows);
    return answer;
  });
}

/**
 * Where a job's batches start in its input, less the rows its checkpoint had done: each batch
 * read gives the row number (1-based) of its first row still to do, and those rows (none for a
 * batch the checkpoint had done whole).
 */
export class ResumeCursor {
  private next = 1;

  constructor(private skip: number) {}

  take<T>(rows: T[]): { first: number; rows: T[] } {
    const skipped = Math.min(this.skip, rows.length);
    const first = this.next + skipped;
    this.next += rows.length;
    this.skip -= skipped;
    return { first, rows: skipped > 0 ? rows.slice(skipped) : rows };
  }
}

/** A refused row's line in the errors file. */
export const refusedLine = (row: number, o: { message: string; field?: string }) =>
  `${JSON.stringify({ row, error: o.message, ...(o.field !== undefined && { field: o.field }) })}\n`;

/**
 * Tries a call again while it is refused for want of room (429, 503), with growing waits. Each
 * try is a call of its own, with an id of its own (`requestId`): a refused try is logged under
 * its id, as every refusal is, and the log keeps one row per id.
 */
export async function retrying<T>(
  signal: AbortSignal,
  call: (requestId: string) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(randomUUID());
    } catch (err) {
      const busy = err instanceof SlipwayError && (err.status === 429 || err.status === 503);
      if (!busy || attempt >= ATTEMPTS || signal.aborted) throw err;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 250 * 2 ** attempt);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }
}
