import { describe, expect, it } from 'vitest';
import { InvalidInputError, UnsupportedMediaTypeError } from '../../errors.js';
import { detectTableFormat, detectTableFormatOfFile } from './table-format.js';
import { tableDir } from './testing/table-files.js';

const bytes = (s: string) => new TextEncoder().encode(s);

/** What `f` throws (undefined if nothing). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('telling a table format', () => {
  it.each([
    [{ fileName: 'truth.csv' }, 'csv'],
    [{ fileName: 'TRUTH.CSV' }, 'csv'],
    [{ fileName: 'rows.jsonl' }, 'jsonl'],
    [{ fileName: 'rows.ndjson' }, 'jsonl'],
    [{ fileName: 'ref.parquet' }, 'parquet'],
    [{ fileName: 'ref.pq' }, 'parquet'],
    [{ contentType: 'text/csv; charset=utf-8' }, 'csv'],
    [{ contentType: 'application/x-ndjson' }, 'jsonl'],
    [{ contentType: 'application/vnd.apache.parquet' }, 'parquet'],
    // A generic content type says nothing; the name does.
    [{ contentType: 'application/octet-stream', fileName: 'a.jsonl' }, 'jsonl'],
    // Parquet's magic number wins over a name.
    [{ fileName: 'a.csv', head: bytes('PAR1\x15\x04') }, 'parquet'],
    [{ fileName: 'upload', head: bytes('\ufeff  {"id": 1}') }, 'jsonl'],
  ] as const)('%j is %s', (hints, format) => {
    expect(detectTableFormat(hints)).toBe(format);
  });

  it('refuses what it cannot tell with a 415 that says how to name the file', () => {
    const err = thrown(() =>
      detectTableFormat({ fileName: 'data.txt', contentType: 'text/plain', head: bytes('a,b') }),
    );
    expect(err).toBeInstanceOf(UnsupportedMediaTypeError);
    expect((err as Error).message).toMatch(
      /"data\.txt" \(text\/plain\).*\.csv, \.jsonl or \.parquet/,
    );
  });

  it('refuses a file named Parquet that does not start as one', () => {
    expect(() => detectTableFormat({ fileName: 'a.parquet', head: bytes('id,actual') })).toThrow(
      InvalidInputError,
    );
    expect(() => detectTableFormat({ fileName: 'a.parquet', head: bytes('id,actual') })).toThrow(
      /"a\.parquet" is not a Parquet file/,
    );
  });

  it('reads the head of a file on disk', async () => {
    const files = tableDir();
    try {
      const csvNamedParquet = files.text('bin', 'PAR1 not really');
      expect(await detectTableFormatOfFile(csvNamedParquet, { fileName: 'x.csv' })).toBe('parquet');
      const csv = files.text('csv', 'id,actual\n');
      expect(await detectTableFormatOfFile(csv, { fileName: 'truth.csv' })).toBe('csv');
    } finally {
      files.remove();
    }
  });
});
