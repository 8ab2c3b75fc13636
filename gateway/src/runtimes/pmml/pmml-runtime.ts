import { DeadlineError, PredictionFailedError, UnusableArtifactError } from '../../errors.js';
import type { RecordValue, Signature } from '../../protocol/signature.js';
import { callTimeout } from '../call-timeout.js';
import type { CallOptions, ModelRuntime, Prediction, RuntimeSpec } from '../types.js';
import { compileDocument, type PmmlModel } from './document.js';
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
 * loop, a large one on the deployment's scoring thread (score-thread.ts).
 */
export class PmmlRuntime implements ModelRuntime {
  readonly kind = 'model' as const;
  readonly format = 'pmml' as const;
  private model: PmmlModel | undefined;
  private loading: Promise<PmmlModel> | undefined;
  private thread: ScoreThread | undefined;

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
      this.thread ??= new ScoreThread(this.spec.artifact.path, limitsFrom(this.spec.config));
      return this.thread.score(records, callTimeout(options), options.signal);
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

  async unload(): Promise<void> {
    this.model = undefined;
    const thread = this.thread;
    this.thread = undefined;
    await thread?.close();
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
