import { monitoredFeatures, type MonitoredFeature } from '../monitoring/features.js';
import { predictionView, type PredictionView } from '../monitoring/prediction-view.js';
import type { VersionRecord } from '../db/deployment-repository.js';
import { NotReadyError, SlipwayError, UnusableArtifactError } from '../errors.js';
import type { DeploymentStatus, Format, PoolName } from '../protocol/deployments.js';
import type { Signature } from '../protocol/signature.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { RuntimeRegistry } from '../runtimes/registry.js';
import type { ReplicaInfo } from '../pools/replica-set.js';
import type { Runtime, RuntimeKind } from '../runtimes/types.js';
import { compileValidator, type RecordValidator } from '../validation/validate-records.js';
import { servingOptions, type ServingOptions } from './serving-options.js';

/** A version ready to answer: its runtime, its compiled input validator and its options. */
export interface Served {
  name: string;
  version: number;
  runtime: Runtime;
  signature: Signature;
  validate: RecordValidator;
  options: ServingOptions;
  /** The version's config as published (what the monitor and the serving options read). */
  config: Record<string, unknown>;
  /** What the monitor reads from its calls: the watched features, the prediction. */
  monitor: { features: MonitoredFeature[]; view: PredictionView };
}

interface Slot {
  state: 'loading' | 'ready' | 'failed';
  promise: Promise<Served>;
  served?: Served;
  error?: unknown;
}

const key = (name: string, version: number) => `${name}@${version}`;

/**
 * Keeps loaded model versions in memory. Loading is single-flight per version: concurrent
 * first calls after a restart share one load. Runtimes are created from the artifact store,
 * so a restart needs nothing but the database and the files.
 */
export class ModelHost {
  private readonly slots = new Map<string, Slot>();
  /** Calls under way per served version. */
  private readonly holds = new Map<Served, number>();
  /** Retired versions waiting for their calls to end, with what unloads them. */
  private readonly retiring = new Map<Served, () => void>();
  /** Called when the last call under way ends, while the gateway drains. */
  private onIdle: (() => void) | undefined;

  constructor(
    private readonly registry: RuntimeRegistry,
    private readonly store: ArtifactStore,
  ) {}

  /** What a format's runtimes do, before one is loaded; undefined for a format not served. */
  kindOf(format: string): RuntimeKind | undefined {
    return this.registry.get(format as Format)?.kind;
  }

  /** Hot path: the loaded version, or undefined when it still has to load. */
  peek(name: string, version: number): Served | undefined {
    return this.slots.get(key(name, version))?.served;
  }

  /** The loaded version, loading it first when needed. */
  acquire(v: VersionRecord, pool: PoolName): Promise<Served> {
    const k = key(v.deploymentName, v.version);
    const slot = this.slots.get(k);
    if (slot && slot.state !== 'failed') return slot.promise;
    const fresh: Slot = { state: 'loading', promise: this.load(v, pool) };
    fresh.promise = fresh.promise.then(
      (served) => {
        fresh.state = 'ready';
        fresh.served = served;
        return served;
      },
      (err: unknown) => {
        fresh.state = 'failed';
        fresh.error = err;
        throw err instanceof SlipwayError
          ? new NotReadyError(`${k} could not be loaded: ${err.message}`)
          : new NotReadyError(`${k} could not be loaded; see the gateway log`);
      },
    );
    // A failed background load must not be an unhandled rejection; callers see the error.
    fresh.promise.catch(() => {});
    this.slots.set(k, fresh);
    return fresh.promise;
  }

  /** Puts a runtime that publish already loaded in place, so the first call is warm. */
  adopt(v: VersionRecord, runtime: Runtime): Served {
    const served = toServed(v, runtime);
    this.slots.set(key(v.deploymentName, v.version), {
      state: 'ready',
      promise: Promise.resolve(served),
      served,
    });
    return served;
  }

  status(name: string, version: number): DeploymentStatus {
    return this.health(name, version).status;
  }

  /**
   * A version's status with the reason when it failed: its load failed, or it is loaded but
   * no replica is up and the last one could not start (its pool is full, its worker cannot
   * start there).
   */
  health(name: string, version: number): { status: DeploymentStatus; reason: string | null } {
    const slot = this.slots.get(key(name, version));
    if (!slot) return { status: 'ready', reason: null };
    if (slot.state === 'failed')
      return { status: 'failed', reason: (slot.error as Error | undefined)?.message ?? null };
    const runtime = slot.served?.runtime;
    const failure = runtime?.failure?.();
    if (failure && !runtime?.replicas?.().some((r) => r.state === 'ready'))
      return {
        // A pod the cluster cannot place yet may be placed later (a node joins): it waits.
        status: failure.code === 'replica_pending' ? 'pending' : 'failed',
        reason: failure.message,
      };
    return { status: slot.state, reason: null };
  }

  /** The versions of `name` in memory, retiring ones included, with their replicas. */
  replicas(name: string): {
    version: number;
    retiring: boolean;
    calls: number;
    replicas: ReplicaInfo[];
  }[] {
    return this.inMemory()
      .filter((s) => s.name === name)
      .map((s) => ({
        version: s.version,
        retiring: this.retiring.has(s),
        calls: this.holds.get(s) ?? 0,
        replicas: s.runtime.replicas?.() ?? [],
      }));
  }

  /**
   * Marks a call as using `served` until the returned function is called, so that retiring
   * its version waits for the call (a redeploy drains, it does not cut calls short).
   */
  hold(served: Served): () => void {
    this.holds.set(served, (this.holds.get(served) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.holds.get(served) ?? 1) - 1;
      if (left > 0) return void this.holds.set(served, left);
      this.holds.delete(served);
      if (this.holds.size === 0) this.onIdle?.();
      const retired = this.retiring.get(served);
      if (retired) {
        this.retiring.delete(served);
        retired();
      }
    };
  }

  /**
   * A version no longer live (superseded by a publish, or rolled back from): new calls stop
   * finding it, and it is unloaded — its workers stopped — once the calls using it are done.
   * A later call that names it explicitly loads it again.
   */
  async retire(name: string, version: number): Promise<void> {
    const k = key(name, version);
    const slot = this.slots.get(k);
    if (!slot) return;
    this.slots.delete(k);
    // A loaded version is marked retiring at once, before anything is awaited.
    const served = slot.served ?? (await slot.promise.catch(() => undefined));
    if (!served) return;
    if (!this.holds.has(served)) return served.runtime.unload();
    await new Promise<void>((drained) => this.retiring.set(served, drained));
    await served.runtime.unload();
  }

  /**
   * Retires every version of `name` (its deletion): idle ones are unloaded before this
   * resolves; ones with calls under way finish those calls first, in the background.
   */
  async retireAll(name: string): Promise<void> {
    const versions = [...this.slots.keys()]
      .filter((k) => k.startsWith(`${name}@`))
      .map((k) => Number(k.slice(name.length + 1)));
    await Promise.all(
      versions.map((v) => {
        const served = this.peek(name, v);
        const retired = this.retire(name, v);
        if (served && this.holds.has(served)) return void retired.catch(() => {});
        return retired;
      }),
    );
  }

  /**
   * Resolves once no call uses any version, or after `deadlineMs`: a gateway stopping lets the
   * calls under way (asynchronous notebook runs included) finish first.
   */
  async drain(deadlineMs: number): Promise<void> {
    if (this.holds.size === 0 || deadlineMs <= 0) return;
    await new Promise<void>((done) => {
      const timer = setTimeout(done, deadlineMs);
      timer.unref?.();
      this.onIdle = () => {
        clearTimeout(timer);
        done();
      };
    });
    this.onIdle = undefined;
  }

  /** The versions in memory, retiring ones included, with the calls using each. */
  loaded(): { name: string; version: number; calls: number; retiring: boolean }[] {
    return this.inMemory().map((s) => ({
      name: s.name,
      version: s.version,
      calls: this.holds.get(s) ?? 0,
      retiring: this.retiring.has(s),
    }));
  }

  private inMemory(): Served[] {
    const live = [...this.slots.values()].flatMap((s) => (s.served ? [s.served] : []));
    return [...live, ...this.retiring.keys()];
  }

  /** Frees one version, or every version of a deployment. */
  async unload(name: string, version?: number): Promise<void> {
    const doomed = [...this.slots.entries()].filter(([k]) =>
      version === undefined ? k.startsWith(`${name}@`) : k === key(name, version),
    );
    for (const [k] of doomed) this.slots.delete(k);
    await Promise.all(doomed.map(([, s]) => s.served?.runtime.unload()));
  }

  async close(): Promise<void> {
    const all = [...this.slots.values()];
    this.slots.clear();
    await Promise.allSettled(all.map((s) => s.served?.runtime.unload()));
  }

  private async load(v: VersionRecord, pool: PoolName): Promise<Served> {
    const factory = this.registry.get(v.format);
    if (!factory)
      throw new UnusableArtifactError(`no runtime for format ${v.format} on this gateway`);
    const runtime = factory.create({
      name: v.deploymentName,
      version: v.version,
      artifact: this.store.ref(v.artifactSha256, v.artifactSize, v.filename ?? undefined),
      pool,
      config: v.config,
    });
    try {
      await runtime.load();
    } catch (err) {
      // What it started (a worker, its place on the pool) goes with it.
      await runtime.unload().catch(() => {});
      throw err;
    }
    return toServed(v, runtime);
  }
}

function toServed(v: VersionRecord, runtime: Runtime): Served {
  const signature = runtime.signature();
  const options = servingOptions(v.config, runtime.kind);
  return {
    name: v.deploymentName,
    version: v.version,
    runtime,
    signature,
    validate: compileValidator(signature, { unknownFields: options.unknownFields }),
    options,
    config: v.config,
    monitor: {
      features: monitoredFeatures(signature),
      view: predictionView(signature, v.config, runtime.kind),
    },
  };
}
