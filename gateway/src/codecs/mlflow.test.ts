import { describe, expect, it } from 'vitest';
import { failure } from '../../test/support/failure.js';
import type { Signature } from '../protocol/signature.js';
import { irisClassifier } from './testing/signatures.js';
import { decodeMlflowRequest, encodeMlflowResponse } from './mlflow.js';

const iris = irisClassifier;
const mixed: Signature = {
  inputs: [
    { name: 'age', type: 'float32', shape: [1] },
    { name: 'city', type: 'string', shape: [1] },
  ],
  outputs: [{ name: 'variable', type: 'float32', shape: [] }],
};
const people = [
  { age: 31, city: 'paris' },
  { age: 45, city: 'lyon' },
];

const decode = (body: unknown, sig: Signature = mixed, max = 10) =>
  decodeMlflowRequest(body, sig, max);
const refusal = (body: unknown, sig: Signature = mixed, max = 10) =>
  failure(() => decodeMlflowRequest(body, sig, max));

describe('decodeMlflowRequest: the four formats', () => {
  it('dataframe_split: one record per row, keyed by the columns; index ignored', () => {
    expect(
      decode({
        dataframe_split: {
          index: [7, 8],
          columns: ['age', 'city'],
          data: [
            [31, 'paris'],
            [45, 'lyon'],
          ],
        },
      }),
    ).toEqual(people);
  });

  it('dataframe_records: the records as they are', () => {
    const records = [...people];
    expect(decode({ dataframe_records: records })).toBe(records);
  });

  it('instances: record objects, or bare values of the only input', () => {
    const records = [...people];
    expect(decode({ instances: records })).toBe(records);
    expect(decode({ instances: [[1, 2, 3, 4], { input: [5, 6, 7, 8] }] }, iris)).toEqual([
      { input: [1, 2, 3, 4] },
      { input: [5, 6, 7, 8] },
    ]);
  });

  it('inputs: an object of columns, or a list like instances', () => {
    expect(decode({ inputs: { age: [31, 45], city: ['paris', 'lyon'] } })).toEqual(people);
    expect(decode({ inputs: { input: [[1, 2, 3, 4]] } }, iris)).toEqual([{ input: [1, 2, 3, 4] }]);
    expect(decode({ inputs: [[1, 2, 3, 4]] }, iris)).toEqual([{ input: [1, 2, 3, 4] }]);
    expect(decode({ inputs: people })).toEqual(people);
  });

  it('accepts an empty params beside the data', () => {
    expect(decode({ instances: people, params: {} })).toEqual(people);
    expect(decode({ instances: people, params: null })).toEqual(people);
  });

  it('keeps a __proto__ column as an own field', () => {
    const [rec] = decode({ dataframe_split: { columns: ['__proto__'], data: [[{ a: 1 }]] } }) as [
      Record<string, unknown>,
    ];
    expect(Object.getPrototypeOf(rec)).toBe(Object.prototype);
    expect(Object.keys(rec)).toEqual(['__proto__']);
  });
});

describe('decodeMlflowRequest: refusals', () => {
  it('asks for exactly one of the accepted keys', () => {
    const accepted = 'dataframe_split, dataframe_records, instances, inputs';
    expect(refusal([people]).message).toBe(
      `expected a JSON object with exactly one of ${accepted}`,
    );
    expect(refusal({}).message).toBe(`expected exactly one of ${accepted}; got none of them`);
    const two = refusal({ instances: people, inputs: people });
    expect(two.message).toBe(`expected exactly one of ${accepted}; got both instances and inputs`);
    expect(two.field).toBe('inputs');
    const unknown = refusal({ instances: people, rows: [] });
    expect(unknown.message).toBe(`unknown key rows; expected exactly one of ${accepted}`);
    expect(unknown.field).toBe('rows');
  });

  it('refuses inference parameters', () => {
    const err = refusal({ instances: people, params: { temperature: 0.5 } });
    expect(err.field).toBe('params');
    expect(err.message).toContain('takes no inference parameters');
  });

  it.each([
    [{ dataframe_split: [] }, 'dataframe_split', 'expected {"columns": [...], "data": [[...]]}'],
    [{ dataframe_split: { data: [[1]] } }, 'dataframe_split.columns', 'array of column'],
    [{ dataframe_split: { columns: [1], data: [[1]] } }, 'dataframe_split.columns', 'names'],
    [
      { dataframe_split: { columns: ['age', 'age'], data: [[1, 2]] } },
      'dataframe_split.columns',
      'column age appears twice',
    ],
    [{ dataframe_split: { columns: ['age'], data: {} } }, 'dataframe_split.data', 'rows'],
    [
      { dataframe_split: { columns: ['age'], data: [] } },
      'dataframe_split.data',
      'expected at least one record',
    ],
    [
      { dataframe_split: { columns: ['age', 'city'], data: [[1, 'x'], [2]] } },
      'dataframe_split.data[1]',
      'expected a row of 2 values (one per column), got 1',
    ],
    [
      { dataframe_split: { columns: ['age'], data: [null] } },
      'dataframe_split.data[0]',
      'got null',
    ],
    [{ dataframe_records: {} }, 'dataframe_records', 'expected an array of record objects'],
    [{ dataframe_records: [] }, 'dataframe_records', 'expected at least one record'],
    [{ dataframe_records: [{}, 3] }, 'dataframe_records[1]', 'expected a record object'],
    [{ instances: {} }, 'instances', 'expected an array of instances'],
    [{ instances: [] }, 'instances', 'expected at least one record'],
    [{ instances: [{}, 31] }, 'instances[1]', 'the model has 2 inputs'],
    [{ inputs: 3 }, 'inputs', 'an object of columns'],
    [{ inputs: {} }, 'inputs', 'expected at least one column'],
    [{ inputs: { age: 31 } }, 'inputs.age', 'expected an array of values'],
    [
      { inputs: { age: [1, 2], city: ['x'] } },
      'inputs.city',
      'has 1 values, the other columns have 2',
    ],
    [{ inputs: { age: [] } }, 'inputs', 'expected at least one record'],
  ])('refuses %j naming %s', (body, field, message) => {
    const err = refusal(body);
    expect(err.status).toBe(400);
    expect(err.field).toBe(field);
    expect(err.message).toContain(message);
  });

  it.each([
    { dataframe_split: { columns: ['age'], data: [[1], [2], [3]] } },
    { dataframe_records: [{}, {}, {}] },
    { instances: [{}, {}, {}] },
    { inputs: { age: [1, 2, 3] } },
  ])('refuses more records than the limit with 413: %j', (body) => {
    expect(refusal(body, mixed, 2).status).toBe(413);
  });
});

describe('encodeMlflowResponse', () => {
  it('answers predictions, unwrapping a single output, with the ids', () => {
    expect(
      encodeMlflowResponse({
        ids: ['x:0', 'x:1'],
        predictions: [{ variable: 4 }, { variable: 5 }],
        signature: mixed,
      }),
    ).toEqual({ predictions: [4, 5], ids: ['x:0', 'x:1'] });
    const p = { output_label: 1, output_probability: { 0: 0.1, 1: 0.8, 2: 0.1 } };
    expect(encodeMlflowResponse({ ids: ['y'], predictions: [p], signature: iris })).toEqual({
      predictions: [p],
      ids: ['y'],
    });
  });
});
