import { DeadlineError, PredictionFailedError } from '../../errors.js';
import type { RecordValue } from '../../protocol/signature.js';
import { abortReason } from '../../workers/worker-process.js';
import { WorkerCallError, type WorkerErrorBody } from '../../workers/worker-protocol.js';
import { ThreadJobs } from '../../workers/thread-jobs.js';
import { fromWorkerError } from '../onnx/worker/wire.js';
import type { PackedTensors, TensorPlan } from '../onnx/packed-tensors.js';
import type { Prediction } from '../types.js';
import type { XmlLimits } from './xml.js';

/** A scoring thread without a batch for this long ends. */
const IDLE_MS = 300_000;

/**
 * What the scoring thread is asked: to compile its model, to score records, or to score a
 * chunk's columns (`pmml-tensors.ts`).
 */
export type ScoreJob =
  | { kind: 'load'; path: string; limits: XmlLimits }
  | { kind: 'score'; records: RecordValue[] }
  | { kind: 'columns'; plan: TensorPlan; feeds: PackedTensors };

/** What it answers: predictions (none for a load), columns, or the error as plain data. */
export type ScoreAnswer =
  | { ok: true; predictions: Prediction[] }
  | { ok: true; columns: PackedTensors }
  | { ok: false; error: WorkerErrorBody };

/**
 * A PMML model's own scoring thread, holding its own compiled copy of the model (compiled code
 * cannot cross threads): batches scored there leave the event loop free. A batch past its time
 * ends the thread (the only way to stop one); the next batch starts another.
 */
export class ScoreThread {
  private jobs: ThreadJobs<ScoreJob, ScoreAnswer> | undefined;
  private loading: Promise<void> | undefined;
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    private readonly limits: XmlLimits,
  ) {}

  /** One prediction per record, or the model's error; past `timeoutMs` a `DeadlineError`. */
  async score(
    records: RecordValue[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Prediction[]> {
    const answer = await this.run(
      { kind: 'score', records },
      [],
      `scoring ${records.length} records`,
      timeoutMs,
      signal,
    );
    return 'predictions' in answer ? answer.predictions : [];
  }

  /** A chunk's answers as columns, from its columns (`plan`'s); as `score` otherwise. */
  async scoreColumns(
    plan: TensorPlan,
    feeds: PackedTensors,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<PackedTensors> {
    const rows = Object.values(feeds)[0]?.dims[0] ?? 0;
    const answer = await this.run(
      { kind: 'columns', plan, feeds },
      // Copied, not moved: a call that is tried again sends them again.
      [],
      `scoring ${rows} records`,
      timeoutMs,
      signal,
    );
    return 'columns' in answer ? answer.columns : {};
  }

  private async run(
    job: ScoreJob,
    transfer: ArrayBuffer[],
    what: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Exclude<ScoreAnswer, { ok: false }>> {
    clearTimeout(this.idle);
    await this.ready();
    const jobs = this.jobs!;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new DeadlineError(`the call passed its timeout (config.timeoutSeconds) ${what}`)),
        timeoutMs,
      );
      onAbort = () => reject(abortReason(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const answer = await Promise.race([jobs.run(job, transfer), stopped]);
      if (!answer.ok) throw fromWorkerError(new WorkerCallError(answer.error));
      return answer;
    } catch (err) {
      if (err instanceof DeadlineError || signal?.aborted) this.end(jobs);
      throw err;
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      // A thread without batches for a while gives its copy of the model back.
      this.idle = setTimeout(() => void this.close(), IDLE_MS);
      this.idle.unref();
    }
  }

  /** Ends the thread (and its copy of the model); a later batch starts another. */
  async close(): Promise<void> {
    clearTimeout(this.idle);
    const jobs = this.jobs;
    this.jobs = undefined;
    this.loading = undefined;
    await jobs?.stop();
  }

  /** The thread with its model compiled (not counted in a call's time: a load, once). */
  private ready(): Promise<void> {
    this.loading ??= (async () => {
      const jobs = (this.jobs = new ThreadJobs<ScoreJob, ScoreAnswer>(
        new URL('./score-worker.js', import.meta.url),
        (reason, cause) =>
          new PredictionFailedError(`the PMML scoring thread failed: ${reason}`, undefined, {
            cause,
          }),
      ));
      const answer = await jobs.run({ kind: 'load', path: this.path, limits: this.limits });
      if (!answer.ok) throw fromWorkerError(new WorkerCallError(answer.error));
    })().catch((err: unknown) => {
      void this.close();
      throw err;
    });
    return this.loading;
  }

  private end(jobs: ThreadJobs<ScoreJob, ScoreAnswer>): void {
    if (this.jobs !== jobs) return;
    void this.close();
  }
}
