import { describe, expect, it } from 'vitest';
import { failure } from '../../test/support/failure.js';
import type { Signature } from '../protocol/signature.js';
import { compileValidator } from './validate-records.js';

const iris: Signature = { inputs: [{ name: 'input', type: 'float32', shape: [4] }], outputs: [] };
const mixed: Signature = {
  inputs: [
    { name: 'age', type: 'float32', shape: [1] },
    { name: 'city', type: 'string', shape: [1], values: ['paris', 'lyon'] },
    { name: 'n', type: 'int8', shape: [] },
    { name: 'flag', type: 'bool', shape: [], required: false, default: false },
    { name: 'image', type: 'uint8', shape: [2, null], required: false },
  ],
  outputs: [],
};

describe('compileValidator', () => {
  const vIris = compileValidator(iris);
  const vMixed = compileValidator(mixed);

  it('passes valid records through untouched', () => {
    const recs = [{ input: [1, 2, 3, 4] }];
    expect(vIris(recs)[0]).toBe(recs[0]);
  });

  it('fills defaults of optional fields and leaves the rest out', () => {
    const [r] = vMixed([{ age: 30, city: 'paris', n: 1 }]);
    expect(r).toEqual({ age: 30, city: 'paris', n: 1, flag: false });
  });

  it('accepts a scalar or a one-element array for a per-record shape [1]', () => {
    expect(() => vMixed([{ age: 30, city: ['lyon'], n: 1 }])).not.toThrow();
    expect(() => vMixed([{ age: [30], city: 'lyon', n: 1 }])).not.toThrow();
  });

  it('accepts null as a missing float and free dimensions of any size', () => {
    expect(() => vIris([{ input: [1, null, 3, 4] }])).not.toThrow();
    expect(() =>
      vMixed([
        {
          age: 1,
          city: 'paris',
          n: 1,
          image: [
            [1, 2, 3],
            [4, 5, 6],
          ],
        },
      ]),
    ).not.toThrow();
  });

  it.each([
    [[{ input: [1, 2, 3] }], 'input', 'expected shape [4] (float32), got [3]'],
    [[{ input: [[1, 2, 3, 4]] }], 'input', 'expected shape [4]'],
    [[{ input: 5 }], 'input', 'expected shape [4]'],
    [[{ input: [1, 2, 'x', 4] }], 'input', 'expected float32'],
    [[{}], 'input', 'missing field input (float32, shape [4])'],
    [[{ input: [1, 2, 3, 4], extra: 1 }], 'extra', 'unknown field extra; expected input'],
    [[[1, 2, 3, 4]], undefined, 'expected a JSON object'],
    [[{ input: [1, 2, 3, 4] }, { input: [1] }], '[1].input', 'got [1]'],
  ])('refuses %j naming %s', (records, field, message) => {
    const err = failure(() => vIris(records));
    expect(err.status).toBe(400);
    expect(err.field).toBe(field);
    expect(err.message).toContain(message);
  });

  it.each([
    [{ age: '30', city: 'paris', n: 1 }, 'age', 'expected float32'],
    [{ age: 30, city: 'rome', n: 1 }, 'city', 'not one of the allowed values "paris", "lyon"'],
    [{ age: 30, city: 'paris', n: 1.5 }, 'n', 'expected int8 (an integer)'],
    [{ age: 30, city: 'paris', n: 300 }, 'n', 'out of range for int8'],
    [{ age: 30, city: 'paris', n: 1, flag: 'yes' }, 'flag', 'expected bool'],
    [{ age: 30, city: 'paris', n: 1, image: [[1, 2], [3]] }, 'image', 'expected shape [2, ?]'],
    [{ age: 30, city: 'paris', n: 1, image: [[1, 2]] }, 'image', 'expected shape [2, ?]'],
  ])('refuses %j naming %s', (record, field, message) => {
    const err = failure(() => vMixed([record]));
    expect(err.field).toBe(field);
    expect(err.message).toContain(message);
  });
});
