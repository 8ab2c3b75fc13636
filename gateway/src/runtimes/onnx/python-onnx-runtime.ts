import { randomUUID } from 'node:crypto';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { DeadlineError, InvalidInputError, NotReadyError, SlipwayError } from '../../errors.js';
import { applyCpuWeight } from '../../pools/process-priority.js';
import type { RecordValue, Signature } from '../../protocol/signature.js';
import {
  deploymentInterpreter,
  pythonRoleWorker,
  workerMemoryMb,
} from '../../workers/python-role-worker.js';
import { WorkerCallError } from '../../workers/worker-protocol.js';
import { WorkerSupervisor } from '../../workers/worker-supervisor.js';
import { callTimeout } from '../call-timeout.js';
import { DEFAULT_MODEL_MEMORY_MB, type PickleRuntimeDeps } from '../pickle/pickle-runtime.js';
import { mapWorkerError } from '../pickle/pickle-errors.js';
import type { CallOptions, ModelRuntime, Prediction, RuntimeSpec } from '../types.js';
import { parseOnnxConfig, type OnnxConfig } from './onnx-config.js';
import { OnnxModel } from './onnx-model.js';
import {
  fromWire,
  toWire,
  type OnnxSession,
  type SessionRunOptions,
  type WireTensor,
} from './onnx-session.js';
import { prepareModel } from './prepare-model.js';

/** What the Python engine needs from the gateway: what a pickle's worker needs. */
export type PythonOnnxDeps = PickleRuntimeDeps;

/** Time a session gets to open (CUDA initialisation included) once its worker runs. */
const OPEN_TIMEOUT_MS = 180_000;

/** True for a replica given GPU devices (or, unplaced, one on the `gpu` pool). */
export function hasGpus(spec: RuntimeSpec): boolean {
  return spec.placement ? spec.placement.devices.length > 0 : spec.pool === 'gpu';
}

/**
 * The execution providers a replica asks for: CUDA when it has GPUs, with the CPU for the
 * operators CUDA has no kernel for (as onnxruntime-gpu is meant to be used).
 */
function providersFor(spec: RuntimeSpec): string[] {
  return hasGpus(spec)
    ? ['CUDAExecutionProvider', 'CPUExecutionProvider']
    : ['CPUExecutionProvider'];
}

/**
 * An ONNX model whose session runs in a Python worker of its own (`config.engine: python`, the
 * default on a pool with GPUs): onnxruntime's Python package has the CUDA execution provider
 * (onnxruntime-gpu), which the npm package cannot download here. The signature, the stacking
 * of records into tensors and the reading of outputs are the gateway's, as on the CPU path, so
 * that both answer alike; only the session's run happens in the worker, on the replica's
 * devices. A provider that cannot start (no device, a missing CUDA library) refuses the load
 * naming it: never a silent run on the CPU.
 */
export class PythonOnnxRuntime implements ModelRuntime {
  readonly kind = 'model' as const;
  readonly format = 'onnx' as const;
  private model: OnnxModel | undefined;
  private loading: Promise<OnnxModel> | undefined;
  private worker: WorkerSupervisor | undefined;
  /** The model's bytes as the session opens them (ZipMap outputs unzipped), for the worker. */
  private preparedPath: string | undefined;
  private readonly key: string;

  constructor(
    private readonly spec: RuntimeSpec,
    private readonly deps: PythonOnnxDeps,
  ) {
    this.key = `${spec.name}@${spec.version}:${randomUUID()}`;
  }

  async load(signal?: AbortSignal): Promise<void> {
    if (this.model) return;
    this.loading ??= this.open(signal).finally(() => (this.loading = undefined));
    this.model = await this.loading;
  }

  signature(): Signature {
    if (!this.model) throw new NotReadyError('the ONNX model is not loaded');
    return this.model.plan.signature;
  }

  warnings(): string[] {
    return this.model?.plan.warnings ?? [];
  }

  async predict(records: RecordValue[], options: CallOptions): Promise<Prediction[]> {
    if (!this.model) await this.load();
    return this.model!.predict(records, {
      timeoutMs: callTimeout(options),
      signal: options.signal,
    });
  }

  async unload(): Promise<void> {
    await this.loading?.catch(() => undefined);
    this.model = undefined;
    await this.release();
  }

  /** Stops the worker and removes the prepared file. */
  private async release(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.stop();
    if (this.preparedPath) await rm(this.preparedPath, { force: true });
    this.preparedPath = undefined;
  }

  private get memoryMb(): number {
    return workerMemoryMb(this.spec, this.deps.memoryMb, DEFAULT_MODEL_MEMORY_MB);
  }

  private async open(signal?: AbortSignal): Promise<OnnxModel> {
    const config = parseOnnxConfig(this.spec.config);
    if (config.batching)
      throw new InvalidInputError(
        'config.batching: micro-batching is done by the node engine; leave it out with config.engine "python"',
        'config.batching',
      );
    const prepared = prepareModel(await readFile(this.spec.artifact.path));
    let path = this.spec.artifact.path;
    if (prepared.unzipped.length > 0) {
      // The rewrite lives in memory: the worker (another user) reads it from a file of its own.
      path = this.preparedPath = join(tmpdir(), `slipway-onnx-${randomUUID()}.onnx`);
      await writeFile(path, prepared.bytes);
      await chmod(path, 0o644);
    }
    try {
      const python = await deploymentInterpreter(
        config.requirements,
        this.deps,
        `onnx ${this.spec.name}`,
      );
      const worker = (this.worker ??= this.startWorker(python, config));
      const open = { path, threads: config.threads };
      const info = await this.openIn(worker, open, signal);
      // A worker that restarted (a crash, a run past its time) or woke from idle has no session.
      const reopen = () => this.openIn(worker, open).then(() => undefined);
      return OnnxModel.fromSession(
        new WorkerSession(worker, this.key, info, reopen),
        prepared.labels,
      );
    } catch (err) {
      // Not `unload`: it waits for this very load.
      await this.release();
      throw err;
    }
  }

  private async openIn(
    worker: WorkerSupervisor,
    { path, threads }: { path: string; threads?: number },
    signal?: AbortSignal,
  ): Promise<SessionInfo> {
    try {
      return await worker.call<SessionInfo>(
        'open_session',
        { key: this.key, path, providers: providersFor(this.spec), threads },
        { timeoutMs: OPEN_TIMEOUT_MS, signal },
      );
    } catch (err) {
      throw mapWorkerError(err, 'load', this.memoryMb);
    }
  }

  private startWorker(python: string, config: OnnxConfig): WorkerSupervisor {
    const worker = pythonRoleWorker({
      role: 'onnx',
      name: `onnx ${this.spec.name}`,
      python,
      // CUDA maps far more address space than it uses: RLIMIT_AS would stop it starting.
      memoryMb: hasGpus(this.spec) ? 0 : this.memoryMb,
      // A replica of the shared lifecycle is stopped by it, not by its own idle timer.
      idleStopMs: this.spec.managed ? 0 : config.idleSeconds * 1000,
      placement: this.spec.placement,
      deps: this.deps,
    });
    worker.onStart((event) => applyCpuWeight(event.pid, this.spec.placement));
    return worker;
  }
}

/** What `open_session` answers: the session's metadata and the providers it really uses. */
interface SessionInfo {
  inputs: ort.InferenceSession.ValueMetadata[];
  outputs: ort.InferenceSession.ValueMetadata[];
  providers: string[];
}

/**
 * A session in a Python worker. A run past its time limit kills the worker (a session's run
 * cannot be stopped otherwise); the next run finds a new one and opens the session again.
 */
class WorkerSession implements OnnxSession {
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];

  constructor(
    private readonly worker: WorkerSupervisor,
    private readonly key: string,
    info: SessionInfo,
    /** Opens the session again in a worker that has none. */
    private readonly reopen: () => Promise<void>,
  ) {
    this.inputMetadata = info.inputs;
    this.outputMetadata = info.outputs;
  }

  async run(
    feeds: Record<string, ort.Tensor>,
    fetches: readonly string[],
    options: SessionRunOptions = {},
  ): Promise<Record<string, ort.Tensor>> {
    const wire = Object.fromEntries(Object.entries(feeds).map(([n, t]) => [n, toWire(t)]));
    const reply = await this.call(wire, fetches, options, true);
    return Object.fromEntries(Object.entries(reply).map(([n, w]) => [n, fromWire(n, w)]));
  }

  async release(): Promise<void> {
    await this.worker
      .call('close_session', { key: this.key }, { timeoutMs: 10_000 })
      .catch(() => {});
  }

  private async call(
    feeds: Record<string, WireTensor>,
    fetches: readonly string[],
    options: SessionRunOptions,
    retry: boolean,
  ): Promise<Record<string, WireTensor>> {
    try {
      return await this.worker.call<Record<string, WireTensor>>(
        'run',
        { key: this.key, feeds, fetches },
        { timeoutMs: options.timeoutMs, signal: options.signal },
      );
    } catch (err) {
      if (retry && err instanceof WorkerCallError && err.type === 'ModelNotLoaded') {
        await this.reopen();
        return this.call(feeds, fetches, options, false);
      }
      if (err instanceof DeadlineError && !(options.signal?.aborted ?? false)) {
        // The session may still be running in a thread nobody can stop: end the process.
        this.worker.kill();
        throw new DeadlineError(
          `the model did not answer within ${((options.timeoutMs ?? 0) / 1000).toFixed(1)} s (config.timeoutSeconds); its worker was stopped and restarts`,
        );
      }
      if (err instanceof SlipwayError) throw err;
      throw mapWorkerError(err, 'predict', 0);
    }
  }
}
