import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.js';
import { MojoLevels, numberOf } from './mojo-levels.js';

const inputs = [
  { name: 'age', levels: null },
  { name: 'zone', levels: ['70.0', '80.0', '90.0'] },
  { name: 'city', levels: ['lyon', 'paris'] },
  { name: 'code', levels: ['7', '7.0', 'x'] },
];

const refusal = (levels: MojoLevels, record: Record<string, unknown>) => {
  try {
    levels.resolve([record]);
  } catch (err) {
    return err as InvalidInputError;
  }
  throw new Error('not refused');
};

describe('MojoLevels (no Java needed)', () => {
  it('reads a number only in the forms JSON writes one', () => {
    expect([numberOf('70'), numberOf('70.0'), numberOf('-7e1'), numberOf('0.5')]).toEqual([
      70, 70, -70, 0.5,
    ]);
    for (const text of ['070', '70.', '.5', ' 70', '70.0.0', 'Infinity', 'NaN', '0x46', ''])
      expect(numberOf(text), text).toBeUndefined();
  });

  it('finds a level written as a number from each of its forms, copying only what changes', () => {
    const levels = new MojoLevels(inputs, 'error');
    const records = [70, 70.0, '70', '70.0', 7e1, '7e1'].map((zone) => ({ age: 1, zone }));
    const resolved = levels.resolve(records);
    expect(resolved.records.map((r) => r.zone)).toEqual(Array(6).fill('70.0'));
    expect(resolved.records[3]).toBe(records[3]);
    expect(records[0]!.zone).toBe(70);
    expect(resolved.warnings).toEqual([]);
    // Of two levels with one value the first is found; each level as written is itself.
    const code = levels.resolve([{ code: 7 }, { code: '7.0' }, { code: 'x' }]).records;
    expect(code.map((r) => r.code)).toEqual(['7', '7.0', 'x']);
  });

  it('leaves nulls, left-out columns and numeric columns alone', () => {
    const levels = new MojoLevels(inputs, 'error');
    const records = [{ age: 3, zone: null }, { age: null }, {}];
    expect(levels.resolve(records).records).toEqual(records);
  });

  it('by default refuses a level the model never saw, naming the field and the level', () => {
    const levels = new MojoLevels(inputs, 'error');
    const err = refusal(levels, { city: 'nice' });
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.field).toBe('city');
    expect(err.message).toBe('field city: level "nice" is not one the model knows (lyon, paris)');
    expect(refusal(levels, { zone: 75 }).message).toMatch(/^field zone: level 75 /);
    // A number sent for levels that are words is no level either.
    expect(refusal(levels, { city: 1 }).field).toBe('city');
    expect(refusal(levels, { zone: true }).message).toBe(
      'field zone: expected one of its levels (a string or a number), got boolean',
    );
    let batch: unknown;
    try {
      levels.resolve([{ city: 'lyon' }, { city: 'rome' }]);
    } catch (err) {
      batch = err;
    }
    expect((batch as InvalidInputError).field).toBe('[1].city');
  });

  it('with "warn", scores it as missing with one warning per unseen level', () => {
    const levels = new MojoLevels(inputs, 'warn');
    const { records, warnings } = levels.resolve([
      { city: 'rome' },
      { city: 'rome' },
      { city: 'lyon', zone: 75 },
    ]);
    expect(records).toEqual([{ city: null }, { city: null }, { city: 'lyon', zone: null }]);
    expect(warnings).toEqual([
      'city: level "rome" is not one the model knows; scored as missing (2 records)',
      'zone: level 75 is not one the model knows; scored as missing',
    ]);
    const many = levels.resolve(Array.from({ length: 30 }, (_, i) => ({ city: `c${i}` })));
    expect(many.warnings).toHaveLength(21);
    expect(many.warnings[20]).toBe('10 more unseen levels scored as missing');
  });

  it('refuses it even with "warn" where h2o does not score it as missing', () => {
    const levels = new MojoLevels(inputs, 'warn', "h2o's CoxPH does not score it as missing");
    expect(refusal(levels, { city: 'rome' }).message).toBe(
      `field city: level "rome" is not one the model knows (lyon, paris); h2o's CoxPH does not score it as missing`,
    );
  });
});
