import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DeadlineError, NotReadyError, SlipwayError, UnusableArtifactError } from '../../errors.js';
import type { RecordValue, Signature } from '../../protocol/signature.js';
import { ConcurrencyLimit } from '../../workers/concurrency-limit.js';
import {
  deploymentInterpreter,
  pythonRoleWorker,
  workerMemoryMb,
  type PythonRoleDeps,
} from '../../workers/python-role-worker.js';
import { WorkerCallError } from '../../workers/worker-protocol.js';
import type { WorkerSupervisor } from '../../workers/worker-supervisor.js';
import { callTimeout } from '../call-timeout.js';
import type { CallOptions, ModelRuntime, Prediction, RuntimeSpec } from '../types.js';
import { fieldSchema, parsePickleConfig, type PickleConfig } from './pickle-config.js';
import { mapWorkerError } from './pickle-errors.js';
import { applyCpuWeight } from '../../pools/process-priority.js';

/** Address-space limit of a model worker when neither the gateway nor the deployment sets one. */
export const DEFAULT_MODEL_MEMORY_MB = 2048;

/** What the pickle runtime needs from the gateway. */
export interface PickleRuntimeDeps extends PythonRoleDeps {
  /** RLIMIT_AS of each model worker, in MiB (`SLIPWAY_MODEL_MEMORY_MB`); a deployment may set its own. */
  memoryMb?: number;
}

/** Time a model gets to unpickle (and run its snippets' top level) once its worker runs. */
const LOAD_TIMEOUT_MS = 120_000;

const loadReply = z.object({
  inputs: z.array(fieldSchema).min(1),
  outputs: z.array(fieldSchema).min(1),
  kind: z.string(),
  warnings: z.array(z.string()),
});

/**
 * A pickled model (pickle, joblib or cloudpickle), or an XGBoost or LightGBM model in its own
 * format, served by a Python worker of its own, never in the gateway: unpickling runs code
 * from the file. The worker tells the formats apart by content (model_flavours.py). One worker per loaded version isolates
 * deployments from each other — a crash (502, the worker restarts), a call past its timeout
 * (504; the worker is killed, since Python cannot stop a running thread) or an allocation past
 * the memory limit (RLIMIT_AS) hurts that deployment only — and lets a deployment with
 * `requirements` run on its own interpreter. The worker stops when idle and starts on the next
 * call, loading the model again.
 */
export class PickleRuntime implements ModelRuntime {
  readonly kind = 'model' as const;
  readonly format = 'pickle' as const;
  private sig: Signature | undefined;
  private notes: string[] = [];
  private loading: Promise<void> | undefined;
  private reloading: Promise<void> | undefined;
  private worker: WorkerSupervisor | undefined;
  private config: PickleConfig | undefined;
  private limit: ConcurrencyLimit | undefined;
  /** Tells a worker's model apart from another after a restart (it then has none). */
  private readonly key: string;

  constructor(
    private readonly spec: RuntimeSpec,
    private readonly deps: PickleRuntimeDeps,
  ) {
    this.key = `${spec.name}@${spec.version}:${randomUUID()}`;
  }

  /**
   * Prepares the interpreter (a venv for `config.requirements`, made once per set), starts the
   * worker and loads the file in it. A bad config is a 400, a file that cannot be unpickled a
   * 422. Idempotent.
   */
  async load(signal?: AbortSignal): Promise<void> {
    if (this.sig) return;
    this.loading ??= this.open(signal).finally(() => (this.loading = undefined));
    return this.loading;
  }

  signature(): Signature {
    if (!this.sig) throw new NotReadyError('the pickled model is not loaded');
    return this.sig;
  }

  warnings(): string[] {
    return this.notes;
  }

  /** One answer per record, from one call to the worker for the whole batch. */
  async predict(records: RecordValue[], options: CallOptions): Promise<Prediction[]> {
    // A load is shared by every caller waiting for it: one caller leaving must not fail it.
    await this.load();
    const limit = this.limit!;
    await limit.acquire(options.signal);
    try {
      return await this.callPredict(records, options, true);
    } finally {
      limit.release();
    }
  }

  /** Stops the worker; the next `predict` starts another and loads the model again. */
  async unload(): Promise<void> {
    this.sig = undefined;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.stop();
  }

  private get memoryMb(): number {
    return workerMemoryMb(this.spec, this.deps.memoryMb, DEFAULT_MODEL_MEMORY_MB);
  }

  private async open(signal?: AbortSignal): Promise<void> {
    // Parsed here, not in the constructor: a publish that fails then removes its artifact.
    const config = (this.config ??= parsePickleConfig(this.spec.config));
    this.limit ??= new ConcurrencyLimit(config.maxConcurrency, config.queueSize, this.spec.name);
    try {
      const worker = (this.worker ??= this.startWorker(await this.python(config), config));
      const reply = await this.loadInWorker(worker, signal);
      this.sig = { inputs: reply.inputs, outputs: reply.outputs };
      this.notes = reply.warnings;
    } catch (err) {
      const worker = this.worker;
      this.worker = undefined;
      await worker?.stop();
      throw err;
    }
  }

  private python(config: PickleConfig): Promise<string> {
    return deploymentInterpreter(config.requirements, this.deps, `pickle ${this.spec.name}`);
  }

  private startWorker(python: string, config: PickleConfig): WorkerSupervisor {
    const worker = pythonRoleWorker({
      role: 'models',
      name: `model ${this.spec.name}`,
      python,
      memoryMb: this.memoryMb,
      // A replica of the shared lifecycle is stopped by it, not by its own idle timer.
      idleStopMs: this.spec.managed ? 0 : config.idleSeconds * 1000,
      placement: this.spec.placement,
      deps: this.deps,
    });
    // A crashed worker comes back without the model: load it before the next call needs it.
    worker.onStart((event) => {
      applyCpuWeight(event.pid, this.spec.placement);
      if (event.reason === 'restart') void this.reload(worker).catch(() => {});
    });
    return worker;
  }

  private async loadInWorker(
    worker: WorkerSupervisor,
    signal?: AbortSignal,
  ): Promise<z.infer<typeof loadReply>> {
    const c = this.config!;
    let reply: unknown;
    try {
      reply = await worker.call(
        'load_model',
        {
          key: this.key,
          path: this.spec.artifact.path,
          preprocess: c.preprocess,
          predict: c.predict,
          signature: c.signature,
        },
        { timeoutMs: LOAD_TIMEOUT_MS, signal },
      );
    } catch (err) {
      if (err instanceof DeadlineError) {
        await killAndWait(worker);
        throw new UnusableArtifactError(
          `the model did not load within ${LOAD_TIMEOUT_MS / 1000} s`,
        );
      }
      throw mapWorkerError(err, 'load', this.memoryMb);
    }
    const parsed = loadReply.safeParse(reply);
    if (!parsed.success)
      throw new UnusableArtifactError(
        `the worker described the model in a way the gateway cannot use: ${parsed.error.issues[0]!.message}`,
      );
    return parsed.data;
  }

  private reload(worker: WorkerSupervisor): Promise<void> {
    this.reloading ??= this.loadInWorker(worker)
      .then(() => undefined)
      .finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async callPredict(
    records: RecordValue[],
    options: CallOptions,
    retry: boolean,
  ): Promise<Prediction[]> {
    const worker = this.worker;
    if (!worker) throw new NotReadyError('the pickled model was unloaded during the call');
    const timeoutMs = callTimeout(options);
    try {
      return await worker.call<Prediction[]>(
        'predict',
        { key: this.key, records },
        { timeoutMs, signal: options.signal },
      );
    } catch (err) {
      if (retry && err instanceof WorkerCallError && err.type === 'ModelNotLoaded') {
        // The worker was restarted or woke from idle: load the model, then try once more.
        await this.reload(worker);
        return this.callPredict(records, options, false);
      }
      if (err instanceof DeadlineError && !(options.signal?.aborted ?? false)) {
        // The model may still be computing in a thread nobody can stop: end the process.
        await killAndWait(worker);
        throw new DeadlineError(
          `the model did not answer within ${(timeoutMs / 1000).toFixed(1)} s (config.timeoutSeconds); its worker was stopped and restarts`,
        );
      }
      if (err instanceof SlipwayError) throw err;
      throw mapWorkerError(err, 'predict', this.memoryMb);
    }
  }
}

/**
 * Kills the running worker and waits (briefly) until the supervisor has seen it exit, so that
 * a call made right after the 504 goes to the next worker rather than to the dying one.
 */
async function killAndWait(worker: WorkerSupervisor): Promise<void> {
  const pid = worker.state === 'running' ? worker.pid : undefined;
  if (pid === undefined) return;
  worker.kill();
  const end = Date.now() + 2_000;
  while (worker.pid === pid && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}
