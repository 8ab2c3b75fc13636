import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.js';
import {
  CellMismatch,
  csvCell,
  jsonCell,
  parquetCell,
  planColumns,
  type ColumnSpec,
  type ColumnType,
} from './columns.js';

const col = (type: ColumnType, nullable?: boolean): ColumnSpec => ({
  name: 'c',
  type,
  required: true,
  ...(nullable !== undefined && { nullable }),
});

/** What `f` throws (undefined if nothing). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('CSV cells', () => {
  it.each([
    ['number', '3.5', 3.5],
    ['number', ' -1e3 ', -1000],
    ['number', '.5', 0.5],
    ['number', '', null],
    ['number', '  ', null],
    ['bool', 'TRUE', true],
    ['bool', '0', false],
    ['bool', '', null],
    ['string', ' a b ', ' a b '],
    ['string', '', null],
    // A label stays text: only the caller knows whether "1" is the class 1 or "1".
    ['label', '1', '1'],
    ['label', 'cat', 'cat'],
  ] as const)('%s from %j is %j', (type, text, value) => {
    expect(csvCell(text, col(type))).toBe(value);
  });

  it.each([
    ['number', 'abc', 'a number', '"abc"'],
    ['number', '0x10', 'a number', '"0x10"'],
    ['number', 'Infinity', 'a number', '"Infinity"'],
    ['number', '1e999', 'a finite number', '"1e999"'],
    ['bool', 'yes', 'true, false, 1 or 0', '"yes"'],
  ] as const)('refuses %s from %j', (type, text, expected, got) => {
    expect(csvCell(text, col(type))).toEqual(new CellMismatch(expected, got));
  });

  it('refuses an empty cell where the column is not nullable', () => {
    expect(csvCell('', col('string', false))).toEqual(
      new CellMismatch('text (not empty)', 'an empty cell'),
    );
  });

  it('shortens a long cell in the message', () => {
    const got = (csvCell('x'.repeat(10_000), col('number')) as CellMismatch).got;
    expect(got.length).toBeLessThan(50);
  });
});

describe('JSON and Parquet cells', () => {
  it('checks JSON values without converting them', () => {
    expect(jsonCell(2, col('number'))).toBe(2);
    expect(jsonCell('2', col('number'))).toEqual(new CellMismatch('a number', 'text "2"'));
    expect(jsonCell(true, col('label'))).toBe(true);
    expect(jsonCell(null, col('bool'))).toBeNull();
    expect(jsonCell({ a: 1 }, col('label'))).toEqual(
      new CellMismatch('a number, text or true/false', 'an object'),
    );
    expect(jsonCell([1], col('string'))).toEqual(new CellMismatch('text', 'a list'));
  });

  it('turns a BigInt into a number only when a number holds it exactly', () => {
    expect(parquetCell(2n ** 53n - 1n, col('number'))).toBe(2 ** 53 - 1);
    expect(parquetCell(-7n, col('label'))).toBe(-7);
    const big = parquetCell(2n ** 60n, col('number'));
    expect(big).toBeInstanceOf(CellMismatch);
    expect((big as CellMismatch).got).toBe(`the integer ${2n ** 60n}`);
    expect(parquetCell(1n, col('string'))).toEqual(new CellMismatch('text', 'the integer 1'));
    expect(parquetCell(new Date(0), col('string'))).toEqual(
      new CellMismatch('text', 'a date/time'),
    );
    expect(parquetCell(Number.NaN, col('number'))).toEqual(
      new CellMismatch('a finite number', 'NaN'),
    );
  });
});

describe('matching the spec to a header', () => {
  const spec: ColumnSpec[] = [
    { name: 'id', type: 'string', required: true },
    { name: 'actual', type: 'label', required: true },
    { name: 'weight', type: 'number', required: false },
  ];

  it('finds the columns in any order, ignores the others and notes the absent', () => {
    const plan = planColumns(spec, ['extra', 'actual', 'id']);
    expect(plan.found.map((f) => [f.column.name, f.index])).toEqual([
      ['actual', 1],
      ['id', 2],
    ]);
    expect(plan.extra).toEqual(['extra']);
    expect(plan.absent.map((c) => c.name)).toEqual(['weight']);
  });

  it('names a missing required column and the columns the file has', () => {
    const err = thrown(() => planColumns(spec, ['id', 'label']));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toMatchObject({
      code: 'missing_column',
      field: 'actual',
      message: 'the table has no column "actual" (required); its columns: "id", "label"',
    });
  });

  it('refuses a wanted column twice', () => {
    expect(() => planColumns(spec, ['id', 'actual', 'id'])).toThrow(/two columns named "id"/);
  });
});
