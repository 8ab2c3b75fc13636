import { join } from 'node:path';
import type { TableFormat } from '../monitoring/tables/index.js';
import type { OutputFormat } from './job-options.js';

/** Where one job keeps its files: `<jobsDir>/<id>/`. */
export interface JobFiles {
  dir: string;
  /** The input, when the job has its own copy (an upload, a download). */
  input: string;
  output: string;
  errors: string;
}

const INPUT_EXTENSION: Record<TableFormat, string> = {
  csv: 'csv',
  jsonl: 'jsonl',
  parquet: 'parquet',
};

export function jobFiles(
  jobsDir: string,
  id: string,
  output: OutputFormat,
  input: TableFormat = 'csv',
): JobFiles {
  const dir = join(jobsDir, id);
  return {
    dir,
    input: join(dir, `input.${INPUT_EXTENSION[input]}`),
    output: join(dir, `output.${output}`),
    errors: join(dir, 'errors.jsonl'),
  };
}
