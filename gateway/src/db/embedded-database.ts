import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeEntry } from '../workers/node-entry.js';
import { HOLDER_SCRIPT } from './data-dir-lock.js';

const RESTART_WAIT_MIN_MS = 250;
const RESTART_WAIT_MAX_MS = 30_000;

/** The embedded database's process could not start; `message` says why (its last words). */
export class EmbeddedDatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedDatabaseError';
  }
}

/** A running embedded database: where to connect, and how to stop it. */
export interface EmbeddedDatabase {
  /** The Unix socket postgres.js connects to (`path`). */
  socketPath: string;
  /** The database process's id (a new one after a restart). */
  readonly pid: number;
  /** Closes the database cleanly and waits for its process to end. */
  stop(): Promise<void>;
}

/**
 * Starts PGlite on `dataDir` in a process of its own (embedded-database-process), so that the
 * database's memory and CPU are not the gateway's: its WebAssembly heap never shrinks, and its
 * work (the invocation log's inserts, rollups) would otherwise run on the event loop that
 * answers calls. The gateway talks to it as to any Postgres, over a Unix socket in a private
 * folder. A database process that dies while the gateway runs is started again (queries fail
 * in between, as with a Postgres that restarts).
 */
export async function startEmbeddedDatabase(
  dataDir: string,
  { onRestart }: { onRestart?: (reason: string, restarted: Promise<void>) => void } = {},
): Promise<EmbeddedDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-db-'));
  const socketPath = join(dir, '.s.PGSQL.5432');
  let stopping = false;
  const fresh = !(await stat(join(dataDir, 'PG_VERSION')).catch(() => undefined));
  let child = await launch(dataDir, socketPath);
  if (fresh) {
    // Creating the database (initdb) leaves PGlite's WebAssembly heap at about 800 MB, which it
    // never gives back; the same data opened again holds about 300 MB.
    await end(child);
    child = await launch(dataDir, socketPath);
  }
  // A process that dies is started again; a start that fails is tried again, waiting twice as
  // long each time (up to RESTART_WAIT_MAX_MS), until one starts or the database is stopped.
  const restart = (reason: string, waitMs: number) => {
    const restarted = (async () => {
      await new Promise((r) => setTimeout(r, waitMs));
      if (stopping) return;
      const next = await launch(dataDir, socketPath);
      if (stopping) return void (await end(next));
      watch((child = next));
    })();
    restarted.catch(() => {
      if (!stopping)
        restart(
          "the embedded database's process did not start",
          Math.min(Math.max(2 * waitMs, RESTART_WAIT_MIN_MS), RESTART_WAIT_MAX_MS),
        );
    });
    // Whoever listens hears how it went; without a listener a failure is no unhandled rejection.
    onRestart?.(reason, restarted);
  };
  const watch = (c: ChildProcess) =>
    c.once('exit', (code, signal) => {
      if (!stopping)
        restart(`the embedded database's process ended (${signal ?? `exit code ${code}`})`, 0);
    });
  watch(child);
  return {
    socketPath,
    get pid() {
      return child.pid!;
    },
    async stop() {
      stopping = true;
      await end(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Asks the database process to close, and waits until it is gone. */
async function end(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // Held again: the gateway's own exit must now wait for it.
  child.ref();
  const exited = once(child, 'exit');
  child.send('stop');
  await exited;
}

/** Forks the database process and waits for its "ready" (or its end, with what it said). */
async function launch(dataDir: string, socketPath: string): Promise<ChildProcess> {
  const { script, execArgv } = nodeEntry(import.meta.url, `./${HOLDER_SCRIPT}`);
  const child = fork(script, [dataDir, socketPath], {
    execArgv,
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let said = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    said = (said + chunk).slice(-4000);
    process.stderr.write(chunk);
  });
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number | null, signal: string | null) =>
      reject(
        new EmbeddedDatabaseError(
          `the embedded database in ${dataDir} did not start (${signal ?? `exit code ${code}`}): ${said.trim() || 'no message'}`,
        ),
      );
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      if (m === 'ready') resolve();
      else
        reject(
          new EmbeddedDatabaseError(`unexpected message from the embedded database: ${String(m)}`),
        );
    });
  });
  // The gateway's own exit must not wait for the database's process or its pipes.
  child.unref();
  (child.stderr as Socket | null)?.unref();
  child.channel?.unref();
  return child;
}
