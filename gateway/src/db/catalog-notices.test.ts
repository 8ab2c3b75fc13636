import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/databases.js';
import { noCatalogNotices } from './catalog-notices.js';
import { openDatabase, type Database } from './client.js';

/** What a subscriber was told, in order, and a way to wait until it was told `count` things. */
function inbox() {
  const got: (string | undefined)[] = [];
  const waiting: { count: number; done: () => void }[] = [];
  return {
    got,
    onChange(name: string | undefined) {
      got.push(name);
      for (const w of waiting.filter((w) => got.length >= w.count)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.done();
      }
    },
    told(count: number): Promise<void> {
      if (got.length >= count) return Promise.resolve();
      return new Promise((done) => waiting.push({ count, done }));
    },
  };
}

describe('noCatalogNotices (PGlite)', () => {
  it('announces to no one and never calls back', async () => {
    const box = inbox();
    const stop = await noCatalogNotices.subscribe((n) => box.onChange(n));
    await noCatalogNotices.announce('m');
    await stop();
    expect(box.got).toEqual([]);
  });
});

describe.skipIf(!process.env.SLIPWAY_TEST_DATABASE_URL)(
  'postgresCatalogNotices (LISTEN/NOTIFY on a real Postgres)',
  () => {
    // Two gateways' connections to one database.
    let a: TestDatabase;
    let b: Database;
    beforeAll(async () => {
      a = await openTestDatabase('postgres');
      b = await openDatabase({ url: a.url });
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
    });

    it('tells every subscriber, after a dropped connection too, and stops when asked', async () => {
      const box = inbox();
      const probe = inbox();
      const stop = await b.catalogNotices.subscribe((n) => box.onChange(n));
      await b.catalogNotices.subscribe((n) => probe.onChange(n));
      // Listening: whatever was held may be stale.
      expect(box.got).toEqual([undefined]);

      await a.catalogNotices.announce('from-a');
      await b.catalogNotices.announce('from-b');
      await box.told(3);
      expect(box.got).toEqual([undefined, 'from-a', 'from-b']);

      // The server drops the listening connection: postgres.js listens again, and says so.
      const dropped = await a.db.execute(
        sql`select pg_terminate_backend(pid) from pg_stat_activity
            where datname = current_database() and query ilike 'listen%'`,
      );
      expect(Array.isArray(dropped) ? dropped.length : 0).toBe(1);
      await box.told(4);
      expect(box.got[3]).toBeUndefined();
      await a.catalogNotices.announce('after-drop');
      await box.told(5);
      expect(box.got[4]).toBe('after-drop');

      // Once stopped, nothing more arrives (the probe, on the same connection, shows it came).
      await stop();
      const probed = probe.got.length;
      await a.catalogNotices.announce('after-stop');
      await probe.told(probed + 1);
      expect(probe.got.at(-1)).toBe('after-stop');
      expect(box.got).toHaveLength(5);
    });
  },
);
