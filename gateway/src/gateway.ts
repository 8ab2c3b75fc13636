import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createApp, type App } from './app.js';
import { ArtifactStore } from './artifacts/artifact-store.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { DeploymentRepository } from './db/deployment-repository.js';
import { InvocationRepository } from './db/invocation-repository.js';
import { DeploymentService } from './deployments/deployment-service.js';
import { DataPlane, NotebookRuns } from './data-plane/index.js';
import { InvocationLog } from './monitoring/invocation-log.js';
import { RunRepository } from './db/run-repository.js';
import { defaultRuntimes, type RuntimeServices } from './runtimes/default-runtimes.js';
import { RuntimeRegistry } from './runtimes/registry.js';
import type { RuntimeFactory } from './runtimes/types.js';
import { MojoWorker } from './runtimes/mojo/mojo-worker.js';
import { pythonWorker } from './workers/python-worker.js';
import type { WorkerSupervisor } from './workers/worker-supervisor.js';
import { DeploymentCatalog } from './serving/deployment-catalog.js';
import { ModelHost } from './serving/model-host.js';

export type GatewayConfig = Pick<
  Config,
  | 'dataDir'
  | 'publicUrl'
  | 'maxUploadBytes'
  | 'maxBodyBytes'
  | 'maxBatch'
  | 'pools'
  | 'log'
  | 'python'
  | 'modelMemoryMb'
> &
  Partial<Pick<Config, 'corsOrigins' | 'callbackOrigins' | 'java' | 'jvmHeapMb'>>;

/** A composed gateway: the app plus what has to be started and stopped around it. */
export interface Gateway {
  app: App;
  /** Every call of a deployment, without HTTP (batch jobs, streams and tests call it too). */
  dataPlane: DataPlane;
  deployments: DeploymentService;
  log: InvocationLog;
  host: ModelHost;
  store: ArtifactStore;
  runs: RunRepository;
  python: WorkerSupervisor;
  /** The JVM worker that scores H2O MOJOs. */
  jvm: MojoWorker;
  /** Creates the data folders and clears what an interrupted upload left; call before serving. */
  init(): Promise<void>;
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
  /** The formats served; default: every built-in runtime. */
  runtimes?: (services: RuntimeServices) => RuntimeFactory[];
  version: string;
  reportError?: (err: unknown) => void;
}): Gateway {
  const { config, database } = opts;
  const repo = new DeploymentRepository(database.db);
  const invocations = new InvocationRepository(database.db);
  const store = new ArtifactStore(join(config.dataDir, 'artifacts'));
  const runsDir = join(config.dataDir, 'runs');
  const runs = new RunRepository(database.db);
  const python = pythonWorker({
    configured: config.python,
    venvRoot: join(config.dataDir, 'python'),
    log: (line) => console.log(line),
  });
  const jvm = new MojoWorker({
    java: config.java,
    javaOptions: [`-Xmx${config.jvmHeapMb ?? 1024}m`],
    log: (line) => console.log(line),
  });
  const registry = new RuntimeRegistry(
    (opts.runtimes ?? defaultRuntimes)({
      notebooks: { worker: python, runsDir },
      mojo: { worker: jvm },
      pickles: {
        configured: config.python,
        venvRoot: join(config.dataDir, 'python'),
        memoryMb: config.modelMemoryMb,
        log: (line) => console.log(line),
      },
    }),
  );
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
    runsDir,
    pools: config.pools,
  });
  const dataPlane = new DataPlane({
    catalog,
    repo,
    host,
    log,
    runs: new NotebookRuns({ runs, publicUrl: config.publicUrl, reportError: opts.reportError }),
    adminToken: opts.adminToken,
    publicUrl: config.publicUrl,
    maxBatch: config.maxBatch,
    recordInputs: config.log.recordInputs,
    callbackOrigins: config.callbackOrigins ?? ['*'],
    reportError: opts.reportError,
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
    corsOrigins: config.corsOrigins ?? ['*'],
    deployments,
    repo,
    invocations,
    log,
    dataPlane,
    runs: { runs, runsDir, publicUrl: config.publicUrl },
    reportError: opts.reportError,
  });
  return {
    app,
    dataPlane,
    deployments,
    log,
    host,
    store,
    runs,
    python,
    jvm,
    async init() {
      await store.init();
      await mkdir(runsDir, { recursive: true });
    },
    async close() {
      await log.close();
      await host.close();
      await python.stop();
      await jvm.stop();
    },
  };
}
