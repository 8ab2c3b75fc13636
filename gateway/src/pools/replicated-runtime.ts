import { NotReadyError, SlipwayError, UnusableArtifactError } from '../errors.js';
import type { RecordValue, Signature } from '../protocol/signature.js';
import type {
  CallOptions,
  ModelRuntime,
  NotebookRun,
  NotebookRuntime,
  Prediction,
  Runtime,
  RuntimeFactory,
  RuntimeSpec,
} from '../runtimes/types.js';
import type { PackedTensors, TensorPlan } from '../runtimes/onnx/packed-tensors.js';
import { exampleRecord } from '../validation/example-record.js';
import { compileValidator } from '../validation/validate-records.js';
import { lifecycleSettings, type LifecycleSettings } from './lifecycle-settings.js';
import type { Placement } from './placement.js';
import type { RemoteReplicas, RemoteVersion } from './remote-replicas.js';
import { askedMemoryMb, type PoolSpec } from './pool-spec.js';
import { estimatedMemoryMb, type ReplicaBudget } from './replica-budget.js';
import { ReplicaSet, type ReplicaInfo, type StartedReplica } from './replica-set.js';

/** How long a warm-up prediction may take: a model that cannot answer one record in it is not ready. */
const WARMUP_TIMEOUT_MS = 60_000;

/** Where replicas are placed: the deployment's pool (when the gateway has it) and the backend. */
export interface ReplicaPlacing {
  pool: PoolSpec | undefined;
  placement: Placement | undefined;
  /** The gateway's memory budget for loaded replicas; absent: none. */
  budget?: ReplicaBudget;
  /** Where replicas of pools on a cluster run (the Kubernetes backend). */
  remote?: RemoteReplicas;
}

/**
 * A deployment version served by replicas of `factory`'s runtime, each placed on its pool and
 * started through the shared lifecycle (`ReplicaSet`): it is itself a runtime of the same kind,
 * so that serving, draining and rollback treat every format and every scale alike.
 */
export function replicatedRuntime<R extends Runtime>(
  factory: RuntimeFactory<R>,
  spec: RuntimeSpec,
  placing: ReplicaPlacing,
): R {
  // A setting the pool cannot honour is a 400 now, before anything loads.
  const settings = lifecycleSettings(spec.config, factory.format, placing.pool, spec.pool);
  return new Replicated(factory, spec, placing, settings) as unknown as R;
}

class Replicated implements ModelRuntime, Omit<NotebookRuntime, 'kind'> {
  readonly format: Runtime['format'];
  readonly kind: 'model';
  private set: ReplicaSet<Runtime>;
  /** The first replica: what every replica shares (signature, warnings, notebook metadata). */
  private first: Runtime | undefined;
  private sig: Signature | undefined;
  /** What the lifecycle itself has to tell the publisher (about the warm-up). */
  private notes: string[] = [];
  /** The backend its replicas run on when its pool is on a cluster; else they are processes here. */
  private readonly remote: RemoteReplicas | undefined;
  /** True once the remote backend made what its replicas run from. */
  private prepared = false;
  /** What the remote backend is told this version is (one object: the backend keys on it). */
  private readonly remoteVersion: RemoteVersion;

  constructor(
    private readonly factory: RuntimeFactory,
    private readonly spec: RuntimeSpec,
    private readonly placing: ReplicaPlacing,
    private readonly settings: LifecycleSettings,
  ) {
    this.format = factory.format;
    // The wrapper takes the kind of what it wraps; `model` here only satisfies the compiler.
    this.kind = factory.kind as 'model';
    this.remote = placing.remote?.handles(spec.pool) ? placing.remote : undefined;
    this.remoteVersion = { spec, format: factory.format, kind: factory.kind };
    this.set = this.newSet();
  }

  async load(): Promise<void> {
    if (this.sig) return;
    if (this.remote) return this.loadRemote(this.remote);
    const first = await this.set.open();
    this.first ??= first;
    this.sig = first.signature();
  }

  signature(): Signature {
    if (!this.sig) throw new NotReadyError(`${this.spec.name} is not loaded`);
    return this.sig;
  }

  warnings(): string[] {
    return [...(this.first?.warnings?.() ?? []), ...this.notes];
  }

  /**
   * A version on a cluster: the artifact is checked here as on a local pool (it loads once, for
   * its signature and warnings, and is unloaded), then the backend makes what its replicas run
   * from; the replicas `minReplicas` keeps start in the background, and the version's status
   * tells how that goes (a pod the scheduler cannot place is `pending`, with its reason).
   */
  private async loadRemote(remote: RemoteReplicas): Promise<void> {
    // Checked as on the cpu pool: the gateway has no GPU to give it (its pods do), and the
    // format's signature and warnings do not depend on where it runs.
    const check = this.factory.create({ ...this.spec, pool: 'cpu', managed: true });
    try {
      await check.load();
      this.first = check;
      this.sig = check.signature();
    } finally {
      await check.unload().catch(() => {});
    }
    await remote.prepare(this.remoteVersion);
    this.prepared = true;
    if (this.settings.minReplicas > 0) void this.set.open().catch(() => {});
  }

  async ready(): Promise<void> {
    await this.set.open();
  }

  /**
   * Stops every replica; a later call starts one again (a cold start). On a cluster, what the
   * replicas ran from goes too (once no loaded version shares it), and a later load makes it
   * again.
   */
  async unload(): Promise<void> {
    const set = this.set;
    this.set = this.newSet();
    await set.close();
    if (this.remote && this.prepared) {
      this.prepared = false;
      this.sig = undefined;
      await this.remote.remove(this.remoteVersion);
    }
  }

  replicas(): ReplicaInfo[] {
    return this.set.info();
  }

  /**
   * Why no replica could start lately, for the deployment's status; on a cluster, while a
   * replica waits for its pod, why the pod waits (a `replica_pending` 503).
   */
  failure(): SlipwayError | undefined {
    const failed = this.set.failure();
    if (failed || !this.remote) return failed;
    const waiting = this.remote.waiting(this.remoteVersion);
    return waiting ? new SlipwayError(503, 'replica_pending', waiting) : undefined;
  }

  async predict(records: RecordValue[], options: CallOptions): Promise<Prediction[]> {
    return this.use(options, (r) => (r as ModelRuntime).predict(records, options));
  }

  tensorPlan(): TensorPlan | undefined {
    // A replica on a cluster is reached over HTTP, by records.
    if (this.remote || this.first?.kind !== 'model') return undefined;
    return this.first.tensorPlan?.();
  }

  async predictTensors(feeds: PackedTensors, options: CallOptions): Promise<PackedTensors> {
    return this.use(options, (r) => {
      const model = r as ModelRuntime;
      if (!model.predictTensors) throw new NotReadyError('this replica takes records only');
      return model.predictTensors(feeds, options);
    });
  }

  get parameterMode(): NotebookRuntime['parameterMode'] {
    return this.notebook().parameterMode;
  }

  parameterWarnings(names: readonly string[]): string[] {
    return this.notebook().parameterWarnings(names);
  }

  async run(
    parameters: RecordValue,
    options: CallOptions,
    text?: Readonly<Record<string, string>>,
  ): Promise<NotebookRun> {
    let cold = false;
    const run = await this.use(
      {
        ...options,
        coldStart: (ms) => {
          cold = true;
          options.coldStart?.(ms);
        },
      },
      (r) => (r as NotebookRuntime).run(parameters, options, text),
    );
    return cold ? { ...run, cold } : run;
  }

  private notebook(): NotebookRuntime {
    if (this.first?.kind !== 'notebook') throw new NotReadyError(`${this.spec.name} is not loaded`);
    return this.first;
  }

  private async use<T>(options: CallOptions, call: (runtime: Runtime) => Promise<T>): Promise<T> {
    const lent = await this.set.acquire(options.signal);
    let gone = false;
    try {
      if (lent.coldStartMs !== undefined) options.coldStart?.(lent.coldStartMs);
      return await call(lent.runtime);
    } catch (err) {
      // A replica that cannot be reached any more (its pod went) is dropped: the next call
      // goes to another, or starts one.
      gone = err instanceof SlipwayError && err.code === 'replica_gone';
      throw err;
    } finally {
      if (gone) lent.discard();
      else lent.release();
    }
  }

  private newSet(): ReplicaSet<Runtime> {
    const { budget } = this.placing;
    const memoryMb =
      askedMemoryMb(this.spec.config) ??
      estimatedMemoryMb(this.factory.format, this.spec.artifact.size);
    return new ReplicaSet<Runtime>(
      this.settings,
      () => this.startReplica(),
      undefined,
      budget && { ledger: budget, memoryMb },
      () => this.remote?.waiting(this.remoteVersion),
    );
  }

  /** One replica: placed, made, loaded and warmed up; what it took is given back if it fails. */
  private async startReplica(): Promise<StartedReplica<Runtime>> {
    if (this.remote) {
      const started = await this.remote.start(this.remoteVersion);
      try {
        if (started.runtime.kind === 'model') await this.warmUp(started.runtime);
      } catch (err) {
        await started.stop().catch(() => {});
        throw err;
      }
      return started;
    }
    const { pool, placement } = this.placing;
    const lease =
      pool && placement
        ? placement.place(pool, this.spec.config, {
            deployment: this.spec.name,
            version: this.spec.version,
          })
        : undefined;
    let runtime: Runtime | undefined;
    const stop = async () => {
      try {
        await runtime?.unload();
      } finally {
        lease?.release();
      }
    };
    try {
      runtime = this.factory.create({
        ...this.spec,
        // The lifecycle decides how many calls a replica takes, and when it stops.
        config: { ...this.spec.config, maxConcurrency: Math.min(this.settings.concurrency, 64) },
        placement: lease,
        managed: true,
      });
      await runtime.load();
      if (runtime.kind === 'model') await this.warmUp(runtime);
    } catch (err) {
      await stop().catch(() => {});
      throw err;
    }
    return { runtime, pool: lease?.pool, devices: lease?.devices, stop };
  }

  /**
   * Readiness: one prediction must make the round trip through the replica (its model, its
   * worker) before it takes a call. With `config.warmup` (a record the publisher knows it
   * answers) any failure keeps the replica out. Without it the record is built from the
   * signature, and a model that refuses those made-up values (an unknown category, say) has
   * still answered: the replica is ready, and the publisher is told to name a record.
   */
  private async warmUp(runtime: ModelRuntime): Promise<void> {
    const signature = runtime.signature();
    const given = this.spec.config.warmup;
    const named = given !== null && typeof given === 'object' && !Array.isArray(given);
    const record = named ? (given as Record<string, unknown>) : exampleRecord(signature);
    try {
      const { records } = compileValidator(signature, { unknownFields: 'ignore' })([record]);
      await runtime.predict(records, {
        requestId: `warmup-${this.spec.name}`,
        warmup: true,
        timeoutMs: WARMUP_TIMEOUT_MS,
      });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      if (!named && refusedByModel(err)) {
        this.notes = [
          `the warm-up prediction of an example record was refused by the model (${why}); set config.warmup to a record it answers, so that a replica is ready only once it answers one`,
        ];
        return;
      }
      throw new UnusableArtifactError(
        `the warm-up prediction failed (${why})${named ? '' : '; set config.warmup to a record the model answers'}`,
        'warmup_failed',
      );
    }
  }
}

/** The model ran and refused the record (a 400, or its own error), as opposed to not running. */
function refusedByModel(err: unknown): boolean {
  return err instanceof SlipwayError && (err.status === 400 || err.code === 'prediction_failed');
}
