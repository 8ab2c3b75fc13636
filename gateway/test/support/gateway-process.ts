import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { DatabaseKind } from '../../src/db/client.js';
import { dataDirHolder } from '../../src/db/data-dir-lock.js';
import { waitFor } from '../../src/workers/testing/processes.js';
import { openTestDatabase, type TestDatabase } from './databases.js';

const gatewayDir = fileURLToPath(new URL('../..', import.meta.url));

/** A free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface GatewayProcess {
  url: string;
  pid: number;
  output: () => string;
  /** Resolves with the exit code (null when killed by a signal) once the process is gone. */
  exited: Promise<number | null>;
  /** Undefined while it runs; then its exit code (null when killed by a signal). */
  readonly exitCode: number | null | undefined;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash) and wait until the process is gone. */
  kill(): Promise<void>;
}

/** What the gateway prints once it listens (see src/index.ts). */
const LISTENING = /\(listening on [^)]+\)/;

/**
 * Runs the real gateway entry point (`src/index.ts`) as a child process and resolves once it
 * says it is listening (or rejects with its output when it exits first). `boundMs` only turns
 * a hang into a failure: a loaded machine may take long to start it.
 */
export async function startGatewayProcess(
  env: Record<string, string>,
  { boundMs = 180_000 }: { boundMs?: number } = {},
): Promise<GatewayProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: gatewayDir,
    env: { ...process.env, SLIPWAY_HOST: '127.0.0.1', SLIPWAY_PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((ready, fail) => {
    const bound = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`gateway did not start within ${boundMs / 1000} s:\n${out}`));
    }, boundMs);
    const seen = (d: Buffer) => {
      out += d;
      if (LISTENING.test(out)) {
        clearTimeout(bound);
        ready();
      }
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', (d) => (out += d));
    void exited.then(() => {
      clearTimeout(bound);
      fail(new Error(`gateway exited early:\n${out}`));
    });
  });
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    get exitCode() {
      return exitCode;
    },
    output: () => out,
    exited,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
      // Its embedded database's process outlives it a moment, closing its files.
      await embeddedDatabaseGone(env.SLIPWAY_DATA_DIR);
    },
  };
}

/**
 * Resolves once no process holds the embedded database of gateway data dir `dataDir` (its lock
 * released, or its holder gone): only then may the dir be removed or given to another gateway
 * by hand. At once for a gateway on Postgres (no lock).
 */
async function embeddedDatabaseGone(dataDir: string | undefined): Promise<void> {
  if (!dataDir) return;
  const db = join(dataDir, 'db');
  await waitFor(
    `the embedded database of ${dataDir} to close`,
    async () => (await dataDirHolder(db)) === undefined,
    60_000,
  );
}

/**
 * For a test file's gateway processes: each test gets a fresh data dir (and, on Postgres, a
 * fresh database), and whatever it started is killed and removed after it.
 */
export function gatewayProcesses() {
  let dataDir: string | undefined;
  let database: TestDatabase | undefined;
  const started: GatewayProcess[] = [];
  afterEach(async () => {
    for (const p of started.splice(0)) if (p.exitCode === undefined) await p.kill();
    await database?.close();
    database = undefined;
    // Also after a gateway that ended on its own.
    await embeddedDatabaseGone(dataDir);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });
  return {
    /** The environment of a fresh gateway: its data dir, and its database on `kind`. */
    async env(kind: DatabaseKind = 'pglite'): Promise<Record<string, string>> {
      dataDir = await mkdtemp(join(tmpdir(), 'slipway-process-'));
      const env: Record<string, string> = { SLIPWAY_DATA_DIR: dataDir };
      if (kind === 'postgres') {
        database = await openTestDatabase('postgres');
        env.DATABASE_URL = database.url!;
      }
      return env;
    },
    /** Starts a gateway process, stopped after the test if it is still running. */
    async start(env: Record<string, string>): Promise<GatewayProcess> {
      const p = await startGatewayProcess(env);
      started.push(p);
      return p;
    },
  };
}
