import { rm } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { holdDataDir } from './data-dir-lock.js';

/**
 * The embedded database's own process: PGlite on `<dataDir>`, served over the Postgres wire
 * protocol on a Unix socket only its gateway can reach (one connection: PGlite has one session).
 * It lives as long as its gateway: it closes the database cleanly when the gateway asks, and
 * also when the gateway is gone (the IPC channel closes, kill -9 included). Ctrl-C in a terminal
 * reaches the whole process group; this process waits for its gateway to finish writing instead.
 *
 * Usage (by `startEmbeddedDatabase` only): `embedded-database-process <dataDir> <socketPath>`.
 */
async function main(): Promise<void> {
  const [dataDir, socketPath] = process.argv.slice(2);
  if (!dataDir || !socketPath || !process.send)
    throw new Error('usage: <dataDir> <socketPath>, with an IPC channel');
  process.on('SIGINT', () => {});
  const release = await holdDataDir(dataDir);
  const db = await PGlite.create(dataDir);
  // A socket file left by a process killed before it could remove it (the folder is private).
  await rm(socketPath, { force: true });
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 1 });
  await server.start();
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await server.stop().catch(() => {});
      await db.close().catch(() => {});
      await release();
      process.exit(0);
    })());
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('message', (m) => {
    if (m === 'stop') void stop();
  });
  process.send('ready');
}

main().catch((err: unknown) => {
  process.stderr.write(`[slipway-db] ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
