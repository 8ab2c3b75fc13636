import { randomUUID } from 'node:crypto';
import { NotReadyError } from '../../errors.js';
import type { RecordValue, Signature } from '../../protocol/signature.js';
import { abortReason } from '../../workers/worker-process.js';
import { callTimeout } from '../call-timeout.js';
import type { CallOptions, ModelRuntime, Prediction, RuntimeSpec } from '../types.js';
import { parseOnnxConfig } from './onnx-config.js';
import type { OnnxWorkers } from './onnx-workers.js';
import { RemoteModel } from './remote-model.js';

/**
 * An ONNX model served by onnxruntime-node in an ONNX worker process (see OnnxWorkers), never
 * on the gateway's event loop: loading and every run happen in the model's own thread there.
 * A call gets `timeoutMs` once the model starts on it; past it the call answers 504 and the
 * worker is killed (onnxruntime cannot stop a run otherwise), and the next call loads the
 * model in a new one. After `unload`, the next `predict` loads the model again.
 */
export class OnnxRuntime implements ModelRuntime {
  readonly kind = 'model' as const;
  readonly format = 'onnx' as const;
  private loaded: RemoteModel | undefined;
  private loading: Promise<RemoteModel> | undefined;

  constructor(
    private readonly spec: RuntimeSpec,
    private readonly workers: OnnxWorkers,
  ) {}

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
    const config = parseOnnxConfig(this.spec.config);
    const model = new RemoteModel(this.workers.lease(this.spec, config), {
      key: `${this.spec.name}@${this.spec.version}:${randomUUID()}`,
      path: this.spec.artifact.path,
      threads: config.threads,
    });
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
