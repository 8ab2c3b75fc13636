import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError, TooLargeError } from '../../errors.js';
import type { ColumnSpec } from './columns.js';
import type { TableFormat } from './table-format.js';
import { job, readAll, readError, tableDir } from './testing/table-files.js';

const files = tableDir();
afterAll(() => files.remove());

const spec: ColumnSpec[] = [
  { name: 'id', type: 'string', required: true, nullable: false },
  { name: 'actual', type: 'label', required: true },
  { name: 'score', type: 'number', required: false },
  { name: 'ok', type: 'bool', required: false },
  { name: 'weight', type: 'number', required: false },
];

/** One logical table: `score` null in row 2; `note` is a column nobody asked for. */
interface Source {
  id: string[];
  actual: string[];
  score: (number | null)[];
  ok: boolean[];
  note: string[];
}
const five: Source = {
  id: ['a1', 'a2', 'a3', 'a4', 'a5'],
  actual: ['yes', 'no', 'yes', 'no', 'yes'],
  score: [0.5, null, 1.25, -2, 1e-3],
  ok: [true, false, true, true, false],
  note: ['x', 'y', 'z', 'w', 'v'],
};

/** The same table written in each format; `score` may be replaced to hold a wrong value. */
const writers: Record<TableFormat, (s: Source, score?: unknown[]) => string> = {
  csv(s, score = s.score) {
    const lines = s.id.map(
      (id, i) => `${id},${s.actual[i]},${score[i] ?? ''},${s.ok[i]},${s.note[i]}`,
    );
    return files.text('csv', ['id,actual,score,ok,note', ...lines].join('\n') + '\n');
  },
  jsonl(s, score = s.score) {
    const lines = s.id.map((id, i) =>
      JSON.stringify({ id, actual: s.actual[i], score: score[i], ok: s.ok[i], note: s.note[i] }),
    );
    return files.text('jsonl', lines.join('\n') + '\n');
  },
  parquet(s, score = s.score) {
    // A Parquet column has one type: the wrong value is the only one in a text column.
    const wrong = score.some((v) => typeof v === 'string');
    return files.parquet([
      { name: 'id', data: s.id, type: 'STRING' },
      { name: 'actual', data: s.actual, type: 'STRING' },
      {
        name: 'score',
        data: wrong ? score.map((v) => (typeof v === 'string' ? v : null)) : score,
        type: wrong ? 'STRING' : 'DOUBLE',
      },
      { name: 'ok', data: s.ok, type: 'BOOLEAN' },
      { name: 'note', data: s.note, type: 'STRING' },
    ] as Parameters<typeof files.parquet>[0]);
  },
};

/** How each format names a row in messages. */
const rowWord: Record<TableFormat, string> = { csv: 'row', jsonl: 'line', parquet: 'row' };

describe.each(['csv', 'jsonl', 'parquet'] as const)('reading %s', (format) => {
  it('gives rows of exactly the spec columns, empty cells null, and a summary', async () => {
    const { rows, summary } = await readAll(job(writers[format](five), format, spec));
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual({ id: 'a1', actual: 'yes', score: 0.5, ok: true, weight: null });
    expect(rows[1]).toEqual({ id: 'a2', actual: 'no', score: null, ok: false, weight: null });
    expect(Object.keys(rows[4]!)).toEqual(['id', 'actual', 'score', 'ok', 'weight']);
    expect(summary).toEqual({
      format,
      rows: 5,
      absentColumns: ['weight'],
      extraColumns: ['note'],
    });
  });

  it('gives batches of batchRows, the last one shorter', async () => {
    const { sizes } = await readAll(job(writers[format](five), format, spec, { batchRows: 2 }));
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('names the row and column of a value of the wrong type', async () => {
    const score = [1, 2, 'high', 4, 5];
    const err = await readError(job(writers[format](five, score), format, spec));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toMatchObject({ code: 'invalid_cell', field: 'score' });
    expect(err.message).toBe(
      `${rowWord[format]} 3, column "score": expected a number, got ${format === 'csv' ? '"high"' : 'text "high"'}`,
    );
  });

  it('refuses a table without a required column before any row', async () => {
    const { actual: _, ...noActual } = five;
    const path =
      format === 'csv'
        ? files.text('csv', 'id,score\na1,1\n')
        : format === 'jsonl'
          ? files.text('jsonl', '{"id":"a1","score":1}\n')
          : files.parquet([
              { name: 'id', data: noActual.id, type: 'STRING' },
              { name: 'score', data: noActual.score, type: 'DOUBLE' },
            ]);
    const batches = (await import('./parse-table.js')).parseTable(job(path, format, spec));
    const err = await batches.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toMatchObject({ code: 'missing_column', field: 'actual' });
    expect((err as Error).message).toMatch(/"actual"/);
  });

  it('refuses an empty cell in a column that is not nullable, naming it', async () => {
    const ids = { ...five, id: ['a1', 'a2', '', 'a4', 'a5'] };
    const path =
      format === 'parquet'
        ? files.parquet([
            { name: 'id', data: ['a1', null, 'a3'], type: 'STRING' },
            { name: 'actual', data: ['y', 'n', 'y'], type: 'STRING' },
          ])
        : format === 'jsonl'
          ? files.text('jsonl', '{"id":"a1","actual":1}\n{"id":null,"actual":2}\n')
          : writers.csv(ids);
    const err = await readError(job(path, format, spec));
    expect(err).toMatchObject({ code: 'invalid_cell', field: 'id' });
    const row = format === 'csv' ? 3 : 2;
    expect(err.message).toMatch(
      new RegExp(`^${rowWord[format]} ${row}, column "id": expected text \\(not empty\\)`),
    );
  });

  it('refuses more rows than maxRows with a 413', async () => {
    const err = await readError(job(writers[format](five), format, spec, { maxRows: 4 }));
    expect(err).toBeInstanceOf(TooLargeError);
    expect(err.message).toMatch(/more than 4 rows?, the limit/);
  });

  it('refuses a file over maxBytes before reading it', async () => {
    const err = await readError(job(writers[format](five), format, spec, { maxBytes: 64 }));
    expect(err).toBeInstanceOf(TooLargeError);
    expect(err.message).toMatch(/^the file is \d+ bytes, more than 64 bytes, the limit$/);
  });
});

const idActual: ColumnSpec[] = [
  { name: 'id', type: 'string', required: true },
  { name: 'actual', type: 'label', required: true },
];

describe('CSV', () => {
  const read = (text: string | Uint8Array, over = {}) =>
    readAll(job(files.text('csv', text), 'csv', idActual, over));

  it('reads quoted fields with commas, quotes and line breaks', async () => {
    const { rows } = await read('id,actual\n"a,1","say ""hi""\nthere"\n"",x\n');
    expect(rows).toEqual([
      { id: 'a,1', actual: 'say "hi"\nthere' },
      { id: null, actual: 'x' },
    ]);
  });

  it('skips a BOM, takes CRLF, trims header names and skips blank lines', async () => {
    const text = '\ufeff id , actual \r\na1,1\r\n\r\na2,0\r\n';
    const { rows } = await read(text);
    expect(rows).toEqual([
      { id: 'a1', actual: '1' },
      { id: 'a2', actual: '0' },
    ]);
  });

  it('reads a header alone as no rows, and refuses an empty file', async () => {
    expect((await read('id,actual\n')).rows).toEqual([]);
    const err = await readError(job(files.text('csv', ''), 'csv', idActual));
    expect(err).toMatchObject({ code: 'empty_table' });
  });

  it('names the row (header excluded) whose field count is wrong', async () => {
    const err = await readError(job(files.text('csv', 'id,actual\na,1\nb,2,3\n'), 'csv', idActual));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(
      /^row 2 \(line 3\) has a different number of fields than the header/,
    );
  });

  it('stops an unclosed quote at maxRecordBytes instead of holding the rest of the file', async () => {
    const text = `id,actual\na,1\nb,"${'x'.repeat(10_000)}\n`.repeat(1) + 'c,2\n'.repeat(1000);
    const err = await readError(
      job(files.text('csv', text), 'csv', idActual, { maxRecordBytes: 1024 }),
    );
    expect(err).toBeInstanceOf(TooLargeError);
    expect(err.message).toMatch(/^row 2 \(line 3\) is longer than 1 KiB, the limit for one record/);
  });
});

describe('JSONL', () => {
  const jsonl = (text: string, over = {}) =>
    job(files.text('jsonl', text), 'jsonl', idActual, over);

  it('keeps labels as they are, counts blank lines, takes CRLF and a BOM', async () => {
    const { rows } = await readAll(
      jsonl(
        '\ufeff{"id":"a","actual":1}\r\n\n{"id":"b","actual":"cat"}\r\n{"id":"c","actual":false}',
      ),
    );
    expect(rows.map((r) => r.actual)).toEqual([1, 'cat', false]);
    const err = await readError(jsonl('{"id":"a","actual":1}\n\n{"id":"b","actual":[1]}\n'));
    expect(err.message).toBe(
      'line 3, column "actual": expected a number, text or true/false, got a list',
    );
  });

  it.each([
    [
      'not JSON',
      '{"id":"a","actual":1}\n{"id": "b",\n',
      /^line 2 is not valid JSON/,
      'invalid_json',
    ],
    [
      'not an object',
      '{"id":"a","actual":1}\n[1,2]\n',
      /^line 2 is not a JSON object/,
      'malformed_row',
    ],
    [
      'a missing key',
      '{"id":"a"}\n',
      /^line 1 has no "actual" \(a required column\)/,
      'missing_column',
    ],
    [
      'nested too deep',
      `{"id":"a","actual":1,"x":${'['.repeat(200)}${']'.repeat(200)}}\n`,
      /^line 1 nests/,
      'too_deep',
    ],
    [
      'bad UTF-8',
      Buffer.from([0x7b, 0xff, 0x7d, 0x0a]),
      /^line 1 is not valid UTF-8/,
      'invalid_encoding',
    ],
  ])('names the line of %s', async (_, text, message, code) => {
    const err = await readError(job(files.text('jsonl', text), 'jsonl', idActual));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toMatchObject({ code });
    expect(err.message).toMatch(message);
  });

  it('ignores nested values in columns nobody asked for', async () => {
    const { rows, summary } = await readAll(
      jsonl('{"id":"a","actual":1,"meta":{"a":[1,{"b":2}]}}\n'),
    );
    expect(rows).toEqual([{ id: 'a', actual: 1 }]);
    expect(summary.extraColumns).toEqual(['meta']);
  });

  it('refuses a line longer than maxRecordBytes, naming it', async () => {
    const long = `{"id":"${'x'.repeat(5000)}","actual":1}`;
    const err = await readError(
      jsonl(`{"id":"a","actual":1}\n${long}\n`, { maxRecordBytes: 1024 }),
    );
    expect(err).toBeInstanceOf(TooLargeError);
    expect(err.message).toBe('line 2 is longer than 1 KiB, the limit for one line');
  });
});

describe('Parquet', () => {
  it('turns INT64 into numbers, and names the row of one a number cannot hold', async () => {
    const ints = [1n, 2n, 3n];
    const ok = files.parquet([
      { name: 'id', data: ['a', 'b', 'c'], type: 'STRING' },
      { name: 'actual', data: ints, type: 'INT64' },
    ]);
    expect((await readAll(job(ok, 'parquet', idActual))).rows.map((r) => r.actual)).toEqual([
      1, 2, 3,
    ]);
    const big = files.parquet([
      { name: 'id', data: ['a', 'b', 'c'], type: 'STRING' },
      { name: 'actual', data: [1n, 2n ** 62n, 3n], type: 'INT64' },
    ]);
    const err = await readError(job(big, 'parquet', idActual));
    expect(err.message).toMatch(
      /^row 2, column "actual": expected a number \(an integer within ±2\^53/,
    );
  });

  it('refuses timestamps where text is wanted', async () => {
    const path = files.parquet([
      { name: 'id', data: [new Date(0)], type: 'TIMESTAMP' },
      { name: 'actual', data: [1], type: 'DOUBLE' },
    ]);
    const err = await readError(job(path, 'parquet', idActual));
    expect(err.message).toBe('row 1, column "id": expected text, got a date/time');
  });

  it('reads row groups with an offset index a batch at a time', async () => {
    const n = 2500;
    const path = files.parquet(
      [
        { name: 'id', data: Array.from({ length: n }, (_, i) => `r${i}`), type: 'STRING' },
        { name: 'actual', data: Array.from({ length: n }, (_, i) => i % 3), type: 'INT32' },
      ],
      1000,
    );
    const { rows, sizes } = await readAll(job(path, 'parquet', idActual, { batchRows: 400 }));
    expect(rows).toHaveLength(n);
    expect(rows[2499]).toEqual({ id: 'r2499', actual: 2499 % 3 });
    // Slices of 400 within each group of 1000, gathered into batches of 400.
    expect(sizes.every((s) => s <= 400)).toBe(true);
    expect(sizes.reduce((a, b) => a + b)).toBe(n);
  });

  it('reads a row group without an offset index whole, within maxRowGroupBytes', async () => {
    const n = 3000;
    const columns = [
      {
        name: 'id',
        data: Array.from({ length: n }, (_, i) => `r${i}`),
        type: 'STRING',
        offsetIndex: false,
      },
      {
        name: 'actual',
        data: Array.from({ length: n }, (_, i) => i),
        type: 'INT32',
        offsetIndex: false,
      },
    ] as Parameters<typeof files.parquet>[0];
    const path = files.parquet(columns, n);
    expect((await readAll(job(path, 'parquet', idActual, { batchRows: 1000 }))).sizes).toEqual([
      1000, 1000, 1000,
    ]);
    const err = await readError(job(path, 'parquet', idActual, { maxRowGroupBytes: 1024 }));
    expect(err).toBeInstanceOf(TooLargeError);
    expect(err.message).toMatch(/^the Parquet row group from row 1 holds .* has no offset index/);
  });

  it('refuses a file that is not Parquet', async () => {
    const err = await readError(
      job(files.text('parquet', 'id,actual\na,1\n'), 'parquet', idActual),
    );
    expect(err).toMatchObject({ code: 'invalid_parquet' });
  });

  it('streams a large file: the first batch comes after a small part of it is read', async () => {
    const n = 200_000;
    const path = files.parquet([
      { name: 'id', data: Array.from({ length: n }, (_, i) => `row-${i}`), type: 'STRING' },
      { name: 'actual', data: Array.from({ length: n }, (_, i) => i), type: 'INT32' },
    ]);
    const { size } = await import('node:fs').then((fs) => fs.statSync(path));
    const progress = { bytesRead: 0, rowsParsed: 0 };
    const batches = (await import('./parse-table.js')).parseTable(
      job(path, 'parquet', idActual, { batchRows: 1000 }),
      progress,
    );
    const first = await batches.next();
    expect(first.value).toHaveLength(1000);
    expect(progress.bytesRead).toBeLessThan(size / 4);
    let rows = 1000;
    let batchCount = 1;
    for await (const batch of { [Symbol.asyncIterator]: () => batches }) {
      rows += batch.length;
      batchCount++;
    }
    expect(rows).toBe(n);
    expect(batchCount).toBe(200);
  });
});
