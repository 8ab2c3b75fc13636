import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { WebhookSender } from '../alerts/webhook-sender.js';
import type { ReceivedFile } from '../artifacts/artifact-store.js';
import type { DataPlane } from '../data-plane/index.js';
import type { BatchJobRow, BatchRepository, BatchScheduleRow } from '../db/batch-repository.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import {
  detectTableFormat,
  detectTableFormatOfFile,
  readTable,
  type TableFormat,
} from '../monitoring/tables/index.js';
import type { Job, JobSchedule } from '../protocol/batch.js';
import { checkSchedule, nextScheduled } from '../retraining/policy.js';
import type { RuntimeKind } from '../runtimes/types.js';
import { checkInputUrl, fileUnderRoot, folderUnderRoot, newestMatch } from './job-input.js';
import { errorsName, jobFiles, outputName } from './job-files.js';
import {
  checkJobOptions,
  resolveJobOptions,
  type JobOptions,
  type JobOptionsInput,
} from './job-options.js';
import { jobColumns } from './job-rows.js';
import type { RunEnd } from './job-runner.js';
import type { JobWorker } from './job-worker.js';

/** Where a job's input comes from. */
export type JobInput =
  | { kind: 'upload'; file: ReceivedFile }
  | { kind: 'path'; path: string }
  | { kind: 'url'; url: string };

export interface BatchServiceDeps {
  repo: BatchRepository;
  dataPlane: DataPlane;
  /** The deployment's live version (a 404 when there is no such deployment). */
  liveVersion: (name: string) => Promise<number>;
  kindOf: (format: string) => RuntimeKind | undefined;
  worker: JobWorker;
  webhooks: WebhookSender;
  adminToken: string;
  publicUrl: string;
  maxBatch: number;
  jobsDir: string;
  inputRoot?: string;
  outputRoot?: string;
  /** Jobs listed at most. */
  listLimit?: number;
  reportError?: (err: unknown) => void;
}

/** A schedule as created: when, on what, where to. */
export interface NewSchedule {
  schedule: { cron: string; timeZone: string };
  input: { pattern: string };
  outputDir: string;
  options?: JobOptionsInput;
}

/**
 * Batch jobs: created from an upload, a path under the input root or a URL, checked before
 * they are queued (the deployment, the options, the file's format and columns), run by the
 * worker, listed, cancelled and removed; and the schedules that create them.
 */
export class BatchService {
  constructor(private readonly deps: BatchServiceDeps) {}

  /**
   * Queues a job on the deployment's live version. An upload or a path is checked now: its
   * format, and the columns the model needs (a 400 naming the first missing one). A URL is
   * fetched when the job starts; what it answers then decides.
   */
  async create(
    name: string,
    input: JobInput,
    given: unknown,
    schedule?: { id: string; outputDir: string },
  ): Promise<Job> {
    const id = randomUUID();
    try {
      const optionsIn = checkJobOptions(given);
      const version = await this.deps.liveVersion(name);
      const { inputName, format, path } = await this.locate(id, input, optionsIn.format);
      const options = resolveJobOptions(optionsIn, format, this.deps.maxBatch);
      if (input.kind !== 'url') await this.checkColumns(name, version, path, format, options);
      const row = await this.deps.repo.insert({
        id,
        deploymentName: name,
        version,
        state: 'queued',
        inputKind: input.kind,
        inputName,
        inputPath: path,
        inputFormat: format,
        options: schedule ? { ...options, outputDir: schedule.outputDir } : options,
        scheduleId: schedule?.id ?? null,
        bytesTotal: input.kind === 'url' ? null : (await stat(path)).size,
      });
      this.deps.worker.poke();
      return this.present(row);
    } catch (err) {
      await rm(join(this.deps.jobsDir, id), { recursive: true, force: true });
      throw err;
    }
  }

  async get(id: string): Promise<Job> {
    return this.present(await this.require(id));
  }

  async list(deployment?: string): Promise<Job[]> {
    const rows = await this.deps.repo.list({ deployment, limit: this.deps.listLimit ?? 100 });
    return rows.map((r) => this.present(r));
  }

  /**
   * Cancels a job that waits or runs (its run stops at the next chunk), or removes an ended
   * one with its files: undefined then.
   */
  async cancelOrRemove(id: string): Promise<Job | undefined> {
    const cancelled = await this.deps.repo.cancel(id);
    if (cancelled) {
      this.deps.worker.stop(id);
      this.notify(cancelled);
      return this.present(cancelled);
    }
    const job = await this.require(id);
    if (!(await this.deps.repo.remove(id))) return this.present(job);
    await rm(join(this.deps.jobsDir, id), { recursive: true, force: true });
    return undefined;
  }

  /** The output file of a job that succeeded, with the name a download should have. */
  async output(id: string): Promise<{ path: string; name: string; format: 'csv' | 'jsonl' }> {
    const job = await this.require(id);
    if (job.state !== 'succeeded')
      throw new ConflictError(
        `job ${id} is ${job.state}: its output can be downloaded once it has succeeded`,
        'job_not_done',
      );
    const { outputFormat } = job.options as JobOptions;
    return {
      path: jobFiles(this.deps.jobsDir, id, outputFormat).output,
      name: outputName(job.inputName, outputFormat),
      format: outputFormat,
    };
  }

  /** The errors file (one JSON line per refused row), as far as the job has got. */
  async errors(id: string): Promise<{ path: string; name: string }> {
    const job = await this.require(id);
    const { outputFormat } = job.options as JobOptions;
    const path = jobFiles(this.deps.jobsDir, id, outputFormat).errors;
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    if (!exists)
      throw new ConflictError(
        `job ${id} has not started: it has no errors file yet`,
        'job_not_started',
      );
    return { path, name: errorsName(job.inputName) };
  }

  /** A job this gateway ran has ended: its webhook (a scheduled job's output is in its folder by now). */
  async ended(id: string, end: RunEnd): Promise<void> {
    if (end === 'lost') return;
    const job = await this.deps.repo.get(id);
    if (job) this.notify(job);
  }

  // Schedules

  async createSchedule(name: string, body: NewSchedule): Promise<JobSchedule> {
    checkSchedule(body.schedule);
    await this.deps.liveVersion(name);
    if (!this.deps.inputRoot)
      throw new InvalidInputError(
        'input.pattern: this gateway reads no files by path; set SLIPWAY_BATCH_INPUT_ROOT to the folder scheduled inputs arrive in',
        'input.pattern',
      );
    // Checked now: a pattern out of the root, or options that cannot work, fail at creation.
    await newestMatch(this.deps.inputRoot, body.input.pattern);
    folderUnderRoot(this.deps.outputRoot, body.outputDir, 'outputDir');
    const options = checkJobOptions(body.options ?? {});
    resolveJobOptions(options, options.format ?? 'csv', this.deps.maxBatch);
    const row = await this.deps.repo.insertSchedule({
      id: randomUUID(),
      deploymentName: name,
      cron: body.schedule.cron,
      timeZone: body.schedule.timeZone,
      inputPattern: body.input.pattern,
      outputDir: body.outputDir,
      options,
      lastFiredAt: new Date(),
    });
    return presentSchedule(row);
  }

  async schedules(name: string): Promise<JobSchedule[]> {
    return (await this.deps.repo.schedules(name)).map(presentSchedule);
  }

  async removeSchedule(id: string): Promise<void> {
    if (!(await this.deps.repo.removeSchedule(id))) throw new NotFoundError(`schedule ${id}`);
  }

  /**
   * Starts the jobs schedules call for at `now`: one per schedule that came due since its
   * last firing (however many a stopped gateway missed), on the newest file matching its
   * pattern. Of several gateways, the one whose mark on the firing lands starts it.
   */
  async tick(now = new Date()): Promise<Job[]> {
    const started: Job[] = [];
    for (const s of await this.deps.repo.schedules()) {
      const schedule = { cron: s.cron, timeZone: s.timeZone };
      const due = nextScheduled(schedule, s.lastFiredAt ?? now);
      if (!due || due > now) continue;
      if (!(await this.deps.repo.claimFiring(s.id, s.lastFiredAt, now))) continue;
      try {
        started.push(await this.fire(s));
      } catch (err) {
        this.deps.reportError?.(
          new Error(
            `schedule ${s.id} of ${s.deploymentName}: no job started: ${(err as Error).message}`,
            {
              cause: err,
            },
          ),
        );
      }
    }
    return started;
  }

  private async fire(s: BatchScheduleRow): Promise<Job> {
    const root = this.deps.inputRoot;
    const found = root && (await newestMatch(root, s.inputPattern));
    if (!found)
      throw new InvalidInputError(
        `no file under the input root matches "${s.inputPattern}"`,
        'input.pattern',
      );
    const outputDir = folderUnderRoot(this.deps.outputRoot, s.outputDir, 'outputDir');
    return this.create(
      s.deploymentName,
      { kind: 'path', path: relative(await realpath(root), found) },
      s.options,
      { id: s.id, outputDir },
    );
  }

  // What a job reads

  /** The file a job reads, its format and the name it is shown by. */
  private async locate(
    id: string,
    input: JobInput,
    declared: TableFormat | undefined,
  ): Promise<{ inputName: string; format: TableFormat; path: string }> {
    switch (input.kind) {
      case 'path': {
        const path = await fileUnderRoot(this.deps.inputRoot, input.path, 'input.path');
        const format = declared ?? (await detectTableFormatOfFile(path, { fileName: path }));
        return { inputName: input.path, format, path };
      }
      case 'url': {
        const url = checkInputUrl(input.url);
        const format = declared ?? formatOfUrl(url);
        return {
          inputName: input.url,
          format,
          path: jobFiles(this.deps.jobsDir, id, 'csv', format).input,
        };
      }
      case 'upload': {
        const { file } = input;
        if (file.size === 0)
          throw new InvalidInputError(
            'file: the file is empty; send a table with a header row and rows',
            'file',
            'empty_table',
          );
        const format = declared ?? detectTableFormat({ fileName: file.filename, head: file.head });
        const path = jobFiles(this.deps.jobsDir, id, 'csv', format).input;
        await mkdir(join(this.deps.jobsDir, id), { recursive: true });
        await moveFile(file.tmpPath, path);
        return { inputName: file.filename ?? `upload.${format}`, format, path };
      }
    }
  }

  /**
   * Reads the file's head as the job will: a file that is not the format it claims, is
   * empty, or lacks a column the model needs is a 400 now rather than a failed job later.
   */
  private async checkColumns(
    name: string,
    version: number,
    path: string,
    format: TableFormat,
    options: JobOptions,
  ): Promise<void> {
    const view = await this.deps.dataPlane.describe({ name, token: this.deps.adminToken, version });
    const reader = readTable(path, {
      format,
      columns: jobColumns(view.signature, options.passThrough),
      batchRows: 1,
      maxRows: Number.MAX_SAFE_INTEGER,
      maxBytes: Number.MAX_SAFE_INTEGER,
    });
    try {
      const first = await reader.next();
      if (first.done && (reader.summary?.rows ?? 0) === 0)
        throw new InvalidInputError(
          'the file has no rows: send a table with a header row and at least one row',
          'file',
          'empty_table',
        );
    } finally {
      await reader.return?.();
    }
  }

  private notify(job: BatchJobRow): void {
    const { webhookUrl, webhookSecret } = job.options as JobOptions;
    if (!webhookUrl) return;
    this.deps.webhooks.send(webhookUrl, `job.${job.state}`, this.present(job), {
      ...(webhookSecret !== undefined && { secret: webhookSecret }),
    });
  }

  private async require(id: string): Promise<BatchJobRow> {
    const job = /^[0-9a-f-]{36}$/i.test(id) ? await this.deps.repo.get(id) : undefined;
    if (!job) throw new NotFoundError(`job ${id}`);
    return job;
  }

  present(row: BatchJobRow): Job {
    const options = row.options as JobOptions;
    const base = `${this.deps.publicUrl}/api/jobs/${row.id}`;
    const total = row.bytesTotal ?? null;
    const progress =
      row.state === 'succeeded'
        ? 1
        : total && row.startedAt
          ? Math.min(1, row.bytesDone / total)
          : null;
    const now = Date.now();
    let rowsPerSecond: number | null = null;
    let etaSeconds: number | null = null;
    if (row.state === 'running' && row.resumedAt) {
      const seconds = (now - row.resumedAt.getTime()) / 1000;
      if (seconds > 0) rowsPerSecond = (row.rowsDone - row.resumedRows) / seconds;
      const since = row.startedAt ? (now - row.startedAt.getTime()) / 1000 : 0;
      if (progress && progress > 0) etaSeconds = Math.max(0, (since * (1 - progress)) / progress);
    } else if (row.finishedAt && row.startedAt) {
      const seconds = (row.finishedAt.getTime() - row.startedAt.getTime()) / 1000;
      rowsPerSecond = seconds > 0 ? row.rowsDone / seconds : null;
      etaSeconds = row.state === 'succeeded' ? 0 : null;
    }
    return {
      id: row.id,
      deployment: row.deploymentName,
      version: row.version,
      state: row.state as Job['state'],
      input: {
        kind: row.inputKind as Job['input']['kind'],
        name: row.inputName,
        format: row.inputFormat as TableFormat,
      },
      output: { format: options.outputFormat, url: `${base}/output`, errorsUrl: `${base}/errors` },
      rows: { done: row.rowsDone, total: row.rowsTotal ?? null, errors: row.errors },
      progress,
      rowsPerSecond,
      etaSeconds,
      createdAt: row.createdAt.toISOString(),
      startedAt: row.startedAt?.toISOString() ?? null,
      finishedAt: row.finishedAt?.toISOString() ?? null,
      error: row.error ?? null,
      scheduleId: row.scheduleId ?? null,
    };
  }
}

function presentSchedule(row: BatchScheduleRow): JobSchedule {
  const schedule = { cron: row.cron, timeZone: row.timeZone };
  return {
    id: row.id,
    deployment: row.deploymentName,
    schedule,
    input: { pattern: row.inputPattern },
    outputDir: row.outputDir,
    options: row.options as Record<string, unknown>,
    createdAt: row.createdAt.toISOString(),
    lastFiredAt: row.lastFiredAt?.toISOString() ?? null,
    nextAt: nextScheduled(schedule, row.lastFiredAt ?? new Date())?.toISOString() ?? null,
  };
}

function formatOfUrl(url: URL): TableFormat {
  try {
    return detectTableFormat({ fileName: url.pathname });
  } catch {
    throw new InvalidInputError(
      `format: cannot tell the format of ${url.href} from its name; set options.format to csv, jsonl or parquet`,
      'format',
    );
  }
}

/** Moves a file, copying across file systems. */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(from, to);
    await unlink(from);
  }
}
