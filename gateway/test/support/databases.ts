import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { noCatalogNotices } from '../../src/db/catalog-notices.js';
import { openDatabase, type Database, type DatabaseKind, type Db } from '../../src/db/client.js';
import * as schema from '../../src/db/schema.js';

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
let migrated: Promise<File | Blob> | undefined;

/**
 * A fresh, migrated, in-memory PGlite. Creating one runs initdb and the migrations (seconds
 * under load), so that happens once per test process, and each database starts from a copy.
 */
async function openPglite(): Promise<TestDatabase> {
  migrated ??= (async () => {
    const template = new PGlite();
    await migrate(drizzle(template, { schema }), { migrationsFolder });
    const dump = await template.dumpDataDir('none');
    await template.close();
    return dump;
  })();
  const client = await PGlite.create({ loadDataDir: await migrated });
  return {
    db: drizzle(client, { schema }) as unknown as Db,
    kind: 'pglite',
    catalogNotices: noCatalogNotices,
    close: () => client.close(),
  };
}

/**
 * The databases a test suite runs on: PGlite always, and a real Postgres when
 * `SLIPWAY_TEST_DATABASE_URL` points at a server (CI sets it). Each call gets a fresh,
 * empty, migrated database; `close()` drops it.
 */
export const testDatabaseKinds: DatabaseKind[] = process.env.SLIPWAY_TEST_DATABASE_URL
  ? ['pglite', 'postgres']
  : ['pglite'];

/** The kind app-level suites use: the real server when there is one. */
export const primaryTestDatabaseKind: DatabaseKind = process.env.SLIPWAY_TEST_DATABASE_URL
  ? 'postgres'
  : 'pglite';

export interface TestDatabase extends Database {
  /** Connection URL (postgres) or undefined (in-memory PGlite). */
  url?: string;
}

export async function openTestDatabase(
  kind: DatabaseKind = primaryTestDatabaseKind,
): Promise<TestDatabase> {
  if (kind === 'pglite') return openPglite();
  const serverUrl = process.env.SLIPWAY_TEST_DATABASE_URL;
  if (!serverUrl) throw new Error('SLIPWAY_TEST_DATABASE_URL is not set');
  const dbName = `slipway_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  const opened = await openDatabase({ url: url.toString() });
  return {
    ...opened,
    url: url.toString(),
    async close() {
      await opened.close();
      const a = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${dbName} with (force)`);
      await a.end();
    },
  };
}

/**
 * One migrated database for a whole test file, emptied after each test: booting and migrating
 * a database per test costs seconds, emptying one costs milliseconds. Call at the top of a file;
 * the getter answers the open database inside tests and hooks.
 */
export function sharedTestDatabase(
  kind: DatabaseKind = primaryTestDatabaseKind,
): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterEach(async () => {
    await database?.db.execute(
      sql`truncate table artifacts, deployments, versions, tokens, invocations, runs, users, audit_log, approvals cascade`,
    );
  });
  afterAll(async () => {
    await database?.close();
  });
  return () => {
    if (!database) throw new Error('sharedTestDatabase: used outside a test or hook');
    return database;
  };
}
