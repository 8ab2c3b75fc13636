import { describe, expect, it } from 'vitest';
import { ChunkSizer, DEFAULT_CHUNK_SIZE } from './chunk-sizer.js';

const limits = { given: undefined, maxBatch: 10_000, timeoutMs: 30_000 };
/** Calls of the size the sizer asks for, each taking `msPerRow` a row; the sizes it asked. */
function sizes(sizer: ChunkSizer, calls: number, msPerRow: number, bytesPerRow = 30): number[] {
  const seen = [sizer.rows];
  for (let i = 0; i < calls; i++) {
    sizer.observe({ rows: sizer.rows, ms: sizer.rows * msPerRow, bytesPerRow });
    seen.push(sizer.rows);
  }
  return seen;
}

describe("a job's chunk sizes", () => {
  it('keep the chunkSize a job names, however its calls go', () => {
    const sizer = new ChunkSizer({ ...limits, given: 250 });
    expect(sizes(sizer, 5, 0.001)).toEqual([250, 250, 250, 250, 250, 250]);
    expect(sizer.observe({ rows: 250, ms: 60_000, bytesPerRow: 30 })).toBe(false);
    expect(sizer.rows).toBe(250);
  });

  it("start at the default and double, for a fast model's calls, up to the records a call may carry", () => {
    const sizer = new ChunkSizer(limits);
    expect(sizes(sizer, 6, 0.004)).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    // A gateway that takes fewer records a call starts and stays there.
    expect(sizes(new ChunkSizer({ ...limits, maxBatch: 300 }), 2, 0.004)).toEqual([300, 300, 300]);
  });

  it('grow only while a chunk takes at most a quarter of the call time limit', () => {
    // 1 ms a row, a 30 s limit: 7,500 rows fit a quarter of it.
    expect(sizes(new ChunkSizer(limits), 5, 1)).toEqual([1000, 2000, 4000, 7500, 7500, 7500]);
  });

  it("shrink for a slow model's calls, down to one row, below the call time limit", () => {
    // 20 ms a row: 1,000 rows take 20 s, near a 30 s limit; 375 rows take 7.5 s.
    expect(sizes(new ChunkSizer(limits), 2, 20)).toEqual([1000, 375, 375]);
    // A call that takes longer than a quarter of the limit for one row: chunks of one row.
    expect(sizes(new ChunkSizer(limits), 1, 9000)).toEqual([1000, 1]);
  });

  it('grow no further than a mebibyte of input, but never below where they started', () => {
    // 500 bytes a row: 2,097 rows hold a mebibyte.
    expect(sizes(new ChunkSizer(limits), 3, 0.001, 500)).toEqual([1000, 2000, 2097, 2097]);
    // Rows of 4 KB: the chunks stay at the default.
    expect(sizes(new ChunkSizer(limits), 2, 0.001, 4096)).toEqual([1000, 1000, 1000]);
    expect(DEFAULT_CHUNK_SIZE).toBe(1000);
  });

  it('say whether the size changed, and ignore a call of no rows', () => {
    const sizer = new ChunkSizer(limits);
    expect(sizer.observe({ rows: 0, ms: 0, bytesPerRow: 0 })).toBe(false);
    expect(sizer.observe({ rows: 1000, ms: 0, bytesPerRow: 0 })).toBe(true);
    expect(sizer.rows).toBe(2000);
  });
});
