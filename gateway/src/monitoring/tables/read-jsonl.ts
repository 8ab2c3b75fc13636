import { createReadStream } from 'node:fs';
import { MAX_JSON_DEPTH, nestsDeeperThan, tooDeepError } from '../../codecs/json-text.js';
import { InvalidInputError, TooLargeError } from '../../errors.js';
import { cellError, CellMismatch, jsonCell, type Row } from './columns.js';
import { formatBytes, rowsUntilError, type FormatReadContext } from './table-job.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** How many names of keys no column asked for a summary keeps. */
const MAX_EXTRA_NAMES = 100;

/**
 * The rows of a JSONL file: one JSON object per line, LF or CRLF, blank lines skipped, a
 * UTF-8 BOM skipped. A line has no header to check first, so a required column missing from
 * a line is an error naming the line, and an optional one is null. Rows are numbered by
 * their line.
 */
export async function* readJsonlRows(
  ctx: FormatReadContext,
): AsyncGenerator<Row[], void, undefined> {
  const { path, columns, limits } = ctx.job;
  const wanted = new Set(columns.map((c) => c.name));
  const seen = new Set<string>();
  const extra = new Set<string>();
  const input = createReadStream(path);
  try {
    const rowOf = ([line, bytes]: [number, Buffer]): Row | undefined => {
      const object = parseLine(bytes, line);
      if (object === undefined) return undefined;
      const row: Row = {};
      for (const column of columns) {
        if (!Object.hasOwn(object, column.name)) {
          if (column.required)
            throw new InvalidInputError(
              `line ${line} has no "${column.name}" (a required column)`,
              column.name,
              'missing_column',
            );
          row[column.name] = null;
          continue;
        }
        seen.add(column.name);
        const cell = jsonCell(object[column.name], column);
        if (cell instanceof CellMismatch) throw cellError(`line ${line}`, column, cell);
        row[column.name] = cell;
      }
      if (extra.size < MAX_EXTRA_NAMES)
        for (const key in object)
          if (!wanted.has(key) && extra.size < MAX_EXTRA_NAMES) extra.add(key);
      return row;
    };
    for await (const lines of splitLines(input, limits.maxRecordBytes)) {
      ctx.progress.bytesRead = input.bytesRead;
      yield* rowsUntilError(lines, rowOf);
    }
  } finally {
    input.destroy();
  }
  ctx.layout = {
    absentColumns: columns.filter((c) => !seen.has(c.name)).map((c) => c.name),
    extraColumns: [...extra],
  };
}

/** One line as an object; undefined for a blank line. */
function parseLine(bytes: Buffer, line: number): Record<string, unknown> | undefined {
  let text: string;
  try {
    // A BOM at the start of the decoded bytes is dropped (TextDecoder's default).
    text = utf8.decode(bytes);
  } catch {
    throw new InvalidInputError(`line ${line} is not valid UTF-8`, undefined, 'invalid_encoding');
  }
  if (text.trim() === '') return undefined;
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw tooDeepError(`line ${line}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(
      `line ${line} is not valid JSON: ${(err as Error).message}`,
      undefined,
      'invalid_json',
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidInputError(
      `line ${line} is not a JSON object; each line holds one row, such as {"id": "a1", "actual": 1}`,
      undefined,
      'malformed_row',
    );
  return value as Record<string, unknown>;
}

/**
 * The lines of a byte stream, numbered from 1, without their `\n` (nor a `\r` before it): those
 * each chunk of the stream ends, together. A line is refused once it passes `maxBytes`, before
 * more of it is kept (the lines before it come first).
 */
export async function* splitLines(
  input: AsyncIterable<Buffer>,
  maxBytes: number,
): AsyncGenerator<[number, Buffer][], void, undefined> {
  let parts: Buffer[] = [];
  let length = 0;
  let line = 1;
  const tooLong = () =>
    new TooLargeError(
      `line ${line} is longer than ${formatBytes(maxBytes)}, the limit for one line`,
    );
  const take = (): [number, Buffer] => {
    let bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
    if (bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
    parts = [];
    length = 0;
    return [line++, bytes];
  };
  for await (const chunk of input) {
    const lines: [number, Buffer][] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline < 0 ? chunk.length : newline;
      length += end - start;
      if (length > maxBytes) {
        if (lines.length > 0) yield lines;
        throw tooLong();
      }
      if (end > start) parts.push(chunk.subarray(start, end));
      if (newline < 0) break;
      lines.push(take());
      start = newline + 1;
    }
    if (lines.length > 0) yield lines;
  }
  if (length > 0) yield [take()];
}
