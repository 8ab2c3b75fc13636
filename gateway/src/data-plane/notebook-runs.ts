import type { RunRepository, RunRow } from '../db/run-repository.js';
import { NotebookFailedError, SlipwayError, describeFailure, type CallFailure } from '../errors.js';
import type { ErrorBody, NotebookCellRef, RunLinks } from '../protocol/errors.js';
import type { NotebookRun } from '../runtimes/types.js';

export interface NotebookRunsDeps {
  runs: RunRepository;
  publicUrl: string;
  /** Sends callbacks; `fetch` unless a test passes another. */
  fetch?: typeof fetch;
  reportError?: (err: unknown) => void;
}

/** Where a run's status and its executed notebook are read (with the deployment's key). */
export function runUrls(publicUrl: string, name: string, id: string) {
  const statusUrl = `${publicUrl}/fn/${name}/runs/${id}`;
  return { statusUrl, notebookUrl: `${statusUrl}/notebook` };
}

/** `runUrls` with the run's id: what every error of a notebook run carries. */
export function runLinks(publicUrl: string, name: string, id: string): RunLinks {
  return { runId: id, ...runUrls(publicUrl, name, id) };
}

/**
 * A notebook run's failure as its caller gets it: the failure's own status, code, message and
 * fields, plus where to read the run (`runId`, `statusUrl`, `notebookUrl`), so that the
 * traceback in the executed notebook can be fetched. An unexpected error is a 500 `internal`
 * that says nothing more than that, and the links.
 */
export class NotebookRunError extends SlipwayError {
  constructor(
    err: unknown,
    readonly links: RunLinks,
  ) {
    const failure =
      err instanceof SlipwayError
        ? err
        : new SlipwayError(500, 'internal', 'internal error; see the gateway log', undefined, {
            cause: err,
          });
    super(failure.status, failure.code, failure.message, failure.field, { cause: failure });
    this.retryAfterSeconds = failure.retryAfterSeconds;
  }

  /** What went wrong (the `cause`): its body is the body answered, plus the links. */
  get failure(): SlipwayError {
    return this.cause as SlipwayError;
  }

  override toBody(): ErrorBody {
    const { error } = this.failure.toBody();
    return { error: { ...error, ...this.links } };
  }
}

/** The error a run record keeps: what `describeFailure` says, and the failed cell if any. */
type RunError = CallFailure['error'] & { cell?: NotebookCellRef };

/** The wire form of a run, as the status URL answers it and a callback receives it. */
export function presentRun(row: RunRow, publicUrl: string) {
  return {
    id: row.id,
    name: row.deploymentName,
    version: row.version,
    status: row.status,
    parameters: row.parameters,
    warnings: row.warnings ?? [],
    outputs: row.outputs ?? null,
    error: row.error ? { ...row.error, ...runLinks(publicUrl, row.deploymentName, row.id) } : null,
    durationMs: row.durationMs ?? null,
    cold: row.cold ?? null,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    ...runUrls(publicUrl, row.deploymentName, row.id),
    callbackStatus: row.callbackStatus ?? null,
  };
}

/**
 * The record of each notebook run (its parameters, status, outputs or error) and the callback
 * an asynchronous caller asked for when it ends.
 */
export class NotebookRuns {
  private readonly fetch: typeof fetch;
  constructor(private readonly deps: NotebookRunsDeps) {
    this.fetch = deps.fetch ?? fetch;
  }

  start(run: {
    id: string;
    name: string;
    version: number;
    parameters: unknown;
    warnings: readonly string[];
    callbackUrl?: string;
  }): Promise<void> {
    return this.deps.runs.start({
      id: run.id,
      deploymentName: run.name,
      version: run.version,
      parameters: run.parameters,
      warnings: [...run.warnings],
      callbackUrl: run.callbackUrl,
    });
  }

  succeeded(id: string, run: NotebookRun): Promise<void> {
    return this.deps.runs.finish(id, { status: 'succeeded', ...run });
  }

  /** Records the run as failed with `err` (a 499 when the caller's `signal` was aborted). */
  failed(id: string, err: unknown, signal?: AbortSignal): Promise<void> {
    const error: RunError = { ...describeFailure(err, signal).error };
    const failure = err instanceof NotebookRunError ? err.failure : err;
    if (failure instanceof NotebookFailedError && failure.cell) error.cell = failure.cell;
    return this.deps.runs.finish(id, { status: 'failed', error });
  }

  /** POSTs the finished run to `url`; the outcome is kept with the run, never thrown. */
  async callBack(name: string, id: string, url: string): Promise<void> {
    const row = await this.deps.runs.get(name, id);
    if (!row) return;
    let status: string;
    try {
      const res = await this.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(presentRun(row, this.deps.publicUrl)),
        signal: AbortSignal.timeout(10_000),
      });
      status = `${res.status}`;
    } catch (err) {
      status = `failed: ${(err as Error).message}`;
      this.deps.reportError?.(new Error(`callback for run ${id} to ${url} failed`, { cause: err }));
    }
    await this.deps.runs.setCallbackStatus(id, status);
  }
}
