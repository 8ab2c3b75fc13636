import { rm } from 'node:fs/promises';
import { inspect } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { holdDataDir } from './data-dir-lock.js';
import { WireServer } from './wire-server.js';

/**
 * The embedded database's own process: PGlite on `<dataDir>`, served over the Postgres wire
 * protocol on a Unix socket only its gateway can reach (one connection: PGlite has one session).
 * It lives as long as its gateway: it closes the database cleanly when the gateway asks, and
 * also when the gateway is gone (the IPC channel closes, kill -9 included). Ctrl-C in a terminal
 * reaches the whole process group; this process waits for its gateway to finish writing instead.
 *
 * Usage (by `startEmbeddedDatabase` only): `embedded-database-process <dataDir> <socketPath>`.
 */
/**
 * PGlite's buffer pool is 160 MB, held once touched (WebAssembly memory is never given back): a
 * tenth of it keeps the idle process near 200 MB instead of 330 MB. The database's files stay in
 * the operating system's cache; a deployment that needs more runs on PostgreSQL.
 */
const SETTINGS = ['shared_buffers = 16MB', 'wal_buffers = 4MB', 'maintenance_work_mem = 16MB'];

/** The longest a clean close may take. */
const CLOSE_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  const [dataDir, socketPath] = process.argv.slice(2);
  if (!dataDir || !socketPath || !process.send)
    throw new Error('usage: <dataDir> <socketPath>, with an IPC channel');
  // What is open so far, for `stop` (the gateway may go at any moment of the start).
  const open: { db?: PGlite; server?: WireServer; release?: () => Promise<void> } = {};
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // A close that hangs must not hold the data dir from the next gateway: past the deadline
      // the process ends as a crash would (PGlite recovers from its WAL at the next open).
      setTimeout(() => {
        process.stderr.write('[slipway-db] the database did not close in time: ending anyway\n');
        process.exit(1);
      }, CLOSE_DEADLINE_MS).unref();
      await open.server?.stop().catch(() => {});
      await open.db?.close().catch(() => {});
      await open.release?.();
      process.exit(0);
    })());
  // From the start: a gateway gone while this process opens the database ends it too.
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => {});
  process.on('message', (m) => {
    if (m === 'stop') void stop();
  });
  open.release = await holdDataDir(dataDir);
  if (stopping) return;
  const db = (open.db = await PGlite.create(dataDir, { postgresqlconf: SETTINGS }).catch(
    (err: unknown) => {
      throw new Error(`PGlite could not open the data dir ${dataDir}: ${said(err)}`);
    },
  ));
  // A socket file left by a process killed before it could remove it (the folder is private).
  await rm(socketPath, { force: true });
  const server = (open.server = new WireServer(db, socketPath));
  await server.start();
  if (!stopping) process.send('ready');
}

/** What an error says: PGlite's file system throws objects that are no Error (an errno). */
const said = (err: unknown) =>
  err instanceof Error ? err.message : inspect(err, { breakLength: Infinity });

main().catch((err: unknown) => {
  process.stderr.write(`[slipway-db] ${said(err)}\n`);
  process.exit(1);
});
