/**
 * Batch jobs and their schedules, as the API answers them (`/api/jobs`, `/api/deployments/:name/jobs`).
 * Shared with the JupyterLab extension: this file imports nothing.
 */

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  deployment: string;
  /** The version that scores every row: the live one when the job was created. */
  version: number;
  state: JobState;
  input: { kind: 'upload' | 'path' | 'url'; name: string; format: 'csv' | 'jsonl' | 'parquet' };
  /** Where the output and the errors file are downloaded (with the admin token). */
  output: { format: 'csv' | 'jsonl'; url: string; errorsUrl: string };
  /** Rows read so far (scored or refused), all of them once known, and those refused. */
  rows: { done: number; total: number | null; errors: number };
  /** 0 to 1: the share of the input read; null before the job starts. */
  progress: number | null;
  rowsPerSecond: number | null;
  etaSeconds: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  scheduleId: string | null;
}

/** A job started on a cron schedule on the newest file that matches a pattern. */
export interface JobSchedule {
  id: string;
  deployment: string;
  schedule: { cron: string; timeZone: string };
  input: { pattern: string };
  /** The folder (under the output root) each job's output is copied to. */
  outputDir: string;
  options: Record<string, unknown>;
  createdAt: string;
  lastFiredAt: string | null;
  /** When it fires next; null when it never does again. */
  nextAt: string | null;
}
