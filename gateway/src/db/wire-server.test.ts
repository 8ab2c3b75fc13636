import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Inbox, WireServer } from './wire-server.js';

describe('Inbox', () => {
  it('hands out whole messages across chunks, joining each chunk at most once', () => {
    const inbox = new Inbox();
    const bytes = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    for (let i = 0; i < 100; i += 7) inbox.push(bytes.subarray(i, Math.min(100, i + 7)));
    expect(inbox.size).toBe(100);
    expect(inbox.int32(0)).toBe(bytes.readInt32BE(0));
    expect(inbox.int32(5)).toBe(bytes.readInt32BE(5));
    expect([...inbox.take(3)]).toEqual([0, 1, 2]);
    expect([...inbox.take(30)]).toEqual([...bytes.subarray(3, 33)]);
    expect(inbox.int32(0)).toBe(bytes.readInt32BE(33));
    expect([...inbox.take(67)]).toEqual([...bytes.subarray(33)]);
    expect(inbox.size).toBe(0);
  });

  it('copies a message of n chunks once, not once per chunk', () => {
    const inbox = new Inbox();
    const chunk = Buffer.alloc(64 * 1024, 1);
    for (let i = 0; i < 64; i++) inbox.push(chunk);
    const copy = Buffer.concat;
    let copied = 0;
    Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
      copied += total ?? list.reduce((n, b) => n + b.length, 0);
      return copy(list, total);
    }) as typeof Buffer.concat;
    try {
      // A reader looking at the length as each chunk came in, then taking the whole.
      for (let i = 0; i < 64; i++) inbox.int32(0);
      expect(inbox.take(64 * 64 * 1024).length).toBe(64 * 64 * 1024);
    } finally {
      Buffer.concat = copy;
    }
    expect(copied).toBe(64 * 64 * 1024);
  });
});

describe('WireServer', () => {
  let dir: string;
  let db: PGlite;
  let server: WireServer;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-wire-'));
    path = join(dir, '.s.PGSQL.5432');
    db = await PGlite.create();
    server = new WireServer(db, path);
    await server.start();
  });
  afterEach(async () => {
    await server.stop();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves postgres.js: queries, parameters, a value of megabytes, and errors', async () => {
    const sql = postgres({ path, max: 1, onnotice: () => {} });
    try {
      await sql`create table t (id int primary key, body text)`;
      const big = 'x'.repeat(3 * 1024 * 1024) + 'é';
      await sql`insert into t values (${1}, ${big})`;
      const [row] = await sql<{ body: string }[]>`select body from t where id = ${1}`;
      expect(row!.body).toBe(big);
      await expect(sql`insert into t values (${1}, 'again')`).rejects.toMatchObject({
        code: '23505',
      });
      // The session goes on after the error.
      expect((await sql`select count(*)::int as n from t`)[0]!.n).toBe(1);
    } finally {
      await sql.end();
    }
  });

  it('serves one connection at a time, and rolls back what one left open for the next', async () => {
    const first = postgres({ path, max: 1, onnotice: () => {} });
    await first`create table t (id int)`;
    await first.end();
    // A connection that begins a transaction, inserts, and goes away without committing.
    const second = postgres({ path, max: 1, onnotice: () => {} });
    await second.unsafe('begin');
    await second`insert into t values (1)`;
    await second.end({ timeout: 0 });
    const third = postgres({ path, max: 1, onnotice: () => {} });
    // A connection made while another is open waits for it, instead of sharing its session.
    const fourth = postgres({ path, max: 1, onnotice: () => {} });
    const waiting = fourth`select count(*)::int as n from t`;
    try {
      expect((await third`select count(*)::int as n from t`)[0]!.n).toBe(0);
      await third`insert into t values (2)`;
      expect((await third`select count(*)::int as n from t`)[0]!.n).toBe(1);
      await third.unsafe('begin');
      await third`insert into t values (3)`;
    } finally {
      await third.end({ timeout: 0 });
    }
    // It is served once the third has gone, without the third's open transaction.
    try {
      expect((await waiting)[0]!.n).toBe(1);
    } finally {
      await fourth.end();
    }
  });
});
