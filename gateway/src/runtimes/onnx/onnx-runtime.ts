import { randomUUID } from 'node:crypto';
import { NotReadyError } from '../../errors.js';
import type { RecordValue, Signature } from '../../protocol/signature.js';
import { abortReason } from '../../workers/worker-process.js';
import { callTimeout } from '../call-timeout.js';
import type { CallOptions, ModelRuntime, Prediction, RuntimeSpec } from '../types.js';
import type { XmlLimits } from '../pmml/xml.js';
import { parseOnnxConfig } from './onnx-config.js';
import type { OnnxWorkers } from './onnx-workers.js';
import { RemoteModel } from './remote-model.js';
import type { PackedTensors, TensorPlan } from './packed-tensors.js';

/**
 * An ONNX model served by onnxruntime-node in an ONNX worker process (see OnnxWorkers), never
 * on the gateway's event loop: loading and every run happen in the model's own thread there.
 * A call gets `timeoutMs` once the model starts on it; past it the call answers 504 and the
 * worker is killed (onnxruntime cannot stop a run otherwise), and the next call loads the
 * model in a new one. After `unload`, the next `predict` loads the model again.
 */
export class OnnxRuntime implements ModelRuntime {
  readonly kind = 'model' as const;
  readonly format: 'onnx' | 'pmml';
  private loaded: RemoteModel | undefined;
  private loading: Promise<RemoteModel> | undefined;

  constructor(
    private readonly spec: RuntimeSpec,
    private readonly workers: OnnxWorkers,
    /**
     * A PMML document instead (its parse limits): scored by the gateway's evaluator in a
     * thread of a worker process of its own, the way a pool other than `cpu` runs it.
     */
    private readonly pmml?: { limits: XmlLimits },
  ) {
    this.format = pmml ? 'pmml' : 'onnx';
  }

  /**
   * Starts the worker and creates the session there. A bad config is a 400; a file
   * onnxruntime refuses fails with `UnusableArtifactError` and its reason.
   */
  async load(signal?: AbortSignal): Promise<void> {
    if (this.loaded) return;
    this.loading ??= this.open(signal).finally(() => (this.loading = undefined));
    this.loaded = await this.loading;
  }

  signature(): Signature {
    const info = this.loaded?.info;
    if (!info) throw new NotReadyError('the ONNX model is not loaded');
    return info.signature;
  }

  warnings(): string[] {
    return this.loaded?.info?.warnings ?? [];
  }

  /** One `{output: value}` object per record, in order. */
  async predict(records: RecordValue[], options: CallOptions): Promise<Prediction[]> {
    // A load is shared by every caller waiting for it: one caller leaving must not fail it.
    const model = this.loaded ?? (await this.loadAgain());
    return model.predict(records, callTimeout(options), options.signal);
  }

  /** Its tensors' plan as bytes: an ONNX model whose inputs and outputs all travel so. */
  tensorPlan(): TensorPlan | undefined {
    return this.pmml ? undefined : this.loaded?.info?.tensors;
  }

  /** One run of tensors as bytes (a batch job's chunk), timed and ordered as `predict` is. */
  async predictTensors(feeds: PackedTensors, options: CallOptions): Promise<PackedTensors> {
    const model = this.loaded ?? (await this.loadAgain());
    return model.predictTensors(feeds, callTimeout(options), options.signal);
  }

  /** Lets the calls under way finish, then frees the model and its worker. */
  async unload(): Promise<void> {
    if (this.loading) await this.loading.catch(() => undefined);
    const model = this.loaded;
    this.loaded = undefined;
    await model?.close();
  }

  /** Loads again (after `unload`), also when another `unload` comes during that load. */
  private async loadAgain(): Promise<RemoteModel> {
    for (;;) {
      await this.load();
      // Taken in the same turn as its calls are queued, so an `unload` waits for them.
      if (this.loaded) return this.loaded;
    }
  }

  private async open(signal?: AbortSignal): Promise<RemoteModel> {
    signal?.throwIfAborted();
    const key = `${this.spec.name}@${this.spec.version}:${randomUUID()}`;
    const path = this.spec.artifact.path;
    // A PMML document takes the ONNX options' defaults: a worker of its own, idle stop.
    const config = parseOnnxConfig(this.pmml ? {} : this.spec.config);
    const model = new RemoteModel(
      this.workers.lease(this.spec, {
        ...config,
        isolation: this.pmml ? 'deployment' : config.isolation,
      }),
      this.pmml
        ? { key, path, kind: 'pmml', limits: this.pmml.limits }
        : { key, path, threads: config.threads },
      config.batching,
    );
    try {
      await untilAborted(model.load(), signal);
      return model;
    } catch (err) {
      // An aborted load goes on in the worker: the model is freed once it is done.
      void model.close();
      throw err;
    }
  }
}

/** `work`, or the signal's reason as soon as it aborts. */
function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
