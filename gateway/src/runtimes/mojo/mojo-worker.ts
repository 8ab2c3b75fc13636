import { WorkerCallError } from '../../workers/worker-protocol.js';
import {
  WorkerSupervisor,
  type CallOptions,
  type WorkerSupervisorOptions,
} from '../../workers/worker-supervisor.js';
import { checkJava, ensureJvmWorkerJar, JVM_WORKER_DIR } from './java-env.js';

/** What the worker's `load` answers: the MOJO as h2o-genmodel reads it. */
export interface MojoDescription {
  /** h2o's ModelCategory: Binomial, Multinomial, Ordinal, Regression, Clustering, … */
  category: string;
  /** The genmodel class, e.g. `GbmMojoModel`. */
  algorithm: string;
  uuid: string;
  response: string | null;
  offset: string | null;
  /** Feature columns in the model's order; `levels` null for a numeric column. */
  inputs: { name: string; levels: string[] | null }[];
  /** The response's levels, for a classifier. */
  classes: string[] | null;
  /**
   * For a model that is neither classifier nor regression: the names of the columns h2o's
   * predict answers (`predict`, `mean_length` for an Isolation Forest), in `columns`' order.
   */
  outputs: string[] | null;
}

/** One scored row as the worker answers it. */
export type MojoScore =
  | { label: string; p: (number | null)[] }
  | { value: number | null }
  | { columns: (number | null)[] };

export interface MojoWorkerOptions extends Pick<
  WorkerSupervisorOptions,
  'spawn' | 'startupTimeoutMs' | 'healthIntervalMs' | 'healthTimeoutMs' | 'idleStopMs' | 'log'
> {
  /** The `java` command. Default `java` (from the PATH). */
  java?: string;
  /** Extra JVM options, e.g. `-Xmx2g`. */
  javaOptions?: string[];
  /** Scoring threads in the worker. Default: the CPUs, at most 4. */
  threads?: number;
  /** The jar to run; default: build (when stale) and use the worker's own. */
  jar?: string;
}

/** Stop a JVM that had no calls for this long; the next call starts it again. */
const DEFAULT_IDLE_STOP_MS = 15 * 60_000;
/** Reading a MOJO: a big GBM takes seconds; this bounds a worker that hangs on one. */
const LOAD_TIMEOUT_MS = 120_000;

/**
 * The JVM worker that scores H2O MOJOs, shared by every MOJO deployment: one process holding
 * each loaded MOJO once, keyed by its artifact's sha256 and counted by the runtimes using it.
 * After the worker restarts (crash, or stopped when idle) it holds nothing: a call for a MOJO
 * it no longer has loads it again and is retried once.
 */
export class MojoWorker {
  readonly supervisor: WorkerSupervisor;
  private readonly users = new Map<string, number>();
  private javaChecked: Promise<number> | undefined;
  private readonly java: string;

  constructor(private readonly opts: MojoWorkerOptions = {}) {
    this.java = opts.java ?? 'java';
    const args = [...(opts.javaOptions ?? []), '-jar'];
    const extra = opts.threads ? ['--threads', String(opts.threads)] : [];
    this.supervisor = new WorkerSupervisor({
      name: 'jvm',
      log: opts.log,
      spawn: opts.spawn,
      startupTimeoutMs: opts.startupTimeoutMs,
      healthIntervalMs: opts.healthIntervalMs,
      healthTimeoutMs: opts.healthTimeoutMs,
      idleStopMs: opts.idleStopMs ?? DEFAULT_IDLE_STOP_MS,
      command: async () => ({
        command: this.java,
        args: [...args, await this.jar(), ...extra],
        cwd: JVM_WORKER_DIR,
      }),
    });
  }

  /** The configured jar, else the worker's own, built first when it is missing or stale. */
  private jar(): Promise<string> {
    return this.opts.jar !== undefined
      ? Promise.resolve(this.opts.jar)
      : ensureJvmWorkerJar({ log: this.opts.log });
  }

  /**
   * Checks Java and the jar before anything starts, so a machine without a JDK gets a 503 that
   * says what to install instead of a worker that "did not start".
   */
  async ready(): Promise<void> {
    this.javaChecked ??= checkJava(this.java);
    try {
      await this.javaChecked;
    } catch (err) {
      this.javaChecked = undefined; // a JDK installed later is found on the next try
      throw err;
    }
    await this.jar();
  }

  /** Loads a MOJO for one more user and describes it. */
  async acquire(key: string, path: string, signal?: AbortSignal): Promise<MojoDescription> {
    await this.ready();
    this.users.set(key, (this.users.get(key) ?? 0) + 1);
    try {
      return await this.load(key, path, { timeoutMs: LOAD_TIMEOUT_MS, signal });
    } catch (err) {
      await this.release(key);
      throw err;
    }
  }

  /** Scores rows with a loaded MOJO, loading it again if the worker restarted meanwhile. */
  async predict(
    key: string,
    path: string,
    rows: Record<string, unknown>[],
    opts: CallOptions,
  ): Promise<MojoScore[]> {
    try {
      return await this.supervisor.call<MojoScore[]>('predict', { key, rows }, opts);
    } catch (err) {
      if (!(err instanceof WorkerCallError && err.type === 'NotLoaded')) throw err;
      await this.load(key, path, { ...opts, timeoutMs: LOAD_TIMEOUT_MS });
      return this.supervisor.call<MojoScore[]>('predict', { key, rows }, opts);
    }
  }

  /** One user fewer; the last one's release frees the MOJO in the worker. */
  async release(key: string): Promise<void> {
    const n = (this.users.get(key) ?? 0) - 1;
    if (n > 0) {
      this.users.set(key, n);
      return;
    }
    this.users.delete(key);
    // Only a running worker holds it; starting one to drop it would be silly.
    if (this.supervisor.state === 'running')
      await this.supervisor.call('unload', { key }, { timeoutMs: 10_000 }).catch(() => {});
  }

  /** Stops the worker for good. */
  stop(): Promise<void> {
    return this.supervisor.stop();
  }

  private load(key: string, path: string, opts: CallOptions): Promise<MojoDescription> {
    return this.supervisor.call<MojoDescription>('load', { key, path }, opts);
  }
}
