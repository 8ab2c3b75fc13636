import { open } from 'node:fs/promises';
import { InvalidInputError, UnsupportedMediaTypeError } from '../../errors.js';

/** The table files the gateway reads: ground truth and reference samples. */
export type TableFormat = 'csv' | 'jsonl' | 'parquet';

/** What is known of an uploaded table before it is read; any of it may be absent. */
export interface TableHints {
  /** The name the file was uploaded under (`truth.csv`). */
  fileName?: string;
  /** The part's or request's `Content-Type`, parameters allowed (`text/csv; charset=utf-8`). */
  contentType?: string;
  /** The file's first bytes (4 are enough): what a Parquet file starts with settles it. */
  head?: Uint8Array;
}

/** Every Parquet file starts (and ends) with these 4 bytes. */
const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31]; // PAR1

const CONTENT_TYPES: Record<string, TableFormat> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/comma-separated-values': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/x-jsonlines': 'jsonl',
  'application/jsonlines': 'jsonl',
  'application/vnd.apache.parquet': 'parquet',
  'application/x-parquet': 'parquet',
  'application/parquet': 'parquet',
};

const EXTENSIONS: Record<string, TableFormat> = {
  csv: 'csv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  parquet: 'parquet',
  pq: 'parquet',
};

/** Whether bytes start with Parquet's magic number. */
export function isParquetHead(head: Uint8Array): boolean {
  return PARQUET_MAGIC.every((b, i) => head[i] === b);
}

/**
 * The format of an uploaded table: a Parquet head settles it; else the content type, when it
 * names a table format (generic ones such as `application/octet-stream` say nothing); else
 * the file name's extension; else, for text starting with `{`, JSONL. A file claimed as
 * Parquet whose head is known and is not Parquet's is a 400; a format none of this tells is
 * a 415 saying how to name the file.
 */
export function detectTableFormat({ fileName, contentType, head }: TableHints): TableFormat {
  if (head && isParquetHead(head)) return 'parquet';
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  const extension = fileName?.match(/\.([^./\\]+)$/)?.[1]?.toLowerCase();
  const claimed =
    (mediaType && CONTENT_TYPES[mediaType]) || (extension && EXTENSIONS[extension]) || undefined;
  if (claimed === 'parquet' && head && head.length >= PARQUET_MAGIC.length)
    throw new InvalidInputError(
      `${fileName ? `"${fileName}"` : 'the upload'} is not a Parquet file: it does not start with "PAR1"`,
      undefined,
      'invalid_parquet',
    );
  if (claimed) return claimed;
  if (head && startsWithBrace(head)) return 'jsonl';
  const what = fileName ? `"${fileName}"` : 'the upload';
  throw new UnsupportedMediaTypeError(
    `cannot tell the format of ${what}${mediaType ? ` (${mediaType})` : ''}: send a .csv, .jsonl or .parquet file, or set Content-Type to text/csv, application/x-ndjson or application/vnd.apache.parquet`,
  );
}

/** Whether text (after a UTF-8 BOM and white space) starts with `{`: a JSONL row's start. */
function startsWithBrace(head: Uint8Array): boolean {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (
    i < head.length &&
    (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)
  )
    i++;
  return head[i] === 0x7b;
}

/** {@link detectTableFormat} for a file on disk: reads its first bytes for the head. */
export async function detectTableFormatOfFile(
  path: string,
  hints: Omit<TableHints, 'head'> = {},
): Promise<TableFormat> {
  const file = await open(path, 'r');
  try {
    const head = new Uint8Array(64);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return detectTableFormat({ ...hints, head: head.subarray(0, bytesRead) });
  } finally {
    await file.close();
  }
}
