import type { TranslationBundle } from '@jupyterlab/translation';
import type { JobInputFormat, JobOptions, JobOutputFormat } from '../client/jobs-wire.js';

/** The largest chunk offered: a chunk's rows are held in memory together on the gateway. */
export const MAX_CHUNK_SIZE = 100_000;

/** The Score with… dialog's fields, as typed. */
export interface ScoreDraft {
  deployment: string;
  output: JobOutputFormat;
  /** Input columns copied to the output. */
  passThrough: string[];
  /** Rows per call; empty: the gateway's default (1000). */
  chunkSize: string;
  /** Percent of rows that may fail before the job does; empty: the gateway's default (1 %). */
  maxErrorPercent: string;
}

/** A problem per field, in the user's words; empty when the draft can be sent. */
export type ScoreProblems = Partial<Record<keyof ScoreDraft, string>>;

/** Column names typed in a text field: comma-separated, trimmed, each once. */
export function parseColumnList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/** What is wrong with the draft, field by field. */
export function scoreProblems(draft: ScoreDraft, trans: TranslationBundle): ScoreProblems {
  const problems: ScoreProblems = {};
  if (!draft.deployment)
    problems.deployment = trans.__('Pick the deployment that scores the rows.');
  const chunk = draft.chunkSize.trim();
  if (chunk !== '') {
    const n = Number(chunk);
    if (!Number.isInteger(n) || n < 1 || n > MAX_CHUNK_SIZE)
      problems.chunkSize = trans.__(
        'A whole number of rows from 1 to %1, or empty for the default (1000).',
        MAX_CHUNK_SIZE,
      );
  }
  const rate = draft.maxErrorPercent.trim();
  if (rate !== '') {
    const n = Number(rate);
    if (!Number.isFinite(n) || n < 0 || n > 100)
      problems.maxErrorPercent = trans.__(
        'A percentage from 0 to 100, or empty for the default (1%).',
      );
  }
  return problems;
}

/**
 * The job's options as the gateway takes them (the `options` part): the input's format, the
 * output's, and only the fields the user set, so the gateway's defaults apply to the rest.
 * Call it on a draft without problems.
 */
export function jobOptionsOf(draft: ScoreDraft, input: JobInputFormat): JobOptions {
  const options: JobOptions = { format: input, output: { format: draft.output } };
  if (draft.passThrough.length) options.passThrough = [...draft.passThrough];
  const chunk = draft.chunkSize.trim();
  if (chunk !== '') options.chunkSize = Number(chunk);
  const rate = draft.maxErrorPercent.trim();
  // Percent as typed, a fraction on the wire; rounded so 0.1 % is 0.001, not 0.0010000000000000002.
  if (rate !== '') options.maxErrorRate = Number((Number(rate) / 100).toPrecision(12));
  return options;
}
