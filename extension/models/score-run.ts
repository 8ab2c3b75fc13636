import { Signal, type ISignal } from '@lumino/signaling';
import { GatewayUnreachableError, userMessage } from '../client/errors.js';
import type { JobsClient } from '../client/jobs-client.js';
import type { Job, JobOptions } from '../client/jobs-wire.js';
import { isJobFinished } from './job-progress.js';
import { scoreOutputPaths } from './score-files.js';

/** Where a Score with… run is. */
export type ScoreStage =
  'reading' | 'uploading' | 'scoring' | 'saving' | 'done' | 'failed' | 'cancelled';

/** What a run is asked to do. */
export interface ScoreRequest {
  deployment: string;
  /** The input's path on the Jupyter server; the output is written beside it. */
  inputPath: string;
  options: JobOptions;
}

/** What a run needs of the world: the gateway's jobs, and the Jupyter server's files. */
export interface ScoreRunDeps {
  jobs: Pick<JobsClient, 'submit' | 'job' | 'cancel' | 'output' | 'errors'>;
  /** The input's bytes. */
  read(): Promise<Blob>;
  /** The names in the input's folder now, so that nothing is overwritten. */
  taken(): Promise<ReadonlySet<string>>;
  save(path: string, file: Blob): Promise<void>;
  /** Waits between two polls of the job; about a second by default. */
  wait?: () => Promise<void>;
  /** Polls in a row that may not reach the gateway (a restart) before the run gives up. */
  maxMisses?: number;
}

/** The files a run wrote next to its input. */
export interface ScoreSaved {
  output: string | null;
  errors: string | null;
}

const second = () => new Promise<void>((resolve) => setTimeout(resolve, 1000));

/**
 * One Score with… run: reads the input, uploads it as a job, follows the job until it ends,
 * then saves its output (and its errors, when rows failed) next to the input. No DOM: the
 * progress widget draws it on `changed`.
 */
export class ScoreRun {
  private _stage: ScoreStage = 'reading';
  private _uploaded = 0;
  private _job: Job | null = null;
  private _saved: ScoreSaved = { output: null, errors: null };
  private _error: string | null = null;
  private cancelAsked = false;
  private readonly _changed = new Signal<this, void>(this);

  constructor(
    readonly request: ScoreRequest,
    private readonly deps: ScoreRunDeps,
  ) {}

  get stage(): ScoreStage {
    return this._stage;
  }

  /** The fraction of the input sent, 0 to 1. */
  get uploaded(): number {
    return this._uploaded;
  }

  /** The job as last polled; null before the gateway took the input. */
  get job(): Job | null {
    return this._job;
  }

  get saved(): ScoreSaved {
    return this._saved;
  }

  /** Why the run failed, in words to show; null otherwise. */
  get error(): string | null {
    return this._error;
  }

  get finished(): boolean {
    return this._stage === 'done' || this._stage === 'failed' || this._stage === 'cancelled';
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Runs to the end; never rejects (the error is kept). Resolves with the last stage. */
  async run(): Promise<ScoreStage> {
    try {
      const file = await this.deps.read();
      this.set('uploading');
      const filename = this.request.inputPath.slice(this.request.inputPath.lastIndexOf('/') + 1);
      const job = await this.deps.jobs.submit(
        this.request.deployment,
        { file, filename, options: this.request.options },
        (f) => {
          this._uploaded = f;
          this._changed.emit();
        },
      );
      this._uploaded = 1;
      this._job = job;
      this.set('scoring');
      // Cancel pressed while the file was on its way: the job exists only now.
      if (this.cancelAsked && !isJobFinished(job.state)) await this.cancelJob(job.id);
      const last = await this.follow(job);
      if (last.state === 'cancelled') return this.set('cancelled');
      await this.saveFiles(last);
      if (last.state === 'failed') {
        this._error = last.error?.message ?? last.state;
        return this.set('failed');
      }
      return this.set('done');
    } catch (err) {
      this._error = userMessage(err);
      return this.set('failed');
    }
  }

  /** Cancels the job (once the gateway has it; at once, if it is still being sent). */
  async cancel(): Promise<void> {
    if (this.finished || this.cancelAsked) return;
    this.cancelAsked = true;
    if (this._job && !isJobFinished(this._job.state)) await this.cancelJob(this._job.id);
    else if (this._stage === 'reading' || this._stage === 'uploading') this._changed.emit();
  }

  /** True once Cancel was pressed. */
  get cancelling(): boolean {
    return this.cancelAsked;
  }

  private async cancelJob(id: string): Promise<void> {
    this.update(await this.deps.jobs.cancel(id));
  }

  /** Polls until the job ends; a gateway that restarts is waited for, `maxMisses` polls long. */
  private async follow(job: Job): Promise<Job> {
    const wait = this.deps.wait ?? second;
    const maxMisses = this.deps.maxMisses ?? 30;
    let misses = 0;
    let current = job;
    while (!isJobFinished(current.state)) {
      await wait();
      try {
        current = await this.deps.jobs.job(job.id);
        misses = 0;
      } catch (err) {
        if (!(err instanceof GatewayUnreachableError) || ++misses > maxMisses) throw err;
        continue;
      }
      this.update(current);
    }
    return current;
  }

  private async saveFiles(job: Job): Promise<void> {
    const wantOutput = job.state === 'succeeded';
    const wantErrors = job.rows.errors > 0;
    if (!wantOutput && !wantErrors) return;
    this.set('saving');
    // The job says what it wrote; the name's extension follows it.
    const paths = scoreOutputPaths(
      this.request.inputPath,
      job.output.format,
      await this.deps.taken(),
    );
    if (wantOutput) {
      await this.deps.save(paths.output, await this.deps.jobs.output(job.id));
      this._saved = { ...this._saved, output: paths.output };
    }
    if (wantErrors) {
      await this.deps.save(paths.errors, await this.deps.jobs.errors(job.id));
      this._saved = { ...this._saved, errors: paths.errors };
    }
  }

  private update(job: Job): void {
    this._job = job;
    this._changed.emit();
  }

  private set(stage: ScoreStage): ScoreStage {
    this._stage = stage;
    this._changed.emit();
    return stage;
  }
}
