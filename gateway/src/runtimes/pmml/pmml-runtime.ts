import {
  DeadlineError,
  InvalidInputError,
  PredictionFailedError,
  UnusableArtifactError,
} from '../../errors.js';
import type { RecordValue, Signature } from '../../protocol/signature.js';
import { callTimeout } from '../call-timeout.js';
import type { CallOptions, ModelRuntime, Prediction, RuntimeSpec } from '../types.js';
import type { PackedTensors, TensorPlan } from '../onnx/packed-tensors.js';
import { compileDocument, type PmmlModel } from './document.js';
import { pmmlTensorPlan } from './pmml-tensors.js';
import { parseOffThread } from './off-thread.js';
import { ScoreThread } from './score-thread.js';
import { limitsFrom } from './pmml-config.js';

/** How many records are scored between two looks at the clock and the abort signal. */
const CHECK_EVERY = 256;
/**
 * Calls of at least this many records are scored on the deployment's scoring thread, leaving
 * the event loop free (a 1,000-record call of a 100-tree ensemble is a few milliseconds);
 * smaller ones here, without a thread's round trip.
 */
export const OFF_THREAD_RECORDS = 128;

/**
 * A PMML model scored in-process by the native TypeScript evaluator: a small call on the event
 * loop, a large one on the deployment's scoring thread (score-thread.ts), and a batch job's
 * chunks there as columns (pmml-tensors.ts).
 */
export class PmmlRuntime implements ModelRuntime {
  readonly kind = 'model' as const;
  readonly format = 'pmml' as const;
  private model: PmmlModel | undefined;
  private loading: Promise<PmmlModel> | undefined;
  private thread: ScoreThread | undefined;
  /** The model's columns (null: a field that does not travel as one); made once loaded. */
  private plan: TensorPlan | null | undefined;

  constructor(private readonly spec: RuntimeSpec) {}

  async load(): Promise<void> {
    if (this.model) return;
    this.loading ??= this.open().finally(() => (this.loading = undefined));
    this.model = await this.loading;
  }

  signature(): Signature {
    if (!this.model) throw new PredictionFailedError('PMML model is not loaded');
    return this.model.signature;
  }

  warnings(): string[] {
    return [...(this.model?.warnings ?? [])];
  }

  async predict(records: RecordValue[], options: CallOptions): Promise<Prediction[]> {
    if (!this.model) await this.load();
    const m = this.model!;
    if (records.length >= OFF_THREAD_RECORDS) {
      return this.scoreThread().score(records, callTimeout(options), options.signal);
    }
    const deadline = Date.now() + callTimeout(options);
    const out: Prediction[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      if (i % CHECK_EVERY === CHECK_EVERY - 1) {
        if (options.signal?.aborted) throw new DeadlineError('the call was cancelled');
        if (Date.now() > deadline)
          throw new DeadlineError(
            `the call passed its timeout (config.timeoutSeconds) after ${i} of ${records.length} records`,
          );
      }
      out[i] = m.score(records[i]!);
    }
    return out;
  }

  tensorPlan(): TensorPlan | undefined {
    if (!this.model) return undefined;
    this.plan ??= pmmlTensorPlan(this.model.signature) ?? null;
    return this.plan ?? undefined;
  }

  async predictTensors(feeds: PackedTensors, options: CallOptions): Promise<PackedTensors> {
    if (!this.model) await this.load();
    const plan = this.tensorPlan();
    if (!plan)
      throw new InvalidInputError(
        'this PMML model has a field that does not travel as a column: score its records',
      );
    return this.scoreThread().scoreColumns(plan, feeds, callTimeout(options), options.signal);
  }

  async unload(): Promise<void> {
    this.model = undefined;
    this.plan = undefined;
    const thread = this.thread;
    this.thread = undefined;
    await thread?.close();
  }

  private scoreThread(): ScoreThread {
    return (this.thread ??= new ScoreThread(this.spec.artifact.path, limitsFrom(this.spec.config)));
  }

  /**
   * Parsing (and every check a compile makes) runs on a worker thread; only the compile of the
   * checked document runs here, because the compiled model is closures that score on this
   * thread, at in-process speed.
   */
  private async open(): Promise<PmmlModel> {
    const limits = limitsFrom(this.spec.config);
    if (this.spec.artifact.size > limits.maxBytes)
      throw new UnusableArtifactError(
        `the PMML document is ${this.spec.artifact.size} bytes, more than the limit of ${limits.maxBytes} (config.maxBytes)`,
      );
    const { root } = await parseOffThread({ path: this.spec.artifact.path, limits });
    return compileDocument(root, limits);
  }
}
