import { describe, expect, it } from 'vitest';
import {
  csvHeaderColumns,
  defaultOutputFormat,
  headerColumns,
  jsonlFirstKeys,
  scoreInputFormatOf,
  scoreOutputPaths,
} from './score-files.js';

describe('which files Score with… offers', () => {
  it('CSV, JSON lines (.jsonl, .ndjson) and Parquet, by extension, any case', () => {
    expect(scoreInputFormatOf('data/customers.csv')).toBe('csv');
    expect(scoreInputFormatOf('CUSTOMERS.CSV')).toBe('csv');
    expect(scoreInputFormatOf('a.jsonl')).toBe('jsonl');
    expect(scoreInputFormatOf('a.ndjson')).toBe('jsonl');
    expect(scoreInputFormatOf('a.parquet')).toBe('parquet');
    for (const other of ['a.json', 'a.csv.gz', 'a.ipynb', 'csv', 'a.parquet.bak'])
      expect(scoreInputFormatOf(other), other).toBeNull();
  });

  it('writes CSV for CSV input, JSON lines otherwise, unless asked', () => {
    expect(defaultOutputFormat('csv')).toBe('csv');
    expect(defaultOutputFormat('jsonl')).toBe('jsonl');
    expect(defaultOutputFormat('parquet')).toBe('jsonl');
  });
});

describe('the names of the files written next to the input', () => {
  it('customers.csv → customers.predictions.csv, its errors beside it', () => {
    expect(scoreOutputPaths('data/customers.csv', 'csv', new Set(['customers.csv']))).toEqual({
      output: 'data/customers.predictions.csv',
      errors: 'data/customers.predictions.errors.jsonl',
    });
  });

  it('follows the output format, and works at the root and for dotted names', () => {
    expect(scoreOutputPaths('events.v2.parquet', 'jsonl', new Set())).toEqual({
      output: 'events.v2.predictions.jsonl',
      errors: 'events.v2.predictions.errors.jsonl',
    });
  });

  it('never overwrites: a number is added to both files until both are free', () => {
    const taken = new Set(['customers.predictions.csv', 'customers.predictions-2.errors.jsonl']);
    expect(scoreOutputPaths('a/b/customers.csv', 'csv', taken)).toEqual({
      output: 'a/b/customers.predictions-3.csv',
      errors: 'a/b/customers.predictions-3.errors.jsonl',
    });
  });
});

describe('the columns offered to pass through', () => {
  it('reads a CSV header, quotes and a byte-order mark understood', () => {
    expect(csvHeaderColumns('\uFEFFid,"last, first","say ""hi""",X\r\n1,2,3,4\n')).toEqual([
      'id',
      'last, first',
      'say "hi"',
      'X',
    ]);
  });

  it('a quoted header spanning lines is one column', () => {
    expect(csvHeaderColumns('"a\nb",c\n1,2\n')).toEqual(['a\nb', 'c']);
  });

  it('a header cut off by the bytes read is unknown (a text field instead) unless the file is whole', () => {
    expect(csvHeaderColumns('id,na')).toBeNull();
    expect(csvHeaderColumns('id,name', true)).toEqual(['id', 'name']);
    expect(csvHeaderColumns('"id,na', true)).toBeNull();
    expect(csvHeaderColumns('\n1,2\n')).toBeNull();
  });

  it('reads the keys of the first JSON line', () => {
    expect(jsonlFirstKeys('{"id": 1, "X": [1,2]}\n{"id": 2}\n')).toEqual(['id', 'X']);
    expect(jsonlFirstKeys('{"id": 1}', true)).toEqual(['id']);
    expect(jsonlFirstKeys('{"id": 1, "X": [1,')).toBeNull();
    expect(jsonlFirstKeys('[1,2]\n')).toBeNull();
    expect(jsonlFirstKeys('not json\n')).toBeNull();
  });

  it('Parquet’s columns are not read in the browser', () => {
    expect(headerColumns('PAR1…', 'parquet', true)).toBeNull();
    expect(headerColumns('a,b\n', 'csv')).toEqual(['a', 'b']);
    expect(headerColumns('{"a":1}\n', 'jsonl')).toEqual(['a']);
  });
});
