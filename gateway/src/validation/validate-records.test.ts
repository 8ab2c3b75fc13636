import { describe, expect, it } from 'vitest';
import { failure } from '../../test/support/failure.js';
import type { FieldSpec, Signature } from '../protocol/signature.js';
import { compileValidator, describeField, takesScalar } from './validate-records.js';

/** A validator that refuses unknown fields, answering the records alone. */
const strict = (sig: Signature) => {
  const v = compileValidator(sig, { unknownFields: 'reject' });
  return (records: unknown[], path?: string) => v(records, path).records;
};

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
const person = { age: 30, city: 'paris', n: 1 };

type Spec = Omit<FieldSpec, 'name'>;

/** A validator for one field called `x`. */
const one = (spec: Spec) => strict({ inputs: [{ name: 'x', ...spec }], outputs: [] });
const ok = (spec: Spec, x: unknown) => expect(() => one(spec)([{ x }])).not.toThrow();
const refused = (spec: Spec, x: unknown) => {
  const err = failure(() => one(spec)([{ x }]));
  expect(err.status).toBe(400);
  expect(err.field).toBe('x');
  return err.message;
};

describe('compileValidator: records', () => {
  const vIris = strict(iris);
  const vMixed = strict(mixed);

  it('returns valid records, and the array holding them, untouched', () => {
    const recs = [{ input: [1, 2, 3, 4] }, { input: [5, 6, 7, 8] }];
    const out = vIris(recs);
    expect(out).toBe(recs);
  });

  it('fills defaults of optional fields, copying only the records that need it', () => {
    const given = { ...person, flag: true };
    const missing = { ...person };
    const recs = [given, missing];
    const out = vMixed(recs);
    expect(out).not.toBe(recs);
    expect(out[0]).toBe(given);
    expect(out[1]).toEqual({ ...person, flag: false });
    expect(missing).not.toHaveProperty('flag');
    // An optional field without a default stays out.
    expect(out[1]).not.toHaveProperty('image');
  });

  it('reads null in an optional field as left out: the default, else null kept as missing', () => {
    const [withDefault] = vMixed([{ ...person, flag: null }]);
    expect(withDefault!.flag).toBe(false);
    const rec = { ...person, flag: true, image: null };
    expect(vMixed([rec])[0]).toBe(rec);
  });

  it('takes null for a nullable field of any type, categories too; refuses it otherwise', () => {
    ok({ type: 'string', shape: [], nullable: true }, null);
    ok({ type: 'string', shape: [], values: ['a', 'b'], nullable: true }, null);
    ok({ type: 'int32', shape: [], nullable: true }, null);
    expect(refused({ type: 'string', shape: [], values: ['a'], nullable: true }, 'c')).toContain(
      'not one of the allowed values',
    );
    expect(refused({ type: 'string', shape: [] }, null)).toBe('field x: expected string, got null');
    expect(refused({ type: 'string', shape: [], values: ['a'] }, null)).toContain('got null');
  });

  it('refuses a record that is not a JSON object, naming its index in a batch', () => {
    const single = failure(() => vIris([[1, 2, 3, 4]]));
    expect(single.message).toBe('expected a JSON object mapping input names to values, got array');
    expect(single.field).toBeUndefined();
    const batch = failure(() => vIris([{ input: [1, 2, 3, 4] }, null]));
    expect(batch.field).toBe('[1]');
    expect(batch.message).toContain('got null');
  });

  it('refuses an unknown field, listing the expected ones', () => {
    const err = failure(() => vMixed([{ ...person, town: 'x' }]));
    expect(err.field).toBe('town');
    expect(err.message).toBe('unknown field town; expected one of age, city, n, flag, image');
    const none = strict({ inputs: [], outputs: [] });
    expect(failure(() => none([{ a: 1 }])).message).toBe('unknown field a; expected no fields');
    expect(none([{}])).toEqual([{}]);
  });

  it('by default drops fields the signature does not name, and says which', () => {
    const v = compileValidator(mixed, { unknownFields: 'ignore' });
    const plain = { ...person, flag: true };
    const extra = { id: 7, ...person, label: 'yes' };
    const out = v([plain, extra, { ...person, id: 8 }]);
    expect(out.ignored).toEqual(['id', 'label']);
    expect(out.records[0]).toBe(plain);
    expect(out.records[1]).toEqual({ ...person, flag: false });
    expect(out.records[2]).not.toHaveProperty('id');
    // The caller's record is not changed.
    expect(extra).toHaveProperty('label', 'yes');
    // Nothing ignored: the same frozen empty list, and the records untouched.
    const clean = [{ ...person, flag: true }];
    const none = v(clean);
    expect(none.ignored).toEqual([]);
    expect(none.records).toBe(clean);
    // A misspelt required field is still missing.
    expect(failure(() => v([{ age: 1, city: 'paris', nn: 1 }])).message).toBe(
      'missing field n (int8)',
    );
    // Dropping never lets __proto__ through as a prototype.
    const [r] = v([JSON.parse('{"age":1,"city":"lyon","n":2,"__proto__":{"polluted":1}}')]).records;
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(r).not.toHaveProperty('polluted');
  });

  it('refuses a missing required field, naming its type and shape', () => {
    const err = failure(() => vIris([{}]));
    expect(err.field).toBe('input');
    expect(err.message).toBe('missing field input (float32, shape [4])');
    expect(failure(() => vMixed([{ age: 1, city: 'paris' }])).message).toBe(
      'missing field n (int8)',
    );
  });

  it('names fields by index in a batch and under the path prefix the caller gives', () => {
    const batch = [{ input: [1, 2, 3, 4] }, { input: [1, 2, 3, 4] }, { input: [1] }];
    expect(failure(() => vIris(batch)).field).toBe('[2].input');
    expect(failure(() => vIris(batch, 'instances')).field).toBe('instances[2].input');
    // With a prefix, even a lone record is named by its index.
    expect(failure(() => vIris([{}], 'dataframe_records')).field).toBe(
      'dataframe_records[0].input',
    );
    expect(failure(() => vIris([{ input: 1, b: 2 }], '')).field).toBe('[0].b');
  });

  it('reads only own fields, whatever the names (constructor, __proto__)', () => {
    const v = strict({
      inputs: [
        { name: 'constructor', type: 'float64', shape: [] },
        { name: '__proto__', type: 'string', shape: [], required: false, default: 'd' },
      ],
      outputs: [],
    });
    expect(failure(() => v([{}])).message).toContain('missing field constructor');
    const [r] = v([{ constructor: 1 }]);
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(r, '__proto__')).toBe(true);
    expect(r!['__proto__']).toBe('d');
    expect(failure(() => vIris([JSON.parse('{"input":[1,2,3,4],"__proto__":1}')])).field).toBe(
      '__proto__',
    );
  });
});

describe('compileValidator: shapes', () => {
  it('takes a bare value or a one-element array for a per-record shape [1]', () => {
    ok({ type: 'float32', shape: [1] }, 3);
    ok({ type: 'float32', shape: [1] }, [3]);
    ok({ type: 'string', shape: [1, 1] }, 'a');
    expect(refused({ type: 'float32', shape: [1] }, [[3]])).toBe(
      'field x: expected shape [1], got [1, 1]',
    );
  });

  it('takes only a bare value for shape []', () => {
    ok({ type: 'int32', shape: [] }, 3);
    expect(refused({ type: 'int32', shape: [] }, [3])).toBe(
      'field x: expected a single value (shape []), got [1]',
    );
  });

  it('checks fixed dimensions and names what it got', () => {
    ok({ type: 'float32', shape: [4] }, [1, 2, 3, 4]);
    expect(refused({ type: 'float32', shape: [4] }, [1, 2, 3])).toBe(
      'field x: expected shape [4], got [3]',
    );
    expect(refused({ type: 'float32', shape: [4] }, [[1, 2, 3, 4]])).toBe(
      'field x: expected shape [4], got [1, 4]',
    );
    expect(refused({ type: 'float32', shape: [4] }, 5)).toBe(
      'field x: expected shape [4], got a number',
    );
    expect(refused({ type: 'float32', shape: [2, 2] }, [1, 2, 3, 4])).toBe(
      'field x: expected shape [2, 2], got [4]',
    );
    ok({ type: 'float32', shape: [2, 2] }, [
      [1, 2],
      [3, 4],
    ]);
  });

  it('takes free dimensions of any size, but never ragged', () => {
    const image: Spec = { type: 'uint8', shape: [2, null] };
    ok(image, [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    ok(image, [[], []]);
    expect(refused(image, [[1, 2], [3]])).toBe(
      'field x: expected shape [2, ?], got a ragged array',
    );
    expect(refused(image, [[1, 2]])).toBe('field x: expected shape [2, ?], got [1, 2]');
    // A free dimension may be 1, so a bare value is one element.
    ok({ type: 'float32', shape: [null] }, 7);
    ok({ type: 'float32', shape: [null] }, [1, 2, 3]);
    // No rows at all is still a well-formed [0, 3].
    ok({ type: 'float32', shape: [null, 3] }, []);
  });

  it('takes any nesting where the field declares no shape, checking every element', () => {
    ok({ type: 'int32' }, 1);
    ok({ type: 'int32' }, [1, [2, [3]]]);
    expect(refused({ type: 'int32' }, [1, [2, 'three']])).toBe(
      'field x: element [1][1]: expected int32 (an integer), got string',
    );
  });

  it('names the element that is wrong', () => {
    expect(refused({ type: 'float32', shape: [4] }, [1, 2, 'x', 4])).toBe(
      'field x: element [2]: expected float32 (a number, or null for a missing value), got string',
    );
    expect(
      refused({ type: 'bool', shape: [2, 2] }, [
        [true, false],
        [true, 1],
      ]),
    ).toBe('field x: element [1][1]: expected bool (true or false), got number');
  });

  it('lets json fields take any JSON value, whatever shape they mention', () => {
    ok({ type: 'json' }, { a: [1, 'b'] });
    ok({ type: 'json' }, null);
    ok({ type: 'json', shape: [2] }, 'anything');
  });
});

describe('compileValidator: types', () => {
  it('takes null as a missing float, in a bare value and inside arrays', () => {
    ok({ type: 'float32', shape: [] }, null);
    ok({ type: 'float64', shape: [4] }, [1, null, 3, 4]);
    ok({ type: 'float64', shape: [], values: [0, 1] }, null);
    expect(refused({ type: 'float32', shape: [4] }, null)).toBe(
      'field x: expected shape [4], got null',
    );
  });

  it('refuses null where the type has no missing value', () => {
    expect(refused({ type: 'int64', shape: [] }, null)).toContain(
      'expected int64 (an integer), got null',
    );
    expect(refused({ type: 'string', shape: [] }, null)).toBe('field x: expected string, got null');
    expect(refused({ type: 'bool', shape: [] }, null)).toContain('got null');
  });

  it('refuses a float32 that would overflow to Infinity, not a float64', () => {
    expect(refused({ type: 'float32', shape: [] }, 1e39)).toContain('out of range for float32');
    expect(refused({ type: 'float32', shape: [] }, -1e39)).toContain('out of range for float32');
    ok({ type: 'float32', shape: [] }, 3.4e38);
    ok({ type: 'float64', shape: [] }, 1e300);
    expect(refused({ type: 'float64', shape: [] }, '1.5')).toContain(
      'expected float64 (a number, or null for a missing value), got string',
    );
  });

  it.each([
    ['int8', -128, 127],
    ['int16', -32768, 32767],
    ['int32', -2147483648, 2147483647],
    ['uint8', 0, 255],
    ['uint16', 0, 65535],
    ['uint32', 0, 4294967295],
    ['int64', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ['uint64', 0, Number.MAX_SAFE_INTEGER],
  ] as const)('takes %s within [%d, %d] and refuses beyond', (type, lo, hi) => {
    ok({ type, shape: [] }, lo);
    ok({ type, shape: [] }, hi);
    expect(refused({ type, shape: [] }, lo - 1)).toContain(`out of range for ${type}`);
    expect(refused({ type, shape: [] }, hi + 1)).toContain(`out of range for ${type}`);
    expect(refused({ type, shape: [] }, 1.5)).toBe(
      `field x: expected ${type} (an integer), got 1.5`,
    );
    expect(refused({ type, shape: [] }, '1')).toContain('got string');
  });

  it('says why int64 stops at 2^53', () => {
    expect(refused({ type: 'int64', shape: [] }, 2 ** 53)).toContain(
      'JSON numbers are exact only up to 2^53-1',
    );
  });

  it('checks bools and strings strictly', () => {
    ok({ type: 'bool', shape: [] }, false);
    expect(refused({ type: 'bool', shape: [] }, 'true')).toBe(
      'field x: expected bool (true or false), got string',
    );
    ok({ type: 'string', shape: [] }, '');
    expect(refused({ type: 'string', shape: [] }, 1)).toBe('field x: expected string, got number');
  });

  it('checks categorical values, listing the allowed ones', () => {
    const city: Spec = { type: 'string', shape: [1], values: ['paris', 'lyon'] };
    ok(city, 'lyon');
    ok(city, ['paris']);
    expect(refused(city, 'rome')).toBe(
      'field x: "rome" is not one of the allowed values "paris", "lyon"',
    );
    // The type is checked before the category.
    expect(refused(city, 3)).toBe('field x: expected string, got number');
    const many = Array.from({ length: 25 }, (_, i) => i);
    expect(refused({ type: 'int32', shape: [], values: many }, 99)).toContain(
      '18, 19, … (25 in all)',
    );
    ok({ type: 'int32', shape: [3], values: [0, 1] }, [0, 1, 1]);
    expect(refused({ type: 'int32', shape: [3], values: [0, 1] }, [0, 2, 1])).toBe(
      'field x: element [1]: 2 is not one of the allowed values 0, 1',
    );
  });
});

describe('helpers', () => {
  it('describeField and takesScalar', () => {
    expect(describeField({ name: 'a', type: 'float32', shape: [4, null] })).toBe(
      'float32, shape [4, ?]',
    );
    expect(describeField({ name: 'a', type: 'bool', shape: [] })).toBe('bool');
    expect([[], [1], [null], [1, 1], [2], [1, 3]].map(takesScalar)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});
