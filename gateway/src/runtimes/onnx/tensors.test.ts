import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { RaggedBatch, readOutput, stackInput, type OutputPlan } from './tensors.js';
import { inputPlan, outputPlan } from './testing/plans.js';

const input = inputPlan;
const output = outputPlan;
const read = (plan: OutputPlan, t: ort.Tensor, n: number) => {
  const predictions = Array.from({ length: n }, () => ({}) as Record<string, unknown>);
  readOutput(plan, t, predictions);
  return predictions.map((p) => p[plan.name]);
};

describe('stackInput', () => {
  it('stacks records into one [N, ...shape] tensor, in record order', () => {
    const t = stackInput(input('x', 'float32', [4]), [{ x: [1, 2, 3, 4] }, { x: [5, 6, 7, 8.5] }]);
    expect(t.type).toBe('float32');
    expect(t.dims).toEqual([2, 4]);
    expect(Array.from(t.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6, 7, 8.5]);
  });

  it('takes a bare value, [v] or [[v]] where a record holds one element', () => {
    const t = stackInput(input('age', 'float32', [1]), [
      { age: 30 },
      { age: [31] },
      { age: [[32]] },
    ]);
    expect(t.dims).toEqual([3, 1]);
    expect(Array.from(t.data as Float32Array)).toEqual([30, 31, 32]);
  });

  it('reads null as a missing value (NaN)', () => {
    const t = stackInput(input('x', 'float64', [2]), [{ x: [null, 1] }]);
    expect(Array.from(t.data as Float64Array)).toEqual([NaN, 1]);
  });

  it('lays nested arrays out row-major', () => {
    const t = stackInput(input('m', 'float32', [2, 3]), [
      {
        m: [
          [1, 2, 3],
          [4, 5, 6],
        ],
      },
      {
        m: [
          [7, 8, 9],
          [10, 11, 12],
        ],
      },
    ]);
    expect(t.dims).toEqual([2, 2, 3]);
    expect(Array.from(t.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('feeds int64 as BigInt, uint64, bool as bytes and strings as strings', () => {
    const i64 = stackInput(input('i', 'int64', []), [{ i: -3 }, { i: 2 ** 40 }]);
    expect(i64.data).toEqual(BigInt64Array.from([-3n, 2n ** 40n]));
    const u64 = stackInput(input('u', 'uint64', [2]), [{ u: [1, 2] }]);
    expect(u64.data).toEqual(BigUint64Array.from([1n, 2n]));
    const b = stackInput(input('b', 'bool', [2]), [{ b: [true, false] }, { b: [false, true] }]);
    expect(b.type).toBe('bool');
    expect(Array.from(b.data as Uint8Array)).toEqual([1, 0, 0, 1]);
    const s = stackInput(input('s', 'string', [1]), [{ s: 'paris' }, { s: ['lyon'] }]);
    expect(s.data).toEqual(['paris', 'lyon']);
    expect(s.dims).toEqual([2, 1]);
  });

  it('sizes free dimensions from the first record', () => {
    const t = stackInput(input('seq', 'int32', [null]), [{ seq: [1, 2, 3] }, { seq: [4, 5, 6] }]);
    expect(t.dims).toEqual([2, 3]);
    expect(Array.from(t.data as Int32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads an undeclared shape off the first record', () => {
    expect(stackInput(input('x', 'float32', undefined), [{ x: 1 }, { x: 2 }]).dims).toEqual([2]);
    expect(stackInput(input('x', 'float32', undefined), [{ x: [[1, 2]] }]).dims).toEqual([1, 1, 2]);
  });

  it('signals records that disagree on a free dimension', () => {
    const seq = input('seq', 'float32', [null]);
    expect(() => stackInput(seq, [{ seq: [1, 2] }, { seq: [1, 2, 3] }])).toThrow(RaggedBatch);
    // A first record of one element must not make the others one element too.
    expect(() => stackInput(seq, [{ seq: [1] }, { seq: [1, 2, 3] }])).toThrow(RaggedBatch);
    const grid = input('g', 'float32', [null, null]);
    expect(() =>
      stackInput(grid, [
        {
          g: [
            [1, 2, 3],
            [4, 5, 6],
          ],
        },
        {
          g: [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
        },
      ]),
    ).toThrow(RaggedBatch);
  });
});

describe('readOutput', () => {
  it('serves one element per record bare, int64 as numbers', () => {
    const t = new ort.Tensor('int64', BigInt64Array.from([2n, 0n, 1n]), [3]);
    expect(read(output('label', 'int64', 'scalar'), t, 3)).toEqual([2, 0, 1]);
    const v = new ort.Tensor('float32', Float32Array.from([1.5, -2]), [2, 1]);
    expect(read(output('variable', 'float32', 'scalar'), v, 2)).toEqual([1.5, -2]);
  });

  it('keys class scores by label, in column order', () => {
    const t = new ort.Tensor('float32', Float32Array.from([0.25, 0.75, 0.5, 0.5]), [2, 2]);
    expect(read(output('p', 'float32', 'declared', ['churn', 'stay']), t, 2)).toEqual([
      { churn: 0.25, stay: 0.75 },
      { churn: 0.5, stay: 0.5 },
    ]);
  });

  it('serves declared shapes as nested arrays, even of one element', () => {
    const t = new ort.Tensor(
      'float32',
      Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
      [2, 2, 3],
    );
    expect(read(output('m', 'float32', 'declared'), t, 2)).toEqual([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [
        [7, 8, 9],
        [10, 11, 12],
      ],
    ]);
    const one = new ort.Tensor('float32', Float32Array.from([1, 2]), [2, 1, 1]);
    expect(read(output('o', 'float32', 'declared'), one, 2)).toEqual([[[1]], [[2]]]);
  });

  it('serves bool as booleans and strings as strings', () => {
    const b = new ort.Tensor('bool', Uint8Array.from([1, 0]), [2]);
    expect(read(output('b', 'bool', 'scalar'), b, 2)).toEqual([true, false]);
    const s = new ort.Tensor('string', ['a', 'b', 'c', 'd'], [2, 2]);
    expect(read(output('s', 'string', 'declared'), s, 2)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('serves an undeclared shape as the tensor has it, one element bare', () => {
    const one = new ort.Tensor('float32', Float32Array.from([1, 2]), [2, 1]);
    expect(read(output('y', 'float32', 'undeclared'), one, 2)).toEqual([1, 2]);
    const two = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [2, 2]);
    expect(read(output('y', 'float32', 'undeclared'), two, 2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('refuses an output without the batch first, or with other columns than labels', () => {
    const t = new ort.Tensor('float32', Float32Array.from([1, 2, 3]), [3]);
    expect(() => read(output('y', 'float32', 'scalar'), t, 2)).toThrow(/batch dimension/);
    const p = new ort.Tensor('float32', Float32Array.from([1, 2, 3]), [1, 3]);
    expect(() => read(output('p', 'float32', 'declared', ['a', 'b']), p, 1)).toThrow(
      /class labels/,
    );
  });
});
