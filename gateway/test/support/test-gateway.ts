import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway, type Gateway, type GatewayConfig } from '../../src/gateway.js';
import type { GatewayBuild } from '../../src/export/runner-files.js';
import type { DatabaseKind } from '../../src/db/client.js';
import type { RuntimeFactory } from '../../src/runtimes/types.js';
import { defaultRuntimes, type RuntimeServices } from '../../src/runtimes/default-runtimes.js';
import { toyNotebookRuntimeFactory } from '../../src/runtimes/testing/toy-notebook-runtime.js';
import { toyRuntimeFactory } from '../../src/runtimes/testing/toy-runtime.js';
import { defaultPool } from '../../src/pools/pool-spec.js';
import type { EndpointResolver } from '../../src/kubernetes/kubernetes-backend.js';
import { openTestDatabase, primaryTestDatabaseKind, type TestDatabase } from './databases.js';

export const ADMIN_TOKEN = 'sa_test-admin-token-0123456789';

export interface TestGateway extends Gateway {
  database: TestDatabase;
  dataDir: string;
  /** `app.request` with the admin token unless `headers.authorization` is given. */
  admin(path: string, init?: RequestInit): Promise<Response>;
  /** `admin` with `body` (if any) sent as JSON. */
  send(method: string, path: string, body?: unknown): Promise<Response>;
  /** Stops the gateway; `keepData` leaves the database and files for a restart. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

/** A real gateway on a fresh temp data dir and a fresh test database (Postgres in CI). */
export async function startTestGateway(
  opts: {
    kind?: DatabaseKind;
    config?: Partial<GatewayConfig>;
    runtimes?: (services: RuntimeServices) => RuntimeFactory[];
    /** The version /api/health reports; default `0.0.0-test`. */
    version?: string;
    /** Reuse a database and data dir from a stopped gateway (restart tests). */
    reuse?: { database: TestDatabase; dataDir: string };
    /** A database this gateway uses but does not own (see `sharedTestDatabase`): not closed on stop. */
    database?: TestDatabase;
    /** Draws traffic-split versions; default `Math.random`. */
    random?: () => number;
    /** The clock of invoke-key expiries and the catalog; default `Date.now`. */
    now?: () => number;
    /** Where pods of pools on a cluster are reached (the Kubernetes tests' stand-in runners). */
    resolveEndpoint?: EndpointResolver;
    /** Told of unexpected errors (the gateway log); default: nothing. */
    reportError?: (err: unknown) => void;
    /** Streams: how often bindings are re-read, and the retry backoff. */
    streams?: { syncMs?: number; backoff?: { initialMs: number; maxMs: number } };
    /** The built gateway export bundles take their runner from. */
    runnerBuild?: GatewayBuild;
  } = {},
): Promise<TestGateway> {
  const dataDir = opts.reuse?.dataDir ?? (await mkdtemp(join(tmpdir(), 'slipway-test-')));
  const database =
    opts.reuse?.database ??
    opts.database ??
    (await openTestDatabase(opts.kind ?? primaryTestDatabaseKind));
  const ownsDatabase = opts.reuse === undefined && opts.database === undefined;
  const config: GatewayConfig = {
    dataDir,
    publicUrl: 'http://slipway.test',
    maxUploadBytes: 8 * 1024 * 1024,
    maxBodyBytes: 1024 * 1024,
    maxBatch: 1000,
    pools: [defaultPool('cpu', { memoryMb: 64 * 1024, gpus: [] })],
    python: process.env.SLIPWAY_TEST_PYTHON,
    log: {
      flushMs: 20,
      batchSize: 100,
      recordInputs: true,
      spoolMb: 64,
      sampleAboveMb: 16,
      maxValueBytes: 1024 * 1024,
      sync: true,
    },
    ...opts.config,
  };
  const gateway = createGateway({
    config,
    database,
    adminToken: ADMIN_TOKEN,
    runtimes:
      opts.runtimes ??
      ((services) => [
        ...defaultRuntimes(services),
        toyRuntimeFactory(),
        toyNotebookRuntimeFactory(),
      ]),
    version: opts.version ?? '0.0.0-test',
    random: opts.random,
    now: opts.now,
    resolveEndpoint: opts.resolveEndpoint,
    streams: opts.streams,
    runnerBuild: opts.runnerBuild,
    reportError: opts.reportError ?? (() => {}),
  });
  await gateway.init();
  const test: TestGateway = {
    ...gateway,
    database,
    dataDir,
    admin(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${ADMIN_TOKEN}`);
      return Promise.resolve(gateway.app.request(path, { ...init, headers }));
    },
    send(method, path, body) {
      return test.admin(path, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      });
    },
    async stop({ keepData = false } = {}) {
      await gateway.close();
      if (!keepData) {
        if (ownsDatabase) await database.close();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
  return test;
}

/** A toy model file (`toy-runtime`): it adds two inputs (`a` and `b` unless renamed). */
export const toyModel = (over: object = {}): { bytes: Uint8Array | string; filename: string } => ({
  bytes: JSON.stringify({ toy: 'sum', ...over }),
  filename: 'm.toy.json',
});

/** A multipart publish body. */
export function publishForm(
  fields: Record<string, string>,
  file?: { bytes: Uint8Array | string; filename: string },
): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  if (file) form.set('file', new Blob([file.bytes as BlobPart]), file.filename);
  return form;
}
