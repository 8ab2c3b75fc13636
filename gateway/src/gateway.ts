import { randomUUID } from 'node:crypto';
import { NotFoundError } from './errors.js';
import type { Format } from './protocol/deployments.js';
import { AlertService } from './alerts/alert-service.js';
import { GatewayMetrics } from './alerts/prometheus.js';
import { WebhookSender } from './alerts/webhook-sender.js';
import { AlertRepository } from './db/alert-repository.js';
import { expireMonitoring, MonitoringRepository } from './db/monitoring-repository.js';
import { EventBus } from './events/event-bus.js';
import { CallEvents } from './monitoring/call-events.js';
import { DriftService } from './monitoring/drift-service.js';
import { FeedbackService } from './monitoring/feedback/feedback-service.js';
import { QualityService } from './monitoring/quality-service.js';
import { ReferenceService } from './monitoring/reference-service.js';
import { metricValue } from './monitoring/quality/index.js';
import { QUALITY_METRIC_NAMES, type QualityMetricName } from './protocol/monitoring.js';
import { CallWriter } from './db/call-writer.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { createApp, type App } from './app.js';
import { IdentityRepository } from './db/identity-repository.js';
import { AccessControl } from './identity/access.js';
import { Authenticator } from './identity/authenticator.js';
import { OidcVerifier } from './identity/oidc.js';
import { IdentityService } from './identity/identity-service.js';
import { ApprovalService } from './identity/approval-service.js';
import { ApprovalRepository } from './db/approval-repository.js';
import { ArtifactStore } from './artifacts/artifact-store.js';
import { collectOrphanArtifacts } from './artifacts/collect-orphans.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { DeploymentRepository } from './db/deployment-repository.js';
import { InvocationRepository } from './db/invocation-repository.js';
import { DeploymentService } from './deployments/deployment-service.js';
import { TrafficService } from './deployments/traffic-service.js';
import { VersionService } from './deployments/version-service.js';
import { RetrainingRepository } from './db/retraining-repository.js';
import { RetrainScheduler } from './retraining/retrain-scheduler.js';
import { RetrainService } from './retraining/retrain-service.js';
import { VersionRepository } from './db/version-repository.js';
import type { CanaryPolicy } from './protocol/retraining.js';
import { DataPlane, NotebookRuns } from './data-plane/index.js';
import { InvocationJournal } from './monitoring/invocation-journal.js';
import { InvocationLog } from './monitoring/invocation-log.js';
import { RunRepository } from './db/run-repository.js';
import { defaultRuntimes, type RuntimeServices } from './runtimes/default-runtimes.js';
import { RuntimeRegistry } from './runtimes/registry.js';
import { LocalPlacement } from './pools/placement.js';
import { ReplicaBudget } from './pools/replica-budget.js';
import { ColdStartTally } from './pools/cold-starts.js';
import type { RuntimeFactory } from './runtimes/types.js';
import type { MojoWorker } from './runtimes/mojo/mojo-worker.js';
import { runtimeWorkers } from './runtimes/runtime-workers.js';
import { KubernetesBackend, type EndpointResolver } from './kubernetes/kubernetes-backend.js';
import { deriveRunnerToken } from './auth/tokens.js';
import type { WorkerSandbox } from './workers/worker-sandbox.js';
import type { WorkerSupervisor } from './workers/worker-supervisor.js';
import { DeploymentCatalog } from './serving/deployment-catalog.js';
import { followCatalogNotices } from './serving/follow-catalog.js';
import { KeyRepository } from './db/key-repository.js';
import { KeyService } from './deployments/key-service.js';
import { thisGatewayBuild, type GatewayBuild } from './export/runner-files.js';
import { ShareLinkRepository } from './db/share-link-repository.js';
import { ShareLinkService } from './share/share-link-service.js';
import { KeyUsage } from './auth/key-usage.js';
import { ModelHost } from './serving/model-host.js';
import { StreamRepository } from './db/stream-repository.js';
import { BatchRepository } from './db/batch-repository.js';
import { BatchService } from './batch/batch-service.js';
import { JobRunner } from './batch/job-runner.js';
import { JobWorker } from './batch/job-worker.js';
import { StreamService } from './streams/stream-service.js';

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
  | 'replicaMemoryMb'
> &
  Partial<
    Pick<
      Config,
      | 'artifactsDir'
      | 'proxyToken'
      | 'newUserRole'
      | 'requireApproval'
      | 'oidc'
      | 'corsOrigins'
      | 'callbackOrigins'
      | 'java'
      | 'jvmHeapMb'
      | 'onnxIsolation'
      | 'catalogTtlMs'
      | 'kernelMemoryMb'
      | 'kernelStart'
      | 'workerUser'
      | 'workerEnv'
      | 'alertIntervalMs'
      | 'canaryIntervalMs'
      | 'scheduleIntervalMs'
      | 'retentionDays'
      | 'shadow'
    >
  > & {
    /** Batch jobs; what is left out has the defaults `loadConfig` gives. */
    batch?: Partial<Config['batch']>;
  };

/** A composed gateway: the app plus what has to be started and stopped around it. */
export interface Gateway {
  app: App;
  /** Every call of a deployment, without HTTP (batch jobs, streams and tests call it too). */
  dataPlane: DataPlane;
  /** Kafka stream bindings and this gateway's consumers of them. */
  streams: StreamService;
  /** Batch jobs, their schedules, and this gateway's runs of them. */
  batch: BatchService;
  /** Takes queued jobs and runs them. */
  jobs: JobWorker;
  deployments: DeploymentService;
  /** The version lifecycle; retraining hands it each gated candidate (`candidateGated`). */
  versions: VersionService;
  /** Training notebooks and retraining runs. */
  retraining: RetrainService;
  /** Starts the runs retraining schedules call for (`tick`, also on a timer). */
  scheduler: RetrainScheduler;
  log: InvocationLog;
  host: ModelHost;
  store: ArtifactStore;
  runs: RunRepository;
  python: WorkerSupervisor;
  /** The JVM worker that scores H2O MOJOs. */
  jvm: MojoWorker;
  /** How every worker process starts: its environment, scratch folder and user. */
  sandbox: WorkerSandbox;
  /**
   * Creates the data folders, clears what an interrupted upload or publish left, and writes
   * what the last run left in the invocation journal to the database; call before serving.
   */
  init(): Promise<void>;
  /**
   * Flushes the log and unloads every model; the caller closes the database. `drainMs`: how
   * long calls still under way (asynchronous notebook runs included) may take to finish first.
   */
  close(opts?: { drainMs?: number }): Promise<void>;
}

/**
 * Wires the parts together. Construction only: the database is already open and migrated,
 * and nothing here touches the disk or network until `store.init()` or a request.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createGateway(opts: {
  config: GatewayConfig;
  database: Database;
  adminToken: string;
  /** The formats served; default: every built-in runtime. */
  runtimes?: (services: RuntimeServices) => RuntimeFactory[];
  version: string;
  /** Draws traffic-split versions (uniform in [0, 1)); `Math.random` unless a test passes another. */
  random?: () => number;
  /** The clock invoke-key expiries and the catalog use; `Date.now` unless a test passes another. */
  now?: () => number;
  reportError?: (err: unknown) => void;
  /**
   * Where the gateway reaches a ready pod of a pool on a cluster; by default its address. The
   * Kubernetes tests point it at runner processes standing in for pods (kwok's never run).
   */
  resolveEndpoint?: EndpointResolver;
  /** Streams: how often bindings are re-read, and the retry backoff (tests shorten them). */
  streams?: { syncMs?: number; backoff?: { initialMs: number; maxMs: number } };
  /** The built gateway export bundles take their runner from; default: this one's. */
  runnerBuild?: GatewayBuild;
}): Gateway {
  const { config, database } = opts;
  const repo = new DeploymentRepository(database.db);
  const invocations = new InvocationRepository(database.db);
  const store = new ArtifactStore(config.artifactsDir ?? join(config.dataDir, 'artifacts'));
  const runsDir = join(config.dataDir, 'runs');
  const runs = new RunRepository(database.db);
  const workers = runtimeWorkers(config);
  const { python, jvm, sandbox } = workers;
  // Pools on a cluster: their pods and the gateway share the runner token.
  const runnerToken = deriveRunnerToken(opts.adminToken);
  const kubernetes = new KubernetesBackend(config.pools, runnerToken, opts.resolveEndpoint);
  const registry = new RuntimeRegistry(
    (opts.runtimes ?? defaultRuntimes)(workers.services),
    // Every runtime is a replica placed on its pool: its devices, memory and environment.
    {
      pools: config.pools,
      placement: new LocalPlacement(),
      budget: new ReplicaBudget(config.replicaMemoryMb ?? Infinity),
      remote: kubernetes.active ? kubernetes : undefined,
    },
  );
  const host = new ModelHost(registry, store);
  const now = opts.now ?? Date.now;
  const keyRepo = new KeyRepository(database.db);
  const keyUsage = new KeyUsage({
    write: (id, at) => keyRepo.touch(id, at),
    now,
    onError: opts.reportError,
  });
  const catalog = new DeploymentCatalog({
    repo,
    keys: { ownerOfHash: (hash) => keyRepo.ownerOfHash(hash), used: (id) => keyUsage.used(id) },
    ttlMs: config.catalogTtlMs,
    now,
    notices: database.catalogNotices,
    onError: opts.reportError,
  });
  let stopFollowing: (() => Promise<void>) | undefined;
  const keys = new KeyService({
    repo,
    keys: keyRepo,
    catalog,
    now,
    onRevoke: (id) => keyUsage.forget(id),
  });
  const journal = new InvocationJournal(join(config.dataDir, 'journal'), {
    maxBytes: config.log.spoolMb * 1024 * 1024,
    sync: config.log.sync,
  });
  const metrics = new GatewayMetrics({ processMetrics: true });
  const log = new InvocationLog(journal, new CallWriter(database.db), {
    flushMs: config.log.flushMs,
    batchSize: config.log.batchSize,
    maxValueBytes: config.log.maxValueBytes,
    sampleAboveBytes: config.log.sampleAboveMb * 1024 * 1024,
    onSampledOut: () => metrics.logValuesSampledOut(),
    onError: (err) =>
      opts.reportError?.(
        new Error('invocation log: the database writer failed; rows stay in the journal', {
          cause: err,
        }),
      ),
  });
  // Monitoring: ground truth, quality, drift, alerts and their deliveries.
  const monitoring = new MonitoringRepository(database.db);
  const bus = new EventBus({ onListenerError: opts.reportError });
  const kindOf = (format: string) => registry.get(format as Format)?.kind;
  const webhooks = new WebhookSender({
    // Every rule signs with its own secret; this one signs nothing.
    secret: randomUUID(),
    allowedOrigins: config.callbackOrigins ?? ['*'],
    onGiveUp: (f) =>
      opts.reportError?.(
        new Error(
          `webhook ${f.event} to ${f.url} given up (${f.reason} after ${f.attempts} attempts)`,
        ),
      ),
  });
  const feedback = new FeedbackService({
    monitoring,
    repo,
    log,
    kindOf,
    maxBatch: config.maxBatch,
    onFeedback: (name, accepted) => {
      bus.publish({ type: 'feedback', deployment: name, accepted });
      // The labelled hours' quality is rebuilt now, so that the next report finds it done.
      void quality
        .refresh(name)
        .catch((err: unknown) => opts.reportError?.(err))
        .then(() => alerts.evaluate(name));
    },
  });
  const liveVersion = async (name: string) => (await repo.get(name))?.liveVersion;
  const quality = new QualityService({
    monitoring,
    log,
    view: async (name, version) => {
      const v = version ?? (await liveVersion(name));
      if (v === undefined) throw new NotFoundError(`deployment ${name}`);
      return feedback.view(name, v);
    },
    onReport: (report) => {
      for (const { version, metrics: m } of report.versions)
        for (const metric of QUALITY_METRIC_NAMES)
          metrics.setQuality({
            deployment: report.name,
            version,
            metric,
            value: metricValue(m, metric),
          });
    },
  });
  const drift = new DriftService({
    monitoring,
    log,
    onReport: (report) => {
      for (const f of [...report.features, ...(report.prediction ? [report.prediction] : [])])
        metrics.setDrift({
          deployment: report.name,
          feature: f.name,
          method: f.method,
          statistic: f.statistic ?? Infinity,
          detected: f.drift,
        });
    },
  });
  const references = new ReferenceService({
    monitoring,
    repo,
    log,
    kindOf,
    onReference: (name, rows) => bus.publish({ type: 'reference', deployment: name, rows }),
  });
  const alerts = new AlertService({
    rules: new AlertRepository(database.db),
    invocations,
    quality,
    drift,
    bus,
    webhooks,
    metrics,
    webhookOrigins: config.callbackOrigins ?? ['*'],
    liveVersion,
    reportError: opts.reportError,
    onRetrain: (rule, alert) => retraining.onAlert(rule, alert),
  });
  const coldStarts = new ColdStartTally(now);
  const calls = new CallEvents(bus, metrics, coldStarts);
  let evaluation: NodeJS.Timeout | undefined;
  let retention: NodeJS.Timeout | undefined;

  const deployments = new DeploymentService({
    repo,
    store,
    registry,
    host,
    catalog,
    publicUrl: config.publicUrl,
    runsDir,
    pools: config.pools,
    coldStarts,
    remote: kubernetes.active ? kubernetes : undefined,
    onChange: (name, change) => {
      if (change === 'deleted') {
        metrics.removeDeployment(name);
        coldStarts.forget(name);
        dataPlane.shadows.forget(name);
      }
      bus.publish({ type: 'deployment', deployment: name, change });
    },
    // Recorded in the version history; a failure to record does not fail the change itself.
    onLiveChange: (change): Promise<void> =>
      versions.liveChanged(change).catch((err: unknown) => opts.reportError?.(err)),
  });
  const dataPlane = new DataPlane({
    catalog,
    repo,
    host,
    log,
    runs: new NotebookRuns({ runs, publicUrl: config.publicUrl, reportError: opts.reportError }),
    adminToken: opts.adminToken,
    // A user the management API knows (through the proxy, or a personal token) may call too.
    principal: (credentials) => access.auth.userPrincipal(credentials),
    publicUrl: config.publicUrl,
    maxBatch: config.maxBatch,
    recordInputs: config.log.recordInputs,
    callbackOrigins: config.callbackOrigins ?? ['*'],
    random: opts.random,
    shadow: config.shadow,
    reportError: opts.reportError,
    onCall: (call) => calls.observe(call),
  });
  const streamRepo = new StreamRepository(database.db);
  const streams = new StreamService({
    repo: streamRepo,
    kindOf: async (name) => {
      const record = await repo.get(name);
      return record && registry.get(record.live.format)?.kind;
    },
    score: ({ name, requestId, records, signal }) =>
      dataPlane.score({ name, token: opts.adminToken, requestId, via: 'stream', records, signal }),
    clientId: `slipway-${hostname()}-${process.pid}`,
    maxBatch: config.maxBatch,
    syncMs: opts.streams?.syncMs,
    backoff: opts.streams?.backoff,
    registry: metrics.registry,
    reportError: opts.reportError,
  });
  const batchConfig = {
    jobsDir: join(config.dataDir, 'jobs'),
    maxInputBytes: 64 * 2 ** 30,
    atOnce: 2,
    leaseMs: 30_000,
    ...config.batch,
  };
  const batchRepo = new BatchRepository(database.db);
  const kindOfFormat = (format: string) => registry.get(format as Format)?.kind;
  // This gateway, as the holder of the jobs it runs: a restarted one is another holder.
  const jobOwner = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const jobs: JobWorker = new JobWorker({
    repo: batchRepo,
    owner: jobOwner,
    atOnce: batchConfig.atOnce,
    leaseMs: batchConfig.leaseMs,
    runner: new JobRunner({
      repo: batchRepo,
      dataPlane,
      adminToken: opts.adminToken,
      leaseMs: batchConfig.leaseMs,
      jobsDir: batchConfig.jobsDir,
      maxInputBytes: batchConfig.maxInputBytes,
      maxBatch: config.maxBatch,
      tensors: batchConfig.tensors,
      kindOf: kindOfFormat,
      parallelism: async (name) => {
        const { lifecycle } = await deployments.replicas(name);
        return lifecycle.concurrency * Math.max(1, lifecycle.maxReplicas);
      },
      referenceFromCalls: (name) => monitoring.referenceFromCalls(name),
    }),
    onEnd: (id, end) => batch.ended(id, end),
    reportError: opts.reportError,
  });
  const batch: BatchService = new BatchService({
    repo: batchRepo,
    dataPlane,
    liveVersion: async (name) => (await deployments.require(name)).liveVersion,
    kindOf: kindOfFormat,
    worker: jobs,
    webhooks,
    adminToken: opts.adminToken,
    publicUrl: config.publicUrl,
    maxBatch: config.maxBatch,
    jobsDir: batchConfig.jobsDir,
    inputRoot: batchConfig.inputRoot,
    outputRoot: batchConfig.outputRoot,
    reportError: opts.reportError,
  });
  const traffic = new TrafficService({
    repo,
    catalog,
    host,
    shadowStats: (name) => dataPlane.shadows.statsFor(name),
  });
  const versions = new VersionService({
    repo,
    versions: new VersionRepository(database.db),
    deployments,
    traffic,
    host,
    invocations,
    log,
    quality,
    canaryDefaults: async (
      name,
    ): Promise<{ canary: CanaryPolicy; metric: QualityMetricName | null }> => {
      const { canary, metric } = await retraining.policy(name);
      return { canary, metric };
    },
    task: async (name, version) => (await feedback.view(name, version)).task,
    onChange: (name) => bus.publish({ type: 'versions', deployment: name }),
    reportError: opts.reportError,
  });
  const retrainingRepo = new RetrainingRepository(database.db);
  const retraining = new RetrainService({
    repo,
    retraining: retrainingRepo,
    store,
    registry,
    host,
    runsDir,
    publicUrl: config.publicUrl,
    maxBatch: config.maxBatch,
    maxModelBytes: config.maxUploadBytes,
    handOver: (dir) => sandbox.handOver(dir),
    decide: (name, version, gate, policy) => versions.candidateGated(name, version, gate, policy),
    onRun: (run) => bus.publish({ type: 'retraining', deployment: run.deployment, run }),
    onError: opts.reportError,
  });
  const scheduler = new RetrainScheduler({
    retraining: retrainingRepo,
    service: retraining,
    onError: opts.reportError,
  });
  const identityRepo = new IdentityRepository(database.db);
  const access = new AccessControl({
    auth: new Authenticator({
      adminToken: opts.adminToken,
      proxyToken: config.proxyToken,
      repo: identityRepo,
      newUserRole: config.newUserRole ?? 'viewer',
      oidc: config.oidc && new OidcVerifier(config.oidc, () => new Date(now())),
      now: () => new Date(now()),
    }),
    repo: identityRepo,
    deploymentOf: async (kind, id) => {
      // Ids are uuids: anything else names nothing (and must not reach a uuid column).
      if (!UUID.test(id)) return undefined;
      if (kind === 'jobs') return (await batchRepo.get(id))?.deploymentName;
      if (kind === 'schedules') return (await batchRepo.schedule(id))?.deploymentName;
      return (await streamRepo.get(id))?.deploymentName;
    },
  });
  let schedules: NodeJS.Timeout | undefined;
  let batchSchedules: NodeJS.Timeout | undefined;
  const app = createApp({
    access,
    identity: new IdentityService({ repo: identityRepo, access, now: () => new Date(now()) }),
    approvals: new ApprovalService({
      required: config.requireApproval ?? false,
      repo: new ApprovalRepository(database.db),
      identity: identityRepo,
      access,
      deployments,
      store,
      now: () => new Date(now()),
    }),
    identityRepo,
    version: opts.version,
    databaseKind: database.kind,
    adminToken: opts.adminToken,
    runnerToken,
    exportBundles: {
      repo,
      artifactPath: (sha256) => store.path(sha256),
      pools: config.pools,
      build: opts.runnerBuild ?? thisGatewayBuild(join(config.dataDir, 'runner-build')),
      gatewayVersion: opts.version,
    },
    artifacts: {
      path: (sha256) => store.path(sha256),
      inUse: async (sha256) => (await repo.artifactShas()).includes(sha256),
    },
    publicUrl: config.publicUrl,
    limits: {
      maxUploadBytes: config.maxUploadBytes,
      maxBodyBytes: config.maxBodyBytes,
      maxBatch: config.maxBatch,
    },
    corsOrigins: config.corsOrigins ?? ['*'],
    deployments,
    traffic,
    keys,
    shareLinks: new ShareLinkService({
      repo,
      links: new ShareLinkRepository(database.db),
      publicUrl: config.publicUrl,
      now,
    }),
    versions,
    retraining,
    repo,
    invocations,
    log,
    dataPlane,
    streams,
    batch: { batch, maxInputBytes: batchConfig.maxInputBytes },
    runs: { runs, runsDir, publicUrl: config.publicUrl },
    monitoring: { monitoring, feedback, quality, drift, references, alerts, store },
    bus,
    metrics,
    reportError: opts.reportError,
  });
  return {
    app,
    dataPlane,
    streams,
    batch,
    jobs,
    deployments,
    versions,
    retraining,
    scheduler,
    log,
    host,
    store,
    runs,
    python,
    jvm,
    sandbox,
    async init() {
      await store.init();
      const orphans = await collectOrphanArtifacts(store, () => repo.artifactShas());
      if (orphans.length > 0)
        console.log(`[slipway] removed ${orphans.length} artifact file(s) no version refers to`);
      await mkdir(runsDir, { recursive: true });
      // Pools on a cluster are checked (an unreachable one is unavailable, the rest serve).
      await kubernetes.init();
      // What a crash left in the journal goes to the database before anything is served.
      await log.replay();
      // Last: it closes what the steps above made (the journal) to the workers' user.
      await sandbox.init(config.dataDir);
      // What other gateways on the database change is forgotten here as they announce it.
      stopFollowing = await followCatalogNotices({
        notices: database.catalogNotices,
        catalog,
        host,
        onError: opts.reportError,
      });
      // Alert rules are evaluated at least once a minute (and whenever labels arrive).
      evaluation = setInterval(() => void alerts.evaluate(), config.alertIntervalMs ?? 60_000);
      evaluation.unref();
      // Running canaries are analysed and promoted or rolled back on the same kind of timer.
      versions.start(config.canaryIntervalMs ?? 60_000);
      // Runs a stopped gateway left under way end as failed; schedules are checked on a timer.
      await retraining.recover();
      schedules = setInterval(
        () => void scheduler.tick().catch((err: unknown) => opts.reportError?.(err)),
        config.scheduleIntervalMs ?? 30_000,
      );
      schedules.unref();
      const days = config.retentionDays ?? 30;
      if (days > 0) {
        const expire = () =>
          expireMonitoring(database.db, new Date(Date.now() - days * 86_400_000)).catch(
            (err: unknown) => opts.reportError?.(err),
          );
        await expire();
        retention = setInterval(() => void expire(), 3_600_000);
        retention.unref();
      }
      // Last: consumers and jobs score through everything above. Jobs a stopped gateway held
      // are taken over once their lease runs out; on the embedded database no other gateway
      // can hold one, so they are taken over at once.
      await streams.start();
      if (database.kind === 'pglite') await batchRepo.expireLeases();
      jobs.start();
      batchSchedules = setInterval(
        () => void batch.tick().catch((err: unknown) => opts.reportError?.(err)),
        config.scheduleIntervalMs ?? 30_000,
      );
      batchSchedules.unref();
    },
    async close({ drainMs = 0 } = {}) {
      // Consumers stop first: a batch under way is left uncommitted, read again by the next.
      await streams.close();
      // Jobs under way stop at their last checkpoint and wait for the next gateway.
      clearInterval(batchSchedules);
      await jobs.close();
      // Calls under way (asynchronous notebook runs included) finish first, up to the deadline.
      await host.drain(drainMs);
      await stopFollowing?.();
      clearInterval(evaluation);
      versions.stop();
      clearInterval(schedules);
      clearInterval(retention);
      // Runs under way are cancelled (their notebooks stopped) before the workers go.
      await retraining.close();
      calls.close();
      await webhooks.close();
      // Shadow calls under way are logged before the log closes (each ends by its deadline).
      await dataPlane.shadows.settled();
      await log.close();
      // What runs on a cluster keeps running for the gateways still up (or the next one).
      kubernetes.detach();
      await host.close();
      await workers.close();
    },
  };
}
