import { describe, expect, it } from 'vitest';
import { failure } from '../../test/support/failure.js';
import { expectLinearWork } from '../codecs/testing/array-work.js';
import type { FieldSpec, Signature } from '../protocol/signature.js';
import { compileValidator } from './validate-records.js';

// Values no route lets through any more (JSON bodies are refused past 128 levels), checked
// here because the validator must not depend on that: its shape checks walk with explicit
// stacks, so a deep value is a 400, never a RangeError; and its work is linear in the records.

type Spec = Omit<FieldSpec, 'name'>;
const validator = (spec: Spec, unknownFields: 'ignore' | 'reject' = 'reject') =>
  compileValidator({ inputs: [{ name: 'x', ...spec }], outputs: [] }, { unknownFields });

/** `[[[…[inner]…]]]`, `depth` arrays deep. */
function nested(depth: number, inner: unknown = 1): unknown {
  let v: unknown = inner;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('compileValidator: deep values', () => {
  it('describes a value nested 100,000 deep instead of overflowing the stack', () => {
    // The body: {"X": [[[[…]]]]} against a [4] input answered 500 (isRectangular).
    const err = failure(() => validator({ type: 'float32', shape: [4] })([{ x: nested(100_000) }]));
    expect(err.status).toBe(400);
    expect(err.field).toBe('x');
    expect(err.message).toBe('field x: expected shape [4], got an array nested 100000 levels deep');
    const ragged = failure(() =>
      validator({ type: 'float32', shape: [2] })([{ x: [nested(100_000), 1, 2] }]),
    );
    expect(ragged.message).toMatch(/got a ragged array$/);
  });

  it('walks a value of any nesting, where the field declares no shape, without recursing', () => {
    const v = validator({ type: 'float64' });
    expect(() => v([{ x: nested(100_000, 2.5) }])).not.toThrow();
    const err = failure(() => v([{ x: [1, [2, nested(100_000, 'three')]] }]));
    expect(err.message).toMatch(/^field x: element \[1\]\[1\](\[0\]){100000}: expected float64/);
  });

  it('walks a declared shape of any rank without recursing', () => {
    const rank = 100_000;
    const spec: Spec = { type: 'int32', shape: Array<null>(rank).fill(null) };
    expect(() => validator(spec)([{ x: nested(rank, 7) }])).not.toThrow();
    const err = failure(() => validator(spec)([{ x: nested(rank, 'seven') }]));
    expect(err.message).toMatch(/^field x: element (\[0\]){100000}: expected int32/);
    expect(failure(() => validator(spec)([{ x: nested(rank + 1, 7) }])).message).toMatch(
      /expected shape \[\?, \?, .*got an array nested 100001 levels deep$/,
    );
  });

  it('still names the element at fault, and a ragged value, at ordinary depths', () => {
    const v = validator({ type: 'uint8', shape: [2, null] });
    expect(
      failure(() =>
        v([
          {
            x: [
              [1, 2],
              [3, 300],
            ],
          },
        ]),
      ).message,
    ).toBe('field x: element [1][1]: 300 is out of range for uint8 [0, 255]');
    expect(failure(() => v([{ x: [[1, 2], [3]] }])).message).toBe(
      'field x: expected shape [2, ?], got a ragged array',
    );
    expect(failure(() => validator({ type: 'bool' })([{ x: [[true], [false, 1]] }])).message).toBe(
      'field x: element [1][1]: expected bool (true or false), got number',
    );
  });
});

describe('compileValidator: linear work', () => {
  const sum: Signature = {
    inputs: [
      { name: 'a', type: 'float64', shape: [] },
      { name: 'b', type: 'float64', shape: [], required: false, default: 0 },
    ],
    outputs: [],
  };
  const ignoring = compileValidator(sum, { unknownFields: 'ignore' });

  it('validates n records, filling defaults, in linear work', () => {
    expectLinearWork(
      (n) => Array.from({ length: n }, (_, i) => ({ a: i })),
      (records) => ignoring(records),
    );
  });

  it('drops n unknown fields of a record in linear work', () => {
    expectLinearWork(
      (n) => [Object.fromEntries([['a', 1], ...Array.from({ length: n }, (_, i) => [`c${i}`, i])])],
      (records) => ignoring(records),
    );
  });

  it('checks a value of n elements in linear work, declared or not', () => {
    const seq = validator({ type: 'float64', shape: [null] });
    const free = validator({ type: 'float64' });
    expectLinearWork(
      (n) => [{ x: Array.from({ length: n }, (_, i) => i) }],
      (records) => seq(records),
    );
    expectLinearWork(
      (n) => [{ x: Array.from({ length: n }, (_, i) => [i, [i]]) }],
      (records) => free(records),
    );
  });
});
