import { join } from 'node:path';
import { createApp, type App } from './app.js';
import { ArtifactStore } from './artifacts/artifact-store.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { DeploymentRepository } from './db/deployment-repository.js';
import { InvocationRepository } from './db/invocation-repository.js';
import { DeploymentService } from './deployments/deployment-service.js';
import { Invoker } from './invoke/invoker.js';
import { InvocationLog } from './monitoring/invocation-log.js';
import { RuntimeRegistry } from './runtimes/registry.js';
import type { RuntimeFactory } from './runtimes/types.js';
import { DeploymentCatalog } from './serving/deployment-catalog.js';
import { ModelHost } from './serving/model-host.js';

export type GatewayConfig = Pick<
  Config,
  'dataDir' | 'publicUrl' | 'maxUploadBytes' | 'maxBodyBytes' | 'maxBatch' | 'pools' | 'log'
>;

/** A composed gateway: the app plus what has to be started and stopped around it. */
export interface Gateway {
  app: App;
  deployments: DeploymentService;
  log: InvocationLog;
  host: ModelHost;
  store: ArtifactStore;
  /** Flushes the log and unloads every model; the caller closes the database. */
  close(): Promise<void>;
}

/**
 * Wires the parts together. Construction only: the database is already open and migrated,
 * and nothing here touches the disk or network until `store.init()` or a request.
 */
export function createGateway(opts: {
  config: GatewayConfig;
  database: Database;
  adminToken: string;
  runtimes: RuntimeFactory[];
  version: string;
  reportError?: (err: unknown) => void;
}): Gateway {
  const { config, database } = opts;
  const repo = new DeploymentRepository(database.db);
  const invocations = new InvocationRepository(database.db);
  const store = new ArtifactStore(join(config.dataDir, 'artifacts'));
  const registry = new RuntimeRegistry(opts.runtimes);
  const host = new ModelHost(registry, store);
  const catalog = new DeploymentCatalog(repo);
  const log = new InvocationLog(invocations, {
    flushMs: config.log.flushMs,
    batchSize: config.log.batchSize,
    onError: (err, dropped) =>
      opts.reportError?.(
        new Error(`invocation log write failed (${dropped} rows dropped)`, { cause: err }),
      ),
  });
  const deployments = new DeploymentService({
    repo,
    store,
    registry,
    host,
    catalog,
    publicUrl: config.publicUrl,
    pools: config.pools,
  });
  const invoker = new Invoker({
    catalog,
    repo,
    host,
    log,
    adminToken: opts.adminToken,
    recordInputs: config.log.recordInputs,
  });
  const app = createApp({
    version: opts.version,
    databaseKind: database.kind,
    adminToken: opts.adminToken,
    publicUrl: config.publicUrl,
    limits: {
      maxUploadBytes: config.maxUploadBytes,
      maxBodyBytes: config.maxBodyBytes,
      maxBatch: config.maxBatch,
    },
    pools: config.pools,
    deployments,
    repo,
    invocations,
    log,
    invoker,
    reportError: opts.reportError,
  });
  return {
    app,
    deployments,
    log,
    host,
    store,
    async close() {
      await log.close();
      await host.close();
    },
  };
}
