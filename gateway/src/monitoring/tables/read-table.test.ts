import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, TooLargeError } from '../../errors.js';
import type { ColumnSpec, Row } from './columns.js';
import { readerThreads, readTable, readTableOn, type ReaderThread } from './read-table.js';
import { tableDir } from './testing/table-files.js';

const files = tableDir();
afterAll(() => files.remove());

const spec: ColumnSpec[] = [
  { name: 'id', type: 'string', required: true },
  { name: 'actual', type: 'number', required: true },
];

const N = 200_000;
const BATCH = 1000;
/** A 200,000-row CSV (a few MB); `bad` puts text in `actual` at that row. */
const bigCsv = (bad?: number) => {
  const lines = ['id,actual,note'];
  for (let i = 1; i <= N; i++) lines.push(`r${i},${i === bad ? 'oops' : i * 0.5},n`);
  return files.text('csv', lines.join('\n') + '\n');
};
/**
 * The most rows one piece of the file (64 KiB, a read stream's) holds: the reader parses a
 * piece at a time, so it may be that far past its batches.
 */
const PIECE_ROWS = Math.ceil((64 * 1024) / 'r1,0.5,n\n'.length);
let big: string;
beforeAll(() => {
  big = bigCsv();
});

describe('reading a table on a thread of its own', () => {
  it('streams a large file: each batch arrives with the thread at most two batches (and a piece of the file) ahead', async () => {
    const size = statSync(big).size;
    const reader = readTable(big, { format: 'csv', columns: spec, batchRows: BATCH });
    let batches = 0;
    let rows = 0;
    let last: Row | undefined;
    for await (const batch of reader) {
      batches++;
      rows += batch.length;
      last = batch[batch.length - 1];
      // Credit-based flow: the thread has sent at most the batches taken plus two, and parsed
      // at most the rest of the piece of the file it was in.
      expect(reader.progress.rowsParsed).toBeLessThanOrEqual((batches + 2) * BATCH + PIECE_ROWS);
      if (batches === 1) expect(reader.progress.bytesRead).toBeLessThan(size / 4);
    }
    expect(batches).toBe(N / BATCH);
    expect(rows).toBe(N);
    expect(last).toEqual({ id: `r${N}`, actual: N * 0.5 });
    expect(reader.summary).toEqual({
      format: 'csv',
      rows: N,
      absentColumns: [],
      extraColumns: ['note'],
    });
    await reader.closed;
  });

  it('keeps a thread whose read ended cleanly for the next read, which it serves as a new one would', async () => {
    readerThreads.clear();
    const first = readTable(big, { format: 'csv', columns: spec, batchRows: BATCH });
    for await (const _ of first);
    await first.closed;
    expect(readerThreads.size).toBe(1);
    const reused = readerThreads.reused;
    const reader = readTable(big, { format: 'csv', columns: spec, batchRows: 7 * BATCH });
    let rows = 0;
    let batches = 0;
    for await (const batch of reader) {
      if (batches++ === 0) expect(readerThreads.reused).toBe(reused + 1);
      // In order from the first row, each once; and no further ahead than a new thread's
      // credits allow (those left over from the read before are gone).
      expect(batch[0]).toEqual({ id: `r${rows + 1}`, actual: (rows + 1) * 0.5 });
      rows += batch.length;
      expect(reader.progress.rowsParsed).toBeLessThanOrEqual(
        (batches + 2) * 7 * BATCH + PIECE_ROWS,
      );
    }
    expect(rows).toBe(N);
    expect(reader.summary?.rows).toBe(N);
    expect(readerThreads.size).toBe(1);
  });

  it('gives a warm thread’s next read only the credits of its start, and none of the messages of the read before', async () => {
    // Rows of one piece of the file: the thread makes batch after batch with no wait for the
    // file, until it runs out of credits; it answers the count after the messages before it.
    const eight = files.text(
      'csv',
      `id,actual\n${[1, 2, 3, 4, 5, 6, 7, 8].map((i) => `r${i},${i}`).join('\n')}\n`,
    );
    const thread: ReaderThread = {
      entry: new URL('./testing/counting-thread.js', import.meta.url),
      keep: true,
    };
    const seen: unknown[][] = [];
    readerThreads.clear();
    const reused = readerThreads.reused;
    for (let read = 0; read < 2; read++) {
      const mine: unknown[] = [];
      seen.push(mine);
      let answered: (() => void) | undefined;
      thread.other = (m) => (mine.push(m), answered?.());
      const reader = readTableOn<Row[]>(thread, eight, {
        format: 'csv',
        columns: spec,
        batchRows: 1,
      });
      expect((await reader.next()).value).toEqual([{ id: 'r1', actual: 1 }]);
      // Two credits at the start and one for the batch taken: three sent, a fourth made.
      await new Promise<void>((resolve) => {
        answered = resolve;
        reader.post({ kind: 'count' });
      });
      for await (const _ of reader);
      // Asked, then stopped at once: the answer (8 made) comes after the thread was given
      // back, and the next read must not take it for its own.
      reader.post({ kind: 'count' });
      reader.stop();
      await reader.closed;
    }
    expect(readerThreads.reused).toBe(reused + 1);
    expect(readerThreads.size).toBe(1);
    expect(seen).toEqual([[{ kind: 'count', made: 4 }], [{ kind: 'count', made: 4 }]]);
  });

  it('ends a thread whose read failed or stopped early: the next read gets a new one', async () => {
    readerThreads.clear();
    const bad = readTable(bigCsv(2 * BATCH + 1), {
      format: 'csv',
      columns: spec,
      batchRows: BATCH,
    });
    await expect(
      (async () => {
        for await (const _ of bad);
      })(),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await bad.closed;
    const early = readTable(big, { format: 'csv', columns: spec, batchRows: BATCH });
    await early.next();
    await early.return!();
    await early.closed;
    expect(readerThreads.size).toBe(0);
    const reused = readerThreads.reused;
    const next = readTable(big, { format: 'csv', columns: spec, batchRows: BATCH, maxRows: 10 });
    await expect(next.next()).rejects.toBeInstanceOf(TooLargeError);
    expect(readerThreads.reused).toBe(reused);
  });

  it('ends the thread when the consumer stops early', async () => {
    const reader = readTable(big, { format: 'csv', columns: spec, batchRows: BATCH });
    for await (const batch of reader) {
      expect(batch).toHaveLength(BATCH);
      break;
    }
    await reader.closed; // resolves on the thread's exit
    expect(reader.progress.rowsParsed).toBeLessThanOrEqual(3 * BATCH + PIECE_ROWS);
    expect(await reader.next()).toEqual({ done: true, value: undefined });
    expect(reader.summary).toBeUndefined();
  });

  it('rejects with the signal’s reason and ends the thread on abort', async () => {
    const controller = new AbortController();
    const reader = readTable(big, {
      format: 'csv',
      columns: spec,
      batchRows: BATCH,
      signal: controller.signal,
    });
    expect((await reader.next()).value).toHaveLength(BATCH);
    const reason = new Error('the upload was cancelled');
    controller.abort(reason);
    await expect(reader.next()).rejects.toBe(reason);
    await reader.closed;
    expect(await reader.next()).toEqual({ done: true, value: undefined });
  });

  it('rejects on abort even when the thread has already sent the end', async () => {
    const controller = new AbortController();
    const small = files.text('csv', 'id,actual\na,1\nb,2\n');
    const reader = readTable(small, {
      format: 'csv',
      columns: spec,
      batchRows: 1,
      signal: controller.signal,
    });
    expect((await reader.next()).value).toEqual([{ id: 'a', actual: 1 }]);
    // Whether or not the second batch and the end are queued here, the read fails as a whole.
    controller.abort();
    await expect(reader.next()).rejects.toMatchObject({ name: 'AbortError' });
    expect(reader.summary).toBeUndefined();
    await reader.closed;
  });

  it('starts no thread for a signal already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const reader = readTable(big, { format: 'csv', columns: spec, signal: controller.signal });
    await expect(reader.next()).rejects.toMatchObject({ name: 'AbortError' });
    await reader.closed;
    expect(reader.progress.bytesRead).toBe(0);
  });

  it('delivers the rows before a bad one, then rejects with its typed error: all or nothing', async () => {
    const bad = 150_001;
    const reader = readTable(bigCsv(bad), { format: 'csv', columns: spec, batchRows: BATCH });
    const taken: Row[][] = [];
    let committed = false;
    const err = await (async () => {
      for await (const batch of reader) taken.push(batch);
      committed = true;
    })().catch((e: unknown) => e);
    expect(committed).toBe(false);
    expect(taken).toHaveLength(150);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toMatchObject({
      status: 400,
      code: 'invalid_cell',
      field: 'actual',
      message: `row ${bad}, column "actual": expected a number, got "oops"`,
    });
    await reader.closed;
  });

  it('refuses a missing column before any row, and a limit with a 413', async () => {
    const noActual = files.text('csv', 'id,label\na,1\n');
    const missing = readTable(noActual, { format: 'csv', columns: spec });
    await expect(missing.next()).rejects.toMatchObject({
      code: 'missing_column',
      field: 'actual',
      message: 'the table has no column "actual" (required); its columns: "id", "label"',
    });
    const limited = readTable(big, { format: 'csv', columns: spec, maxRows: 10, batchRows: 4 });
    const err = await (async () => {
      for await (const _ of limited);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TooLargeError);
    expect((err as Error).message).toBe('the table has more than 10 rows, the limit');
  });

  it('makes its batches of a new size once resized: those it had made keep theirs', async () => {
    const reader = readTable(big, { format: 'csv', columns: spec, batchRows: BATCH });
    const sizes: number[] = [];
    let next = 1;
    for await (const batch of reader) {
      sizes.push(batch.length);
      // In order, each row once.
      expect(batch[0]).toEqual({ id: `r${next}`, actual: next * 0.5 });
      next += batch.length;
      if (sizes.length === 3) reader.resize(5 * BATCH);
    }
    expect(next - 1).toBe(N);
    // Made before the resize: the three taken, the two the thread had ready and the one it
    // was making; after it, the new size (but the last, the rest of the file).
    const old = sizes.slice(0, -1).filter((s) => s === BATCH).length;
    expect(old).toBeGreaterThanOrEqual(3);
    expect(old).toBeLessThanOrEqual(6);
    expect(sizes.slice(old, -1).every((s) => s === 5 * BATCH)).toBe(true);
    expect(sizes.slice(old, -1).length).toBeGreaterThan(30);

    // Resized before its first batch: the thread starts with the new size.
    const early = readTable(big, { format: 'csv', columns: spec, batchRows: BATCH });
    early.resize(7);
    const first = await early.next();
    expect(first.value).toHaveLength(7);
    await early.return!();
    expect(() => early.resize(0)).toThrow('batchRows must be at least 1');
  });

  it('reads JSONL and Parquet the same way', async () => {
    const jsonl = files.text('jsonl', '{"id":"a","actual":1}\n{"id":"b","actual":2.5,"x":1}\n');
    const parquet = files.parquet([
      { name: 'id', data: ['a', 'b'], type: 'STRING' },
      { name: 'actual', data: [1, 2.5], type: 'DOUBLE' },
    ]);
    for (const [path, format] of [
      [jsonl, 'jsonl'],
      [parquet, 'parquet'],
    ] as const) {
      const reader = readTable(path, { format, columns: spec });
      const rows: Row[] = [];
      for await (const batch of reader) rows.push(...batch);
      expect(rows).toEqual([
        { id: 'a', actual: 1 },
        { id: 'b', actual: 2.5 },
      ]);
      expect(reader.summary?.rows).toBe(2);
    }
  });

  it('reports a file that cannot be opened as a plain error (a 500, not the client’s fault)', async () => {
    const reader = readTable(`${files.dir}/missing.csv`, { format: 'csv', columns: spec });
    const err = await reader.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/^the table reader thread failed: ENOENT/);
  });
});
