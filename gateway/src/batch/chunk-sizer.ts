/** Rows of a job's first chunk when it names no `chunkSize`: where its chunks start. */
export const DEFAULT_CHUNK_SIZE = 1000;
/** The share of a call's time limit a chunk is sized to take, at the rate seen. */
const CALL_SHARE = 1 / 4;
/**
 * Input bytes past which a chunk grows no more (at the file's bytes a row so far): what a
 * chunk holds while it waits stays small for wide rows. Never below the first chunk's rows.
 */
const CHUNK_BYTES = 1 << 20;

/** What a chunk's call showed: its rows, how long it took, the input's bytes a row. */
export interface ChunkCall {
  rows: number;
  ms: number;
  bytesPerRow: number;
}

/**
 * The rows of a job's next chunk (one data-plane call each). A job that names its `chunkSize`
 * keeps it. Otherwise the chunks start at {@link DEFAULT_CHUNK_SIZE} rows (or `maxBatch`, if
 * less) and each call seen sizes the next: twice as many rows at most, as many as fit a
 * quarter of the version's call time limit at the rate that call ran (its wait behind the
 * job's other chunks included, as the limit counts it), at most `maxBatch`, and no more than
 * a mebibyte of input unless the first chunk's rows already hold more. A fast model's job so
 * pays a call's fixed costs (the log's row, the hops between threads) once for many rows,
 * and a slow model's chunks shrink below its time limit instead of running past it.
 */
export class ChunkSizer {
  private size: number;
  private readonly start: number;

  constructor(
    private readonly limits: { given: number | undefined; maxBatch: number; timeoutMs: number },
  ) {
    this.start = limits.given ?? Math.min(DEFAULT_CHUNK_SIZE, limits.maxBatch);
    this.size = this.start;
  }

  /** The rows of the chunks read from now on. */
  get rows(): number {
    return this.size;
  }

  /** Sizes the next chunks from a call that ended; true when their size changed. */
  observe({ rows, ms, bytesPerRow }: ChunkCall): boolean {
    if (this.limits.given !== undefined || rows <= 0) return false;
    const { maxBatch, timeoutMs } = this.limits;
    const inTime = ms > 0 ? Math.floor((rows * timeoutMs * CALL_SHARE) / ms) : Infinity;
    const inBytes =
      bytesPerRow > 0 ? Math.max(this.start, Math.floor(CHUNK_BYTES / bytesPerRow)) : Infinity;
    const next = Math.max(1, Math.min(maxBatch, 2 * this.size, inTime, inBytes));
    if (next === this.size) return false;
    this.size = next;
    return true;
  }
}
