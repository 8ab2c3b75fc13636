import { copyFile, mkdir, rename, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
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

/** `customers.csv` → `customers.predictions.csv`. */
export function outputName(inputName: string, format: OutputFormat): string {
  return `${stem(inputName)}.predictions.${format}`;
}

/** `customers.csv` → `customers.errors.jsonl`. */
export function errorsName(inputName: string): string {
  return `${stem(inputName)}.errors.jsonl`;
}

function stem(inputName: string): string {
  const name = basename(inputName.split(/[?#]/)[0]!) || 'input';
  return name.slice(0, name.length - extname(name).length) || name;
}

/**
 * Copies a finished job's output (and its errors file, when a row was refused) into
 * `outputDir`, named after its input: each written beside its final name and renamed, so that
 * a reader of the folder sees a whole file or none. Copied again, the same, by a job resumed
 * after a crash between the copy and the job's end.
 */
export async function deliverJobFiles(
  files: JobFiles,
  outputDir: string,
  inputName: string,
  format: OutputFormat,
): Promise<void> {
  await mkdir(outputDir, { recursive: true });
  const copies: [string, string][] = [[files.output, outputName(inputName, format)]];
  if ((await stat(files.errors).catch(() => undefined))?.size)
    copies.push([files.errors, errorsName(inputName)]);
  for (const [from, name] of copies) {
    const to = join(outputDir, name);
    const partial = join(outputDir, `.${name}.partial`);
    await copyFile(from, partial);
    await rename(partial, to);
  }
}
