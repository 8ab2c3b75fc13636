import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import {
  InvalidInputError,
  PredictionFailedError,
  SlipwayError,
  UnusableArtifactError,
} from '../../errors.js';
import type { RecordValue } from '../../protocol/signature.js';
import type { Prediction } from '../types.js';
import { planModel, type ModelPlan } from './onnx-signature.js';
import { prepareModel } from './prepare-model.js';
import { nodeSession, type OnnxSession, type SessionRunOptions } from './onnx-session.js';
import { RaggedBatch, readOutput, stackInput, type TensorValues } from './tensors.js';
import {
  pack,
  tensorPlanOf,
  unpack,
  type PackedTensors,
  type TensorPlan,
} from './packed-tensors.js';

/** onnxruntime's session config entry `session.intra_op.allow_spinning` set to 0. */
const NO_SPINNING = { session: { intra_op: { allow_spinning: '0' } } };

/** Session options a deployment may set. */
export interface SessionSettings {
  /** onnxruntime's intra-op threads for one run; undefined: its default (one per core). */
  threads?: number;
}

/**
 * One ONNX model with its session: records in, one `{output: value}` object per record out.
 * Each `predict` stacks its records into one tensor per input and makes one `session.run`
 * (split only where the model fixes its batch size, or records disagree on a free dimension).
 *
 * `session.run` holds the calling thread until it returns and cannot be interrupted, so this
 * lives in a model thread of an ONNX worker process (worker/), never on the gateway's loop.
 */
export class OnnxModel {
  private constructor(
    private readonly session: OnnxSession,
    readonly plan: ModelPlan,
  ) {}

  /** A model over a session opened elsewhere (a Python worker's), planned as any other. */
  static async fromSession(
    session: OnnxSession,
    labels: Parameters<typeof planModel>[1],
  ): Promise<OnnxModel> {
    try {
      return new OnnxModel(session, planModel(session, labels));
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /**
   * Reads the file, unzips ZipMap outputs and creates the session. A file onnxruntime refuses
   * fails with `UnusableArtifactError` and its reason.
   */
  static async open(path: string, settings: SessionSettings = {}): Promise<OnnxModel> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      // The code, not the message: the message names the data directory's path.
      throw new UnusableArtifactError(
        `cannot read the artifact file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    const prepared = prepareModel(bytes);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(prepared.bytes, {
        // CPU only until pools carry an execution context (a CUDA build for the gpu pool).
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        ...(settings.threads ? { intraOpNumThreads: settings.threads } : {}),
        // Intra-op threads wait for work asleep, not spinning: they share the cores with the
        // gateway, its database and other models (spinning, a run of 10,000 iris rows cost the
        // worker four times the CPU on two cores, for no gain in time).
        extra: NO_SPINNING,
      });
    } catch (err) {
      throw new UnusableArtifactError(
        `not a loadable ONNX model: ${plainReason(err)}`,
        'unusable_artifact',
        { cause: err },
      );
    }
    return OnnxModel.fromSession(nodeSession(session), prepared.labels);
  }

  /** One `{output: value}` object per record, in order. */
  async predict(records: RecordValue[], options?: SessionRunOptions): Promise<Prediction[]> {
    if (records.length === 0) return [];
    const b = this.plan.fixedBatch;
    if (b === undefined) return this.runStacked(records, options);
    const out: Prediction[] = [];
    for (let i = 0; i < records.length; i += b) {
      const chunk = records.slice(i, i + b);
      const short = b - chunk.length;
      // A model with a fixed batch of b takes exactly b rows: repeat the last to fill it.
      for (let k = 0; k < short; k++) chunk.push(chunk[chunk.length - 1]!);
      const got = await this.runStacked(chunk, options);
      out.push(...(short ? got.slice(0, b - short) : got));
    }
    return out;
  }

  /** The plan of its tensors as bytes; undefined when they cannot travel so. */
  get tensorPlan(): TensorPlan | undefined {
    return tensorPlanOf(this.plan);
  }

  /**
   * One run of tensors given as bytes (a batch job's chunk, stacked and validated by the
   * job): its outputs as bytes, as the model gave them. Only for a model with a `tensorPlan`.
   */
  async runPacked(feeds: PackedTensors, options?: SessionRunOptions): Promise<PackedTensors> {
    const tensors: Record<string, ort.Tensor> = {};
    for (const input of this.plan.inputs) {
      const fed = feeds[input.name];
      if (!fed || fed.type !== input.tensorType)
        throw new InvalidInputError(
          `${input.name}: expected a ${input.tensorType} tensor`,
          input.name,
        );
      tensors[input.name] = tensorOf(unpack(fed, input.name));
    }
    const results = await this.run(tensors, options);
    const out: PackedTensors = {};
    for (const name of this.plan.fetches) out[name] = pack(results[name]!);
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private async run(
    feeds: Record<string, ort.Tensor>,
    options?: SessionRunOptions,
  ): Promise<Record<string, ort.Tensor>> {
    try {
      return await this.session.run(feeds, this.plan.fetches, options);
    } catch (err) {
      // A typed error (a deadline, a worker's own report) is the session's; the rest onnxruntime's.
      if (err instanceof SlipwayError) throw err;
      throw new PredictionFailedError(`onnxruntime failed: ${plainReason(err)}`);
    }
  }

  private async runStacked(
    records: RecordValue[],
    options?: SessionRunOptions,
  ): Promise<Prediction[]> {
    const { plan } = this;
    const feeds: Record<string, ort.Tensor> = {};
    try {
      for (const input of plan.inputs) feeds[input.name] = tensorOf(stackInput(input, records));
    } catch (err) {
      if (!(err instanceof RaggedBatch)) throw err;
      // A record the model cannot take at all (it reached us unvalidated): say which field.
      if (records.length === 1) throw new InvalidInputError(err.message, err.field);
      // Records that disagree on a free dimension cannot share a tensor: one run each.
      const out: Prediction[] = [];
      for (const r of records) out.push(...(await this.runStacked([r], options)));
      return out;
    }
    const predictions: Record<string, unknown>[] = new Array(records.length);
    for (let r = 0; r < records.length; r++) predictions[r] = {};
    const results = await this.run(feeds, options);
    try {
      for (const out of plan.outputs) readOutput(out, results[out.name]!, predictions);
    } catch (err) {
      throw new PredictionFailedError(
        `the model's answer cannot be served: ${(err as Error).message}`,
      );
    }
    return predictions;
  }
}

const tensorOf = (t: TensorValues) =>
  new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);

// ESC [ ... m: the colour codes of onnxruntime's native log lines, which it puts in messages.
// eslint-disable-next-line no-control-regex
const TERMINAL_COLOURS = /\x1b\[[0-9;]*m/g;

/** onnxruntime's message as one plain line, fit for an error body. */
function plainReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(TERMINAL_COLOURS, '').replace(/\s+/g, ' ').trim();
}
