import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.js';
import { fromWirePacked, pack, tensorPlanOf, toWirePacked, unpack } from './packed-tensors.js';
import { inputPlan, outputPlan } from './testing/plans.js';

const input = (tensorType: string) => inputPlan('x', tensorType, [2]);
const output = (tensorType: string) => outputPlan('y', tensorType, 'scalar');

describe('packed tensors', () => {
  it('cross a JSON line as base64 and come back as the same typed arrays', () => {
    const tensors = {
      f: pack({ type: 'float32', dims: [2, 2], data: new Float32Array([1.5, -2, NaN, 3e-8]) }),
      i: pack({ type: 'int64', dims: [2], data: new BigInt64Array([-3n, 2n ** 60n]) }),
      b: pack({ type: 'bool', dims: [3], data: new Uint8Array([1, 0, 1]) }),
    };
    const back = fromWirePacked(JSON.parse(JSON.stringify(toWirePacked(tensors))));
    expect(unpack(back.f!, 'f').data).toEqual(new Float32Array([1.5, -2, NaN, 3e-8]));
    expect(unpack(back.i!, 'i').data).toEqual(new BigInt64Array([-3n, 2n ** 60n]));
    expect(unpack(back.b!, 'b').data).toEqual(new Uint8Array([1, 0, 1]));
    expect(back.f!.dims).toEqual([2, 2]);
    // Each has a buffer of its own, which a thread may be given.
    expect(back.f!.bytes.byteLength).toBe(back.f!.bytes.buffer.byteLength);
  });

  it('carry a string tensor as codes into a table of its values, null as missing, over a JSON line too', () => {
    const t = pack({ type: 'string', dims: [5], data: ['a', null, 'b', 'a', undefined] });
    expect(t.table).toEqual(['a', 'b']);
    expect(Array.from(new Int32Array(t.bytes.buffer))).toEqual([0, -1, 1, 0, -1]);
    const back = fromWirePacked(JSON.parse(JSON.stringify(toWirePacked({ t }))));
    expect(unpack(back.t!, 't').data).toEqual(['a', null, 'b', 'a', null]);
    // Booleans and numbers keep their type in the table.
    const mixed = pack({ type: 'string', dims: [3], data: [true, 2, '2'] });
    expect(unpack(mixed, 'm').data).toEqual([true, 2, '2']);
    expect(() =>
      unpack({ ...t, bytes: new Uint8Array(new Int32Array([0, 2]).buffer), dims: [2] }, 't'),
    ).toThrow(/code 2 is not in the tensor's table/);
    expect(() => unpack({ ...t, dims: [4] }, 't')).toThrow(InvalidInputError);
  });

  it('reads bytes that do not start where the array may, and refuses bytes that do not fit the dims', () => {
    const bytes = new Uint8Array(13);
    bytes.set(new Uint8Array(new Float64Array([2.5]).buffer), 1);
    expect(unpack({ type: 'float64', dims: [1], bytes: bytes.subarray(1, 9) }, 'x').data).toEqual(
      new Float64Array([2.5]),
    );
    expect(() => unpack({ type: 'float32', dims: [3], bytes: new Uint8Array(8) }, 'x')).toThrow(
      InvalidInputError,
    );
    expect(() => unpack({ type: 'string', dims: [1], bytes: new Uint8Array(8) }, 'x')).toThrow(
      /does not travel as bytes/,
    );
  });

  it('plans only models whose tensors all travel as bytes and whose batch is free', () => {
    const plan = tensorPlanOf({
      inputs: [input('float32')],
      outputs: [output('int64')],
      fixedBatch: undefined,
    });
    expect(plan).toEqual({
      inputs: [{ name: 'x', tensorType: 'float32', dims: [2], width: 2 }],
      outputs: [{ name: 'y', tensorType: 'int64', shape: 'scalar' }],
    });
    // It crosses threads as it is.
    expect(structuredClone(plan)).toEqual(plan);
    expect(
      tensorPlanOf({
        inputs: [input('string')],
        outputs: [output('float32')],
        fixedBatch: undefined,
      }),
    ).toBeUndefined();
    expect(
      tensorPlanOf({
        inputs: [input('float32')],
        outputs: [output('string')],
        fixedBatch: undefined,
      }),
    ).toBeUndefined();
    expect(
      tensorPlanOf({ inputs: [input('float32')], outputs: [output('float32')], fixedBatch: 1 }),
    ).toBeUndefined();
    // A free dimension: records may disagree on it (the runtime runs those one by one).
    expect(
      tensorPlanOf({
        inputs: [inputPlan('x', 'float32', [null])],
        outputs: [output('float32')],
        fixedBatch: undefined,
      }),
    ).toBeUndefined();
  });
});
