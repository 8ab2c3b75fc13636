import { mkdir, stat } from 'node:fs/promises';
import type { BatchJobRow, BatchRepository, JobCheckpoint } from '../db/batch-repository.js';
import type { DataPlane } from '../data-plane/index.js';
import { SlipwayError, describeFailure } from '../errors.js';
import { readTable, type ReadTableOptions, type TableFormat } from '../monitoring/tables/index.js';
import {
  CHUNKS_IN_FLIGHT,
  ResumeCursor,
  sizedCall,
  type ChunkRun,
  type ChunkWrite,
  type OutputState,
} from './chunk-run.js';
import { scoreTensorChunks } from './tensor-job.js';
import type { Signature } from '../protocol/signature.js';
import type { RuntimeKind } from '../runtimes/types.js';
import { downloadInput } from './job-input.js';
import type { JobOptions } from './job-options.js';
import { AppendFile, csvHeader } from './job-output.js';
import { jobColumns } from './job-rows.js';
import { RecordChunks, type Chunk, type ScoredRows } from './record-chunks.js';
import { deliverJobFiles, jobFiles } from './job-files.js';
import { JobRollups } from './job-rollups.js';
import { ChunkSizer } from './chunk-sizer.js';
import type { RollupDelta } from '../db/feature-rollups.js';

export interface JobRunnerDeps {
  repo: BatchRepository;
  dataPlane: DataPlane;
  adminToken: string;
  leaseMs: number;
  jobsDir: string;
  maxInputBytes: number;
  /** Records one call may carry (`SLIPWAY_MAX_BATCH`): a job's chunks are at most this. */
  maxBatch: number;
  kindOf: (format: string) => RuntimeKind | undefined;
  /** Calls a deployment takes at once (replicas × concurrency): a notebook job runs as many rows. */
  parallelism: (name: string) => Promise<number>;
  /**
   * Whether the deployment's drift reference is still being taken from its first calls: those
   * read the features in the calls' log rows, so a job's chunks keep them there.
   */
  referenceFromCalls: (name: string) => Promise<boolean>;
  /**
   * Whether a model job's chunks go as tensors where the runtime takes them (the default);
   * false: always by records, one object per row (what the tests compare them with).
   */
  tensors?: boolean;
}

/** The longest between two checkpoints of a job that moves. */
const CHECKPOINT_EVERY_MS = 500;

/** How one job run ended, for its holder. */
export type RunEnd = 'succeeded' | 'failed' | 'lost';

/** The job's failure as it is stored: a code and a message. */
class JobFailure extends SlipwayError {
  constructor(code: string, message: string) {
    super(400, code, message);
  }
}

/**
 * Runs one claimed job to its end, from its last checkpoint: reads the input a chunk at a
 * time (on a thread; never whole), scores each chunk through the data plane (a model: one
 * `score` call per chunk, validated row by row; a notebook: one run per row, as many at once
 * as the deployment takes), and appends the results in input order: an output row per scored
 * row, an errors-file line per refused one. After a chunk's rows are written, the checkpoint
 * moves on (at most every half second): a job taken over after a crash cuts its files back
 * to the checkpoint and goes on from there, so the output holds every row exactly once.
 */
export class JobRunner {
  constructor(private readonly deps: JobRunnerDeps) {}

  /** Runs `job`, held as `owner` (the claim's holder), until it ends or `signal` stops it. */
  async run(job: BatchJobRow, owner: string, signal: AbortSignal): Promise<RunEnd> {
    const { repo } = this.deps;
    const lost = new AbortController();
    const stop = AbortSignal.any([signal, lost.signal]);
    // The lease is renewed while a slow chunk (a notebook run) takes its time.
    const renew = setInterval(
      () =>
        void repo
          .renew(job.id, owner, this.deps.leaseMs)
          .then((held) => held || lost.abort(new Error('the job is no longer held')))
          .catch(() => {}),
      Math.max(100, this.deps.leaseMs / 3),
    );
    renew.unref();
    try {
      return await this.execute(job, owner, stop, lost.signal);
    } catch (err) {
      if (stop.aborted || err instanceof LostJob) return 'lost';
      const { error } = describeFailure(err);
      const failure =
        err instanceof SlipwayError ? error : { code: 'job_failed', message: error.message };
      return (await repo.finish(job.id, owner, { state: 'failed', error: failure }))
        ? 'failed'
        : 'lost';
    } finally {
      clearInterval(renew);
    }
  }

  private async execute(
    job: BatchJobRow,
    owner: string,
    stop: AbortSignal,
    lost: AbortSignal,
  ): Promise<RunEnd> {
    const { repo, dataPlane, adminToken } = this.deps;
    const options = job.options as JobOptions;
    const files = jobFiles(this.deps.jobsDir, job.id, options.outputFormat);
    await mkdir(files.dir, { recursive: true });
    if (job.inputKind === 'url' && !(await exists(job.inputPath)))
      await downloadInput(job.inputName, job.inputPath, {
        maxBytes: this.deps.maxInputBytes,
        signal: stop,
      });
    const view = await dataPlane.describe({
      name: job.deploymentName,
      token: adminToken,
      version: job.version,
    });
    const kind = this.deps.kindOf(view.format);
    const notebook = kind === 'notebook';

    let at: JobCheckpoint = {
      rowsDone: job.rowsDone,
      errors: job.errors,
      bytesDone: job.bytesDone,
      outputBytes: job.outputBytes,
      errorsBytes: job.errorsBytes,
      outputColumns: job.outputColumns,
    };
    let output = await AppendFile.open(files.output, at.outputBytes);
    let errors = output && (await AppendFile.open(files.errors, at.errorsBytes));
    if (!output || !errors) {
      // A file lost what its checkpoint counted (a crash of the machine): start over.
      await output?.close();
      at = {
        rowsDone: 0,
        errors: 0,
        bytesDone: 0,
        outputBytes: 0,
        errorsBytes: 0,
        outputColumns: null,
      };
      output = (await AppendFile.open(files.output, 0))!;
      errors = (await AppendFile.open(files.errors, 0))!;
    }
    const { size } = await stat(job.inputPath);
    const parallel = notebook ? Math.max(1, await this.deps.parallelism(job.deploymentName)) : 1;
    const scoring =
      notebook || this.deps.tensors === false
        ? undefined
        : await dataPlane.tensorScoring({
            name: job.deploymentName,
            token: adminToken,
            version: job.version,
          });
    // A notebook's chunk is the runs it takes at once.
    const sizer = new ChunkSizer({
      given: notebook ? Math.min(options.chunkSize ?? parallel, parallel) : options.chunkSize,
      maxBatch: this.deps.maxBatch,
      timeoutMs: view.timeoutMs,
    });
    const read: ReadTableOptions = {
      format: job.inputFormat as TableFormat,
      columns: jobColumns(view.signature, options.passThrough),
      batchRows: sizer.rows,
      maxBytes: this.deps.maxInputBytes,
      maxRows: Number.MAX_SAFE_INTEGER,
      signal: stop,
    };

    const state: OutputState = { columns: at.outputColumns };
    // A model job's chunks give drift their features at the checkpoint that counts their rows,
    // in its transaction: each row counts once, also when a crash has it scored again (unless
    // the reference is still taken from the first calls, which read them in the log's rows).
    // A notebook's runs are logged as runs.
    const driftAtCheckpoints =
      !notebook && !(await this.deps.referenceFromCalls(job.deploymentName));
    const rollups = new JobRollups();
    const taken = () => rollups.take(job.deploymentName, scoring?.version ?? job.version);
    let lastCheckpoint = performance.now();
    const write = async (w: ChunkWrite) => {
      if (state.columns && output.bytes === 0 && options.outputFormat === 'csv')
        await output.append(csvHeader(state.columns));
      await output.append(w.lines);
      await errors.append(w.refused);
      rollups.add(w.rollup);
      at = {
        rowsDone: at.rowsDone + w.rows,
        errors: at.errors + w.errors,
        bytesDone: w.bytesRead,
        outputBytes: output.bytes,
        errorsBytes: errors.bytes,
        outputColumns: state.columns,
      };
      if (at.errors > options.maxErrorRate * at.rowsDone)
        throw new JobFailure(
          'too_many_errors',
          `${at.errors} of ${at.rowsDone} rows were refused (${percent(at.errors / at.rowsDone)}), more than maxErrorRate (${percent(options.maxErrorRate)}); the errors file names each row and why`,
        );
      if (performance.now() - lastCheckpoint >= CHECKPOINT_EVERY_MS) {
        await this.checkpoint(job, owner, at, output, errors, size, taken());
        lastCheckpoint = performance.now();
      }
    };

    try {
      const run: ChunkRun = {
        job,
        options,
        read,
        sizer,
        skip: at.rowsDone,
        state,
        write,
        stop,
        driftAtCheckpoints,
      };
      if (scoring) await scoreTensorChunks(this.deps, run, scoring);
      else await this.scoreRowChunks(run, view.signature, notebook, parallel);
      if (lost.aborted) return 'lost';
      at.bytesDone = size;
      await Promise.all([output.sync(), errors.sync()]);
    } finally {
      await output.close();
      await errors.close();
    }
    // A scheduled job's copy is in its output folder before the job says it succeeded.
    if (options.outputDir)
      await deliverJobFiles(files, options.outputDir, job.inputName, options.outputFormat);
    const finished = await repo.finish(
      job.id,
      owner,
      { state: 'succeeded', ...at, rowsTotal: at.rowsDone, bytesTotal: size },
      taken(),
    );
    return finished ? 'succeeded' : 'lost';
  }

  /**
   * The chunks of a job scored by records: read as rows, each a `score` call (a model) or
   * one run per row (a notebook), `CHUNKS_IN_FLIGHT` of a model's at once, written in order.
   */
  private async scoreRowChunks(
    run: ChunkRun,
    signature: Signature,
    notebook: boolean,
    parallel: number,
  ): Promise<void> {
    const reader = readTable(run.job.inputPath, run.read);
    const chunks = new RecordChunks(this.deps, run, signature, notebook ? parallel : 0);
    const score = (chunk: Chunk) => chunks.score(chunk);
    const written = (chunk: Chunk, scored: ScoredRows): ChunkWrite =>
      chunks.written(chunk, scored, reader.progress.bytesRead);

    const cursor = new ResumeCursor(run.skip);
    const pending: { chunk: Chunk; outcomes: Promise<ScoredRows> }[] = [];
    for await (const read of reader) {
      const chunk = cursor.take(read);
      if (chunk.rows.length === 0) continue;
      const outcomes = sizedCall(run, reader, chunk.rows.length, () => score(chunk));
      outcomes.catch(() => {});
      pending.push({ chunk, outcomes });
      if (pending.length >= (notebook ? 1 : CHUNKS_IN_FLIGHT)) {
        const head = pending.shift()!;
        await run.write(written(head.chunk, await head.outcomes));
      }
    }
    for (const head of pending.splice(0)) await run.write(written(head.chunk, await head.outcomes));
  }

  private async checkpoint(
    job: BatchJobRow,
    owner: string,
    at: JobCheckpoint,
    output: AppendFile,
    errors: AppendFile,
    size: number,
    rollups: RollupDelta[],
  ): Promise<void> {
    await Promise.all([output.sync(), errors.sync()]);
    const held = await this.deps.repo.checkpoint(
      job.id,
      owner,
      { ...at, bytesTotal: size },
      this.deps.leaseMs,
      rollups,
    );
    if (!held) throw new LostJob();
  }
}

/** The job was cancelled or taken over: its holder stops without ending it. */
class LostJob extends Error {
  constructor() {
    super('the job is no longer held by this gateway');
  }
}

const percent = (x: number) => `${Math.round(x * 10_000) / 100} %`;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
