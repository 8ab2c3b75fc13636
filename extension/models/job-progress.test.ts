import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';
import { job, succeededJob } from '../testing/jobs.js';
import {
  formatEta,
  formatJobRows,
  formatRowsPerSecond,
  isJobFinished,
  jobDurationMs,
  jobFraction,
  jobProgressText,
  jobStateLabel,
} from './job-progress.js';

const trans = nullTranslator.load('slipway');

describe('a job’s progress in words', () => {
  it('while running: rows of the total, rows/s, time left, errors', () => {
    expect(jobProgressText(job(), trans)).toBe(
      '500 of 1000 rows · 250 rows/s · about 2 s left · no errors',
    );
    expect(
      jobProgressText(
        job({
          rows: { done: 1, total: null, errors: 3 },
          rowsPerSecond: 2.25,
          etaSeconds: 185,
        }),
        trans,
      ),
    ).toBe('1 row · 2.3 rows/s · about 3 min 5 s left · 3 errors');
    expect(
      jobProgressText(
        job({ rowsPerSecond: null, etaSeconds: null, rows: { done: 0, total: null, errors: 1 } }),
        trans,
      ),
    ).toBe('0 rows · – · – left · 1 error');
  });

  it('once ended: done, cancelled, or failed with the gateway’s reason', () => {
    expect(jobProgressText(succeededJob(2), trans)).toBe('Done: 1000 of 1000 rows, 2 errors.');
    expect(jobProgressText(job({ state: 'cancelled' }), trans)).toBe(
      'Cancelled after 500 of 1000 rows.',
    );
    expect(
      jobProgressText(
        job({
          state: 'failed',
          rows: { done: 40, total: 1000, errors: 20 },
          error: { code: 'error_rate', message: '20 of 40 rows failed (max 1%)' },
        }),
        trans,
      ),
    ).toBe('Failed after 40 of 1000 rows, 20 errors: 20 of 40 rows failed (max 1%)');
    expect(jobProgressText(job({ state: 'queued' }), trans)).toMatch(/^Queued/);
  });

  it('formats rates and times left, unknown as a dash', () => {
    expect(formatRowsPerSecond(1234.4, trans)).toBe('1234 rows/s');
    expect(formatRowsPerSecond(0.04, trans)).toBe('0.0 rows/s');
    expect(formatRowsPerSecond(null, trans)).toBe('–');
    expect(formatEta(0, trans)).toBe('about 0 s');
    expect(formatEta(3725, trans)).toBe('about 1 h 2 min');
    expect(formatEta(null, trans)).toBe('–');
    expect(formatEta(-1, trans)).toBe('–');
    expect(formatJobRows(job({ rows: { done: 1, total: 1, errors: 0 } }), trans)).toBe(
      '1 of 1 row',
    );
  });

  it('the bar: the gateway’s progress, else rows of the total, else unknown; full once done', () => {
    expect(jobFraction(job())).toBe(0.5);
    expect(jobFraction(job({ progress: null, rows: { done: 250, total: 1000, errors: 0 } }))).toBe(
      0.25,
    );
    expect(jobFraction(job({ progress: null, rows: { done: 250, total: null, errors: 0 } }))).toBe(
      null,
    );
    expect(jobFraction(job({ progress: 1.2 }))).toBe(1);
    expect(jobFraction(succeededJob(0, { progress: 0.97 }))).toBe(1);
  });

  it('knows the states that end a job, and names each', () => {
    expect(
      ['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) =>
        isJobFinished(s as never),
      ),
    ).toEqual([false, false, true, true, true]);
    expect(jobStateLabel('cancelled', trans)).toBe('cancelled');
    expect(jobStateLabel('paused-by-admin' as never, trans)).toBe('paused-by-admin');
  });

  it('a duration from start to end, or to now while it runs; none before it started', () => {
    expect(jobDurationMs(succeededJob(), new Date())).toBe(2500);
    expect(jobDurationMs(job(), new Date('2026-11-22T10:00:11.000Z'))).toBe(10_000);
    expect(jobDurationMs(job({ startedAt: null, state: 'queued' }), new Date())).toBeNull();
  });
});
