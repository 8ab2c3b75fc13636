import type { JobInputFormat, JobOutputFormat } from '../client/jobs-wire.js';

const INPUT_FORMATS: [RegExp, JobInputFormat][] = [
  [/\.csv$/i, 'csv'],
  [/\.(jsonl|ndjson)$/i, 'jsonl'],
  [/\.parquet$/i, 'parquet'],
];

/** The format a batch job reads a file in, by its extension; null for files it cannot score. */
export function scoreInputFormatOf(path: string): JobInputFormat | null {
  return INPUT_FORMATS.find(([re]) => re.test(path))?.[1] ?? null;
}

/** What the gateway writes by default: CSV for CSV input, JSON lines otherwise. */
export function defaultOutputFormat(input: JobInputFormat): JobOutputFormat {
  return input === 'csv' ? 'csv' : 'jsonl';
}

/** Where a job's files go, next to its input. */
export interface ScoreOutputPaths {
  output: string;
  /** The rows that failed, when there are some. */
  errors: string;
}

/**
 * The paths of a job's output and errors files, next to the input: `customers.csv` →
 * `customers.predictions.csv` and `customers.predictions.errors.jsonl`. When either is taken,
 * a number is added to both (`customers.predictions-2.csv`), so a pair stays recognisable and
 * nothing is overwritten. `taken` holds the names (not paths) in the input's folder.
 */
export function scoreOutputPaths(
  inputPath: string,
  format: JobOutputFormat,
  taken: ReadonlySet<string>,
): ScoreOutputPaths {
  const slash = inputPath.lastIndexOf('/');
  const dir = slash < 0 ? '' : inputPath.slice(0, slash + 1);
  const base = inputPath.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  for (let n = 1; ; n++) {
    const name = n === 1 ? `${stem}.predictions` : `${stem}.predictions-${n}`;
    const output = `${name}.${format}`;
    const errors = `${name}.errors.jsonl`;
    if (!taken.has(output) && !taken.has(errors))
      return { output: dir + output, errors: dir + errors };
  }
}

/**
 * The columns of a CSV file from its first bytes: the header record, quotes understood
 * (`"a,b"`, `""`). `complete`: `head` is the whole file. Null when the header does not end
 * within `head` (a line longer than what was read), so the caller offers a text field instead.
 */
export function csvHeaderColumns(head: string, complete = false): string[] | null {
  const text = head.replace(/^\uFEFF/, '');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      fields.push(field);
      return nonEmpty(fields);
    } else field += c;
  }
  if (!complete || quoted) return null;
  fields.push(field);
  return nonEmpty(fields);
}

/** The keys of the first record of a JSON lines file, from its first bytes; null if unreadable. */
export function jsonlFirstKeys(head: string, complete = false): string[] | null {
  const newline = head.indexOf('\n');
  if (newline < 0 && !complete) return null;
  const end = newline < 0 ? head.length : newline;
  try {
    const record: unknown = JSON.parse(head.slice(0, end));
    if (record === null || typeof record !== 'object' || Array.isArray(record)) return null;
    return nonEmpty(Object.keys(record));
  } catch {
    return null;
  }
}

/**
 * The input's column names from its first bytes (`complete`: the whole file), when its format
 * tells them cheaply; null otherwise (Parquet, or a first line longer than what was read).
 */
export function headerColumns(
  head: string,
  format: JobInputFormat,
  complete = false,
): string[] | null {
  if (format === 'csv') return csvHeaderColumns(head, complete);
  if (format === 'jsonl') return jsonlFirstKeys(head, complete);
  return null;
}

function nonEmpty(names: string[]): string[] | null {
  const kept = names.map((n) => n.trim()).filter((n) => n !== '');
  return kept.length ? kept : null;
}
