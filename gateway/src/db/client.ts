import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { seedDataDir, templateKey } from './data-dir-template.js';
import { startEmbeddedDatabase } from './embedded-database.js';
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

/** The committed migrations, applied at every open. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/**
 * Opens the database and applies the committed migrations.
 * `url` set: a real Postgres through postgres.js. Otherwise PGlite in `dataDir`, in a process
 * of its own, through postgres.js too (`undefined` dataDir: an in-memory PGlite in this
 * process, for tests).
 */
export async function openDatabase(opts: {
  url?: string;
  dataDir?: string;
  /**
   * A template a fresh `dataDir` starts as a copy of (data-dir-template.ts), when it was made
   * from these migrations; without one, or with a stale one, the database is created in place.
   */
  template?: string;
  onDatabaseRestart?: (reason: string, restarted: Promise<void>) => void;
}): Promise<Database> {
  if (opts.url) {
    const sql = postgres(opts.url, { ...CLIENT_OPTIONS, max: 10 });
    const db = drizzlePostgres(sql, { schema });
    await migratePostgres(db, { migrationsFolder: MIGRATIONS_FOLDER });
    return {
      db: db as unknown as Db,
      kind: 'postgres',
      catalogNotices: postgresCatalogNotices(sql),
      close: () => sql.end({ timeout: 5 }),
    };
  }
  if (opts.dataDir) {
    await mkdir(opts.dataDir, { recursive: true });
    if (opts.template)
      await seedDataDir(opts.dataDir, opts.template, () => templateKey(MIGRATIONS_FOLDER));
    // PGlite in a process of its own, reached as a Postgres (one session: one connection).
    const embedded = await startEmbeddedDatabase(opts.dataDir, {
      onRestart: opts.onDatabaseRestart,
    });
    const sql = postgres({ ...CLIENT_OPTIONS, path: embedded.socketPath, max: 1 });
    const db = drizzlePostgres(sql, { schema });
    try {
      await migratePostgres(db, { migrationsFolder: MIGRATIONS_FOLDER });
    } catch (err) {
      await sql.end({ timeout: 1 });
      await embedded.stop();
      throw err;
    }
    return {
      db: db as unknown as Db,
      kind: 'pglite',
      catalogNotices: noCatalogNotices,
      close: async () => {
        await sql.end({ timeout: 5 });
        await embedded.stop();
      },
    };
  }
  // In memory (tests): in this process.
  const client = new PGlite();
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    catalogNotices: noCatalogNotices,
    close: () => client.close(),
  };
}

/**
 * A server that is away fails a query in about a second (a 503 upstream): postgres.js otherwise
 * waits up to 30 s for a connection, and backs off up to 20 s between attempts.
 */
const CLIENT_OPTIONS = {
  onnotice: () => {},
  connect_timeout: 5,
  backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
};

/** What `execute` answered, as rows, from either driver. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows: T[] }).rows ?? []);
}

/** A uuid column's text form: only such ids reach a query on one (the database refuses others). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
