import { describe, expect, it } from 'vitest';
import type { Signature } from '../protocol/signature.js';
import { jobColumns, recordMaker } from './job-rows.js';

const signature: Signature = {
  inputs: [
    { name: 'age', type: 'float32', shape: [] },
    { name: 'count', type: 'int64', shape: [] },
    { name: 'vip', type: 'bool', shape: [] },
    { name: 'city', type: 'string', shape: [] },
    { name: 'X', type: 'float32', shape: [4] },
    { name: 'note', type: 'string', shape: [], required: false },
    { name: 'n', type: 'int32', shape: [], default: 3 },
  ],
  outputs: [],
};

describe('the rows a job reads', () => {
  it('need the inputs without a default, and the pass-through columns', () => {
    expect(jobColumns(signature, ['id', 'age']).map((c) => [c.name, c.type, c.required])).toEqual([
      ['age', 'any', true],
      ['count', 'any', true],
      ['vip', 'any', true],
      ['city', 'any', true],
      ['X', 'any', true],
      ['note', 'any', false],
      ['n', 'any', false],
      ['id', 'any', true],
    ]);
  });

  it("read CSV text as each field's type, and leave what does not read for validation to refuse", () => {
    const record = recordMaker(signature, 'csv');
    expect(
      record({
        id: 'c1',
        age: ' 41.5 ',
        count: '7',
        vip: 'TRUE',
        city: '007',
        X: '[1, 2, 3, 4]',
        note: null,
        n: null,
      }),
    ).toEqual({ age: 41.5, count: 7, vip: true, city: '007', X: [1, 2, 3, 4] });
    expect(
      record({ age: 'old', count: '1e3', vip: 'maybe', city: 'x', X: '[1,', note: 'hi', n: '4' }),
    ).toEqual({
      age: 'old',
      count: 1000,
      vip: 'maybe',
      city: 'x',
      X: '[1,',
      note: 'hi',
      n: 4,
    });
    // A required field's empty cell stays null (a float takes it as missing; others refuse it).
    expect(record({ age: null, count: null, vip: null, city: null, X: null })).toEqual({
      age: null,
      count: null,
      vip: null,
      city: null,
      X: null,
    });
  });

  it('read a cell holding a list as a list where a field takes a list or one value', () => {
    const record = recordMaker(
      {
        inputs: [
          { name: 'basket', type: 'string', shape: [null] },
          { name: 'v', type: 'float64', shape: [1] },
        ],
        outputs: [],
      },
      'csv',
    );
    expect(record({ basket: ' ["bread","milk"]', v: '[2.5]' })).toEqual({
      basket: ['bread', 'milk'],
      v: [2.5],
    });
    // One value stays one value (read as the field's type); a list that does not parse stays text.
    expect(record({ basket: 'bread', v: '2.5' })).toEqual({ basket: 'bread', v: 2.5 });
    expect(record({ basket: '[bread', v: '[2.5' })).toEqual({ basket: '[bread', v: '[2.5' });
  });

  it('keep JSON and Parquet values as they are: "3" is not a number there', () => {
    const record = recordMaker(signature, 'jsonl');
    expect(record({ age: '3', count: 2, vip: false, city: 'x', X: [1, 2, 3, 4] })).toEqual({
      age: '3',
      count: 2,
      vip: false,
      city: 'x',
      X: [1, 2, 3, 4],
    });
  });
});
