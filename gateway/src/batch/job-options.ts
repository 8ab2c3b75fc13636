import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import type { TableFormat } from '../monitoring/tables/index.js';

/** What a job writes: a CSV file, or JSON Lines. */
export type OutputFormat = 'csv' | 'jsonl';

/** The share of rows that may fail validation before a job fails, unless it says otherwise. */
export const DEFAULT_MAX_ERROR_RATE = 0.01;

/** A job's options as a caller sends them (JSON body, or a form's `options` part). */
export const jobOptionsSchema = z
  .object({
    format: z.enum(['csv', 'jsonl', 'parquet']).optional(),
    output: z
      .object({ format: z.enum(['csv', 'jsonl']).optional() })
      .strict()
      .optional(),
    passThrough: z.array(z.string().min(1).max(256)).max(256).optional(),
    chunkSize: z.number().int().min(1).optional(),
    maxErrorRate: z.number().min(0).max(1).optional(),
    webhookUrl: z.string().url().optional(),
    /** Signs the webhook's body (`X-Slipway-Signature`), as alert webhooks are signed. */
    webhookSecret: z.string().min(16).max(256).optional(),
  })
  .strict();

export type JobOptionsInput = z.infer<typeof jobOptionsSchema>;

/** A job's options with every default filled in: what is stored with it. */
export interface JobOptions {
  outputFormat: OutputFormat;
  passThrough: string[];
  /** Rows per data-plane call; absent: the job sizes its chunks itself (`ChunkSizer`). */
  chunkSize?: number;
  maxErrorRate: number;
  webhookUrl?: string;
  webhookSecret?: string;
  /** Scheduled jobs: the folder (absolute) the output is copied to when the job succeeds. */
  outputDir?: string;
}

/**
 * The options in full: defaults, and a chunk within the records a call may carry (none
 * named: the job sizes its chunks, `ChunkSizer`).
 */
export function resolveJobOptions(
  given: JobOptionsInput,
  inputFormat: TableFormat,
  maxBatch: number,
): JobOptions {
  const { chunkSize } = given;
  if (chunkSize !== undefined && chunkSize > maxBatch)
    throw new InvalidInputError(
      `chunkSize: expected at most ${maxBatch}, the records one call may carry (SLIPWAY_MAX_BATCH); got ${chunkSize}`,
      'chunkSize',
    );
  const passThrough = given.passThrough ?? [];
  const twice = passThrough.find((c, i) => passThrough.indexOf(c) !== i);
  if (twice !== undefined)
    throw new InvalidInputError(`passThrough: "${twice}" is listed twice`, 'passThrough');
  return {
    outputFormat: given.output?.format ?? (inputFormat === 'csv' ? 'csv' : 'jsonl'),
    passThrough,
    ...(chunkSize !== undefined && { chunkSize }),
    maxErrorRate: given.maxErrorRate ?? DEFAULT_MAX_ERROR_RATE,
    ...(given.webhookUrl !== undefined && { webhookUrl: given.webhookUrl }),
    ...(given.webhookSecret !== undefined && { webhookSecret: given.webhookSecret }),
  };
}

/** Parses options sent as JSON text (a form part): a 400 naming `options` when it is not. */
export function parseJobOptionsText(text: string | undefined): unknown {
  if (text === undefined || text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidInputError(
      `options: expected a JSON object of job options (${(err as Error).message})`,
      'options',
    );
  }
}

/** Checks options against the schema: a 400 naming the first bad field. */
export function checkJobOptions(value: unknown): JobOptionsInput {
  const parsed = jobOptionsSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.') || 'options';
  throw new InvalidInputError(`${field}: ${issue.message}`, field);
}
