import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import {
  InvalidInputError,
  NotReadyError,
  PredictionFailedError,
  UnusableArtifactError,
} from '../../errors.js';
import type { RecordValue, Signature } from '../../protocol/signature.js';
import type { CallOptions, ModelRuntime, Prediction, RuntimeSpec } from '../types.js';
import { planModel, type ModelPlan } from './onnx-signature.js';
import { prepareModel } from './prepare-model.js';
import { RaggedBatch, readOutput, stackInput } from './tensors.js';

/** A session with its plan, and the runs still using it (so unload never pulls it from under one). */
interface Loaded {
  session: ort.InferenceSession;
  plan: ModelPlan;
  running: number;
  idle: (() => void) | undefined;
}

/**
 * An ONNX model served in-process by onnxruntime-node on the CPU. Each `predict` call stacks its records into one tensor per input and makes one
 * `session.run` (split only where the model fixes its batch size, or records disagree on a free
 * dimension). After `unload`, the next `predict` loads the model again.
 */
export class OnnxRuntime implements ModelRuntime {
  readonly kind = 'model' as const;
  readonly format = 'onnx' as const;
  private loaded: Loaded | undefined;
  private loading: Promise<Loaded> | undefined;

  constructor(private readonly spec: RuntimeSpec) {}

  /** Creates the session; a file onnxruntime refuses fails with `UnusableArtifactError` and its reason. */
  async load(signal?: AbortSignal): Promise<void> {
    if (this.loaded) return;
    this.loading ??= this.open(signal).finally(() => (this.loading = undefined));
    this.loaded = await this.loading;
  }

  signature(): Signature {
    if (!this.loaded) throw new NotReadyError('the ONNX model is not loaded');
    return this.loaded.plan.signature;
  }

  warnings(): string[] {
    return this.loaded?.plan.warnings ?? [];
  }

  /** One `{output: value}` object per record, in order. */
  async predict(records: RecordValue[], _options: CallOptions): Promise<Prediction[]> {
    let m = this.loaded;
    if (m) m.running++;
    // A load is shared by every caller waiting for it: one caller leaving must not fail it.
    else m = await this.loadAndHold();
    // No timeout here: onnxruntime-node runs a session on the event loop's thread, so no timer
    // can fire before it returns. A call's timeout needs the run moved off this thread.
    try {
      return await this.runAll(m, records);
    } finally {
      if (--m.running === 0) m.idle?.();
    }
  }

  private async runAll(m: Loaded, records: RecordValue[]): Promise<Prediction[]> {
    if (records.length === 0) return [];
    const b = m.plan.fixedBatch;
    if (b === undefined) return this.runStacked(m, records);
    const out: Prediction[] = [];
    for (let i = 0; i < records.length; i += b) {
      const chunk = records.slice(i, i + b);
      const short = b - chunk.length;
      // A model with a fixed batch of b takes exactly b rows: repeat the last to fill it.
      for (let k = 0; k < short; k++) chunk.push(chunk[chunk.length - 1]!);
      const got = await this.runStacked(m, chunk);
      out.push(...(short ? got.slice(0, b - short) : got));
    }
    return out;
  }

  /** Releases the session once the runs using it are done; a later `predict` loads again. */
  async unload(): Promise<void> {
    if (this.loading) await this.loading.catch(() => undefined);
    const m = this.loaded;
    this.loaded = undefined;
    if (!m) return;
    if (m.running > 0) await new Promise<void>((resolve) => (m.idle = resolve));
    await m.session.release();
  }

  /**
   * Loads and counts a run on the session in the same turn, so an `unload` between the two
   * cannot release it; loads again if an `unload` came during the load.
   */
  private async loadAndHold(signal?: AbortSignal): Promise<Loaded> {
    for (;;) {
      await this.load(signal);
      const m = this.loaded;
      if (m) {
        m.running++;
        return m;
      }
    }
  }

  private async runStacked(m: Loaded, records: RecordValue[]): Promise<Prediction[]> {
    const feeds: Record<string, ort.Tensor> = {};
    try {
      for (const input of m.plan.inputs) feeds[input.name] = stackInput(input, records);
    } catch (err) {
      if (!(err instanceof RaggedBatch)) throw err;
      // A record the model cannot take at all (it reached us unvalidated): say which field.
      if (records.length === 1) throw new InvalidInputError(err.message, err.field);
      // Records that disagree on a free dimension cannot share a tensor: one run each.
      const out: Prediction[] = [];
      for (const r of records) out.push(...(await this.runStacked(m, [r])));
      return out;
    }
    const predictions: Record<string, unknown>[] = new Array(records.length);
    for (let r = 0; r < records.length; r++) predictions[r] = {};
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await m.session.run(feeds, m.plan.fetches);
    } catch (err) {
      throw new PredictionFailedError(
        `onnxruntime failed: ${(err as Error).message}`,
        'prediction_failed',
        { cause: err },
      );
    }
    try {
      for (const out of m.plan.outputs)
        readOutput(out, results[out.name] as ort.Tensor, predictions);
    } catch (err) {
      throw new PredictionFailedError(
        `the model's answer cannot be served: ${(err as Error).message}`,
      );
    }
    return predictions;
  }

  private async open(signal?: AbortSignal): Promise<Loaded> {
    signal?.throwIfAborted();
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.spec.artifact.path);
    } catch (err) {
      // The code, not the message: the message names the data directory's path.
      throw new UnusableArtifactError(
        `cannot read the artifact file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    const prepared = prepareModel(bytes);
    // CPU only until pools carry an execution context (a CUDA build for the gpu pool).
    const providers = ['cpu'];
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(prepared.bytes, {
        executionProviders: providers,
        graphOptimizationLevel: 'all',
      });
    } catch (err) {
      throw new UnusableArtifactError(
        `not a loadable ONNX model: ${plainReason(err)}`,
        'unusable_artifact',
        { cause: err },
      );
    }
    try {
      signal?.throwIfAborted();
      return { session, plan: planModel(session, prepared.labels), running: 0, idle: undefined };
    } catch (err) {
      await session.release();
      throw err;
    }
  }
}

// ESC [ ... m: the colour codes of onnxruntime's native log lines, which it puts in messages.
// eslint-disable-next-line no-control-regex
const TERMINAL_COLOURS = /\x1b\[[0-9;]*m/g;

/** onnxruntime's message as one plain line, fit for a 422 body. */
function plainReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(TERMINAL_COLOURS, '').replace(/\s+/g, ' ').trim();
}
