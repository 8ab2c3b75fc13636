import type { TranslationBundle } from '@jupyterlab/translation';
import type { Job, JobState } from '../client/jobs-wire.js';
import { formatDuration } from './retraining-model.js';

/** A job in one of these states changes no more. */
export function isJobFinished(state: JobState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}

/** A job's state in the user's words (a state a newer gateway added: as it came). */
export function jobStateLabel(state: JobState, trans: TranslationBundle): string {
  const words: Record<JobState, string> = {
    queued: trans._p('job state', 'queued'),
    running: trans._p('job state', 'running'),
    succeeded: trans._p('job state', 'succeeded'),
    failed: trans._p('job state', 'failed'),
    cancelled: trans._p('job state', 'cancelled'),
  };
  return words[state] ?? state;
}

/**
 * How far the job is, 0 to 1, for a progress bar; null while unknown (an indeterminate bar).
 * A job that succeeded is done whatever its last figure said.
 */
export function jobFraction(job: Job): number | null {
  if (job.state === 'succeeded') return 1;
  if (job.progress !== null) return Math.min(1, Math.max(0, job.progress));
  if (job.rows.total) return Math.min(1, job.rows.done / job.rows.total);
  return null;
}

/** Rows per second: `850 rows/s`, `2.5 rows/s` below ten; `–` while unknown. */
export function formatRowsPerSecond(rate: number | null, trans: TranslationBundle): string {
  if (rate === null || !Number.isFinite(rate) || rate < 0) return '–';
  return trans.__('%1 rows/s', rate < 10 ? rate.toFixed(1) : String(Math.round(rate)));
}

/** Time left: `about 42 s`, `about 3 min 5 s`; `–` while unknown. */
export function formatEta(seconds: number | null, trans: TranslationBundle): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '–';
  return trans.__('about %1', formatDuration(seconds * 1000, trans));
}

/** Rows done: `1200 of 5000 rows`, or `1200 rows` while the total is unknown. */
export function formatJobRows(job: Job, trans: TranslationBundle): string {
  const { done, total } = job.rows;
  return total === null
    ? trans._n('%1 row', '%1 rows', done)
    : trans._n('%2 of %1 row', '%2 of %1 rows', total, done);
}

/** Rows that failed: `no errors`, `1 error`, `3 errors`. */
export function formatJobErrors(job: Job, trans: TranslationBundle): string {
  return job.rows.errors === 0
    ? trans.__('no errors')
    : trans._n('%1 error', '%1 errors', job.rows.errors);
}

/**
 * The progress line under the bar: rows, speed, time left and errors while it runs; what
 * became of it once finished.
 */
export function jobProgressText(job: Job, trans: TranslationBundle): string {
  const rows = formatJobRows(job, trans);
  const errors = formatJobErrors(job, trans);
  switch (job.state) {
    case 'queued':
      return trans.__('Queued: waiting for the gateway to start it.');
    case 'running':
      return trans.__(
        '%1 · %2 · %3 left · %4',
        rows,
        formatRowsPerSecond(job.rowsPerSecond, trans),
        formatEta(job.etaSeconds, trans),
        errors,
      );
    case 'succeeded':
      return trans.__('Done: %1, %2.', rows, errors);
    case 'cancelled':
      return trans.__('Cancelled after %1.', rows);
    case 'failed':
      // The gateway's own message: which row, which column, or the error rate passed.
      return trans.__('Failed after %1, %2: %3', rows, errors, job.error?.message ?? '');
    default:
      return rows;
  }
}

/** How long it ran (or has run, at `now`); null before it started. */
export function jobDurationMs(job: Job, now: Date): number | null {
  if (!job.startedAt) return null;
  const end = job.finishedAt ? new Date(job.finishedAt) : now;
  return Math.max(0, end.getTime() - new Date(job.startedAt).getTime());
}
