import { describe, expect, it } from 'vitest';
import { failure } from '../../test/support/failure.js';
import type { FieldSpec, Signature } from '../protocol/signature.js';
import { decodeMlflowRequest } from './mlflow.js';
import { decodeOipRequest, MAX_TENSOR_RANK } from './oip-v2.js';
import { decodeRecordsBody } from './records.js';
import { expectLinearWork } from './testing/array-work.js';

// Every decoder's work grows linearly with its body, whatever the body's shape: counted (see
// arrayWork), never timed. Each case is a shape that a quadratic decoder once choked on, or
// could have: many columns, many tensors, many requested outputs, long shapes, empty tensors.

const sum: Signature = {
  inputs: [
    { name: 'a', type: 'float64', shape: [] },
    { name: 'b', type: 'float64', shape: [] },
  ],
  outputs: [{ name: 'sum', type: 'float64', shape: [] }],
};
const MAX_BATCH = 100_000;
const names = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);

describe('records API bodies', () => {
  it('decodes n records, or one record of n fields, in linear work', () => {
    expectLinearWork(
      (n) => Array.from({ length: n }, () => ({ a: 1, b: 2 })),
      (body) => decodeRecordsBody(body, MAX_BATCH),
    );
    expectLinearWork(
      (n) => Object.fromEntries(names(n).map((c) => [c, 1])),
      (body) => decodeRecordsBody(body, MAX_BATCH),
    );
  });
});

describe('MLflow bodies', () => {
  const decode = (body: unknown) => decodeMlflowRequest(body, sum, MAX_BATCH);

  it('checks n columns for duplicates in linear work (it was quadratic: 52 s for 200,000)', () => {
    const split = (n: number) => ({
      dataframe_split: { columns: names(n), data: [names(n).map(() => 1)] },
    });
    expectLinearWork(split, decode);
    // The same with the duplicate last, where a scan per column would find it last.
    expectLinearWork((n) => {
      const body = split(n);
      body.dataframe_split.columns.push('c0');
      body.dataframe_split.data[0]!.push(1);
      return body;
    }, decode);
    const err = failure(() =>
      decode({ dataframe_split: { columns: ['a', 'b', 'a'], data: [[1, 2, 3]] } }),
    );
    expect(err.message).toMatch(/column a appears twice/);
  });

  it('decodes every other format in linear work, in records or in columns', () => {
    expectLinearWork(
      (n) => ({ inputs: Object.fromEntries(names(n).map((c) => [c, [1]])) }),
      decode,
    );
    expectLinearWork(
      (n) => ({ dataframe_records: Array.from({ length: n }, () => ({ a: 1, b: 2 })) }),
      decode,
    );
    const one: Signature = { ...sum, inputs: [sum.inputs[0]!] };
    expectLinearWork(
      (n) => ({ instances: Array.from({ length: n }, (_, i) => i) }),
      (body) => decodeMlflowRequest(body, one, MAX_BATCH),
    );
  });
});

describe('Open Inference Protocol bodies', () => {
  const tensor = (name: string, shape: number[], data: unknown[]) => ({
    name,
    shape,
    datatype: 'FP64',
    data,
  });
  const decode = (body: unknown, signature: Signature = sum) =>
    decodeOipRequest(body, signature, MAX_BATCH);

  it('checks n tensors for repeated names in linear work', () => {
    expectLinearWork(
      (n) => ({ inputs: names(n).map((c) => tensor(c, [1], [1])) }),
      (body) => decode(body),
    );
    expect(
      failure(() => decode({ inputs: [tensor('a', [1], [1]), tensor('a', [1], [2])] })).message,
    ).toMatch(/given twice/);
  });

  it('checks n requested outputs in linear work, against a signature of n outputs', () => {
    const wide = (n: number): Signature => ({
      inputs: sum.inputs,
      outputs: names(n).map((name): FieldSpec => ({ name, type: 'float64', shape: [] })),
    });
    expectLinearWork(
      (n) => ({
        signature: wide(n),
        body: {
          inputs: [tensor('a', [1], [1]), tensor('b', [1], [2])],
          outputs: names(n).map((name) => ({ name })),
        },
      }),
      ({ signature, body }) => decode(body, signature),
    );
  });

  it('splits a tensor of n elements into rows in linear work, flat or nested', () => {
    const seq: Signature = {
      inputs: [{ name: 's', type: 'float64', shape: [null] }],
      outputs: [],
    };
    expectLinearWork(
      (n) => ({
        inputs: [
          tensor(
            's',
            [1, n],
            names(n).map(() => 1),
          ),
        ],
      }),
      (body) => decode(body, seq),
    );
    expectLinearWork(
      (n) => ({
        inputs: [
          tensor(
            's',
            [n, 1],
            names(n).map(() => [1]),
          ),
        ],
      }),
      (body) => decode(body, seq),
    );
  });

  it(`refuses a shape of more than ${MAX_TENSOR_RANK} dimensions, naming the input`, () => {
    // [1, 1, 1, …]: one element, split into rows by a walk as deep as the shape is long.
    const shape = [1, ...Array<number>(100_000).fill(1)];
    const err = failure(() => decode({ inputs: [tensor('t', shape, [1])] }));
    expect(err.status).toBe(400);
    expect(err.field).toBe('t');
    expect(err.message).toMatch(/100001 dimensions, more than the limit of 64/);
    const ok = [1, ...Array<number>(MAX_TENSOR_RANK - 1).fill(1)];
    const wide: Signature = {
      inputs: [{ name: 't', type: 'float64', shape: ok.slice(1) }],
      outputs: [],
    };
    expect(decode({ inputs: [tensor('t', ok, [7])] }, wide).records).toHaveLength(1);
  });

  it('refuses tensors whose rows would be built out of nothing', () => {
    // A tensor the model does not take, of no elements: N fields for a few bytes.
    const empty = failure(() =>
      decode({
        inputs: [tensor('a', [1000, 1], []), tensor('b', [1000], []), tensor('x', [1000, 0], [])],
      }),
    );
    expect(empty.field).toBe('a');
    const unknownEmpty = failure(() =>
      decode({
        inputs: [tensor('a', [2], [1, 2]), tensor('b', [2], [3, 4]), tensor('x', [2, 0], [])],
      }),
    );
    expect(unknownEmpty.status).toBe(400);
    expect(unknownEmpty.field).toBe('x');
    expect(unknownEmpty.message).toMatch(/holds no elements/);
    // A shape that nests nothing into millions of empty arrays.
    const any: Signature = { inputs: [{ name: 'm', type: 'float64' }], outputs: [] };
    const hollow = failure(() => decode({ inputs: [tensor('m', [1000, 1000, 1000, 0], [])] }, any));
    expect(hollow.status).toBe(400);
    expect(hollow.message).toMatch(/more arrays than a tensor of them needs/);
    // An empty sequence for an input that takes one is still fine.
    const seq: Signature = { inputs: [{ name: 's', type: 'float64', shape: [null] }], outputs: [] };
    expect(decode({ inputs: [tensor('s', [2, 0], [])] }, seq).records).toEqual([
      { s: [] },
      { s: [] },
    ]);
  });
});
