import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, openDatabase, rowsOf } from './client.js';
import { seedDataDir, TEMPLATE_MARK, templateData, templateKey } from './data-dir-template.js';
import { makeTemplate } from './make-db-template.js';

let dir: string;
let template: string;
let key: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-template-'));
  template = join(dir, 'template');
  await makeTemplate(template);
  key = await templateKey(MIGRATIONS_FOLDER);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const migrations = async (db: Awaited<ReturnType<typeof openDatabase>>) =>
  rowsOf<{ n: number }>(
    await db.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
  )[0]!.n;

describe('the embedded database template', () => {
  it('is a migrated database, marked with the key of what it was made from', async () => {
    expect((await readdir(template)).sort()).toEqual(['data', TEMPLATE_MARK]);
    expect(await readdir(templateData(template))).toContain('PG_VERSION');
    // Another PGlite or other migrations would give another key.
    expect(key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('seeds a fresh data dir, which opens as a migrated database that keeps what is written', async () => {
    const dataDir = join(dir, 'fresh');
    expect(await seedDataDir(dataDir, template, async () => key)).toBe(true);
    expect((await readdir(dataDir)).sort()).toEqual((await readdir(templateData(template))).sort());
    const db = await openDatabase({ dataDir, template });
    try {
      expect(await migrations(db)).toBeGreaterThan(0);
      await db.db.execute(sql`create table kept (v text)`);
      await db.db.execute(sql`insert into kept values ('written after the copy')`);
    } finally {
      await db.close();
    }
    // Opened again (with the template named), the data dir is the one written to, not a new copy.
    const again = await openDatabase({ dataDir, template });
    try {
      expect(rowsOf(await again.db.execute(sql`select v from kept`))).toEqual([
        { v: 'written after the copy' },
      ]);
    } finally {
      await again.close();
    }
  });

  it('is not used when made from something else, nor over a data dir that holds a database', async () => {
    const stale = join(dir, 'stale');
    await makeTemplate(stale);
    await writeFile(
      join(stale, TEMPLATE_MARK),
      JSON.stringify({ key: 'made from other migrations' }),
    );
    const dataDir = join(dir, 'created');
    expect(await seedDataDir(dataDir, stale, async () => key)).toBe(false);
    expect(await seedDataDir(dataDir, join(dir, 'no such template'), async () => key)).toBe(false);
    // Without a usable template the database is created in place, as before templates.
    const db = await openDatabase({ dataDir, template: stale });
    await db.close();
    expect(await readdir(dataDir)).toContain('PG_VERSION');
    expect(await seedDataDir(dataDir, template, async () => key)).toBe(false);
  });
});
