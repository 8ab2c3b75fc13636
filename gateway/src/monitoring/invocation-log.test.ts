import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InvocationRow } from '../db/invocation-repository.js';
import { InvocationJournal, JournalFullError } from './invocation-journal.js';
import { InvocationLog, type InvocationSink } from './invocation-log.js';
import { jsonValue } from './loggable-row.js';

const row = (i: number, over: Partial<InvocationRow> = {}): InvocationRow => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  deploymentName: 'm',
  version: 1,
  time: new Date(Date.UTC(2026, 10, 29, 6, 0, i)),
  latencyMs: 1,
  status: 200,
  protocol: 'records',
  input: { i },
  output: null,
  error: null,
  ...over,
});
const ids = (rows: InvocationRow[]) => rows.map((r) => Number(r.id.slice(-12)));

/** A database that keeps rows by id (as `on conflict do nothing` does) and can be switched off. */
class FakeDatabase implements InvocationSink {
  readonly rows = new Map<string, InvocationRow>();
  inserts: number[] = [];
  down = false;
  /** Rows it refuses, as Postgres refuses a \u0000 in jsonb. */
  refuse = (_r: InvocationRow) => false;
  async insertMany(rows: InvocationRow[]) {
    if (this.down) throw new Error('connection refused');
    if (rows.some(this.refuse)) throw new Error('unsupported Unicode escape sequence');
    this.inserts.push(rows.length);
    for (const r of rows)
      if (!this.rows.has(r.id))
        this.rows.set(r.id, { ...r, input: jsonValue(r.input), output: jsonValue(r.output) });
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const journalIn = (maxBytes = 1 << 30) => new InvocationJournal(dir, { maxBytes });
const segments = async () => (await readdir(dir)).filter((f) => f.endsWith('.jsonl'));

describe('InvocationLog', () => {
  it('resolves a record once it is on disk, before the database has it', async () => {
    const db = new FakeDatabase();
    const log = new InvocationLog(journalIn(), db, { flushMs: 60_000 });
    await log.replay();
    await Promise.all([0, 1, 2].map((i) => log.record(row(i))));
    expect(db.rows.size).toBe(0);
    // A new log on the same folder — what a restart after kill -9 sees — finds them.
    const after = new FakeDatabase();
    await new InvocationLog(journalIn(), after).replay();
    expect(ids([...after.rows.values()]).sort()).toEqual([0, 1, 2]);
    expect(await segments()).toEqual([]);
  });

  it('moves rows to the database in multi-row inserts, in order, and empties the journal', async () => {
    const db = new FakeDatabase();
    const log = new InvocationLog(journalIn(), db, { flushMs: 60_000, batchSize: 10 });
    await log.replay();
    await Promise.all(Array.from({ length: 25 }, (_, i) => log.record(row(i))));
    await log.flush();
    expect(db.inserts).toEqual([10, 10, 5]);
    expect(ids([...db.rows.values()])).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(await segments()).toEqual([]);
    expect(log.pendingBytes).toBe(0);
  });

  it('ends a batch of large calls before its row count, at the byte limit', async () => {
    const db = new FakeDatabase();
    const log = new InvocationLog(journalIn(), db, {
      flushMs: 60_000,
      batchSize: 100,
      batchBytes: 5_000,
    });
    await log.replay();
    // Ten calls of about 2 kB each: two to an insert (a third would pass 5,000).
    for (let i = 0; i < 10; i++) await log.record(row(i, { input: { s: 'x'.repeat(2_000) } }));
    await log.record(row(10));
    await log.flush();
    expect(db.inserts).toEqual([2, 2, 2, 2, 3]);
    expect(ids([...db.rows.values()])).toEqual(Array.from({ length: 11 }, (_, i) => i));
  });

  it('keeps rows on disk while the database is away, and writes them when it is back', async () => {
    const db = new FakeDatabase();
    const errors: unknown[] = [];
    const log = new InvocationLog(journalIn(), db, {
      flushMs: 60_000,
      onError: (e) => errors.push(e),
    });
    await log.replay();
    db.down = true;
    await log.record(row(1));
    await log.record(row(2));
    await expect(log.flush()).rejects.toThrow('connection refused');
    expect(errors).toHaveLength(1);
    await log.record(row(3));
    expect(await segments()).toHaveLength(2);
    db.down = false;
    await log.flush();
    expect(ids([...db.rows.values()])).toEqual([1, 2, 3]);
    expect(await segments()).toEqual([]);
  });

  it('isolates a row the database refuses: stored without its values, with a note; the others whole', async () => {
    const db = new FakeDatabase();
    db.refuse = (r) => JSON.stringify(r.input ?? null).includes('\\u0000');
    const log = new InvocationLog(journalIn(), db, { flushMs: 60_000, batchSize: 100 });
    await log.replay();
    for (let i = 0; i < 9; i++)
      await log.record(row(i, i === 4 ? { input: { s: 'a\u0000b' } } : {}));
    await log.flush();
    expect(db.rows.size).toBe(9);
    const bad = db.rows.get(row(4).id)!;
    expect(bad.input).toBeNull();
    expect(bad.truncated).toMatch(/^the database refused the row: unsupported Unicode/);
    expect(db.rows.get(row(5).id)!.input).toEqual({ i: 5 });
    expect(db.rows.get(row(5).id)!.truncated).toBeNull();
  });

  it('leaves out an input it cannot write as JSON, or one over the size limit, and says so', async () => {
    const db = new FakeDatabase();
    const log = new InvocationLog(journalIn(), db, { flushMs: 60_000, maxValueBytes: 100 });
    await log.replay();
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    await log.record(row(1, { input: deep }));
    await log.record(row(2, { input: { big: 'x'.repeat(200) }, output: { ok: true } }));
    await log.record(row(3));
    await log.flush();
    expect(db.rows.get(row(1).id)).toMatchObject({
      input: null,
      truncated: 'input could not be written as JSON',
    });
    expect(db.rows.get(row(2).id)).toMatchObject({
      input: null,
      output: { ok: true },
      truncated: expect.stringMatching(/^input is \d+ bytes of JSON, over the log's 100$/),
    });
    expect(db.rows.get(row(3).id)).toMatchObject({ input: { i: 3 }, truncated: null });
  });

  it('keeps the values of one call in ten while the database is behind, counting the others', async () => {
    const db = new FakeDatabase();
    db.down = true;
    let sampledOut = 0;
    const big = { values: 'x'.repeat(1000) };
    const log = new InvocationLog(journalIn(), db, {
      flushMs: 60_000,
      sampleAboveBytes: 5_000,
      onSampledOut: () => sampledOut++,
    });
    await log.replay();
    // Four calls of about 1.2 KB fill the allowance; from the fifth, one in ten keeps its values.
    for (let i = 0; i < 25; i++) await log.record(row(i, { input: big, output: [i] }));
    expect(sampledOut).toBe(18);
    db.down = false;
    await log.flush();
    const kept = [...db.rows.values()].filter((r) => r.input !== null);
    expect(ids(kept)).toEqual([0, 1, 2, 3, 4, 14, 24]);
    expect(kept.every((r) => (r.output as number[])[0] === ids([r])[0])).toBe(true);
    const left = db.rows.get(row(5).id)!;
    expect(left).toMatchObject({ input: null, output: null, status: 200 });
    expect(left.truncated).toMatch(/behind the database, and kept them for one call in 10/);
    // Caught up: every call keeps its values again.
    await log.record(row(30, { input: big }));
    await log.flush();
    expect(db.rows.get(row(30).id)!.input).toEqual(big);
  });

  it('refuses a row past the journal limit, keeping what it holds', async () => {
    const db = new FakeDatabase();
    db.down = true;
    const log = new InvocationLog(journalIn(600), db, { flushMs: 60_000 });
    await log.replay();
    let refused: unknown;
    for (let i = 0; i < 10 && !refused; i++) await log.record(row(i)).catch((e) => (refused = e));
    expect(refused).toBeInstanceOf(JournalFullError);
    const kept = log.pendingBytes;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(600);
    db.down = false;
    await log.flush();
    expect(db.rows.size).toBeGreaterThan(0);
    await log.record(row(99));
  });

  it('drops a line a crash cut short, and reads every whole line', async () => {
    const db = new FakeDatabase();
    const errors: unknown[] = [];
    await writeFile(
      join(dir, '000000000007.jsonl'),
      `${JSON.stringify(row(1))}\n${JSON.stringify(row(2))}\n{"id":"00000000-0000-4000-8000-0000000`,
    );
    const log = new InvocationLog(journalIn(), db, { onError: (e) => errors.push(e) });
    await log.replay();
    expect(ids([...db.rows.values()])).toEqual([1, 2]);
    await log.record(row(3));
    // New segments continue after the ones found.
    expect(await segments()).toEqual(['000000000008.jsonl']);
  });

  it('writes what is left on close, and takes no row after it', async () => {
    const db = new FakeDatabase();
    const log = new InvocationLog(journalIn(), db, { flushMs: 60_000 });
    await log.replay();
    await log.record(row(1));
    await log.close();
    expect(db.rows.size).toBe(1);
    await expect(log.record(row(2))).rejects.toThrow('closed');
  });
});
