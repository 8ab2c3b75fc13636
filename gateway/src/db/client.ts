import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import * as schema from './schema.js';
import {
  noCatalogNotices,
  postgresCatalogNotices,
  type CatalogNotices,
} from './catalog-notices.js';

/** Either driver's drizzle database; repositories are written once against this. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DatabaseKind = 'pglite' | 'postgres';

/** An open, migrated database. */
export interface Database {
  db: Db;
  kind: DatabaseKind;
  /** How the gateways sharing this database tell each other of catalog changes. */
  catalogNotices: CatalogNotices;
  close(): Promise<void>;
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/**
 * Opens the database and applies the committed migrations.
 * `url` set: a real Postgres through postgres.js. Otherwise PGlite in `dataDir`
 * (`undefined` dataDir: an in-memory PGlite, for tests).
 */
export async function openDatabase(opts: { url?: string; dataDir?: string }): Promise<Database> {
  if (opts.url) {
    // A server that is away fails a query in about a second (a 503 upstream): postgres.js
    // otherwise waits up to 30 s for a connection, and backs off up to 20 s between attempts.
    const sql = postgres(opts.url, {
      max: 10,
      onnotice: () => {},
      connect_timeout: 5,
      backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    });
    const db = drizzlePostgres(sql, { schema });
    await migratePostgres(db, { migrationsFolder });
    return {
      db: db as unknown as Db,
      kind: 'postgres',
      catalogNotices: postgresCatalogNotices(sql),
      close: () => sql.end({ timeout: 5 }),
    };
  }
  if (opts.dataDir) await mkdir(opts.dataDir, { recursive: true });
  const client = new PGlite(opts.dataDir);
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder });
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    catalogNotices: noCatalogNotices,
    close: () => client.close(),
  };
}

/** What `execute` answered, as rows, from either driver. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows: T[] }).rows ?? []);
}

/** A uuid column's text form: only such ids reach a query on one (the database refuses others). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
