import { describe, expect, it } from 'vitest';
import { fieldSchema, recordSchema } from './field-schema.js';

describe('fieldSchema', () => {
  it('states element types, integer ranges and float formats', () => {
    expect(fieldSchema({ name: 'n', type: 'uint8', shape: [] })).toEqual({
      type: 'integer',
      minimum: 0,
      maximum: 255,
    });
    expect(fieldSchema({ name: 'x', type: 'float32', shape: [] })).toEqual({
      type: 'number',
      format: 'float',
      nullable: true,
    });
    expect(fieldSchema({ name: 'j', type: 'json' })).toEqual({});
  });

  it('makes categories an enum, with null when the field takes a missing value', () => {
    expect(fieldSchema({ name: 'c', type: 'string', shape: [], values: ['a', 'b'] })).toEqual({
      type: 'string',
      enum: ['a', 'b'],
    });
    expect(
      fieldSchema({ name: 'c', type: 'string', shape: [], values: ['a'], nullable: true }),
    ).toEqual({ type: 'string', nullable: true, enum: ['a', null] });
  });

  it('makes shapes nested arrays with fixed lengths; [1] and free dimensions take a bare value too', () => {
    expect(fieldSchema({ name: 'img', type: 'uint8', shape: [2, null] })).toEqual({
      type: 'array',
      minItems: 2,
      maxItems: 2,
      items: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 255 } },
    });
    const col = fieldSchema({ name: 'age', type: 'int64', shape: [1] });
    expect(col.anyOf).toEqual([
      {
        type: 'integer',
        minimum: Number.MIN_SAFE_INTEGER,
        maximum: Number.MAX_SAFE_INTEGER,
        format: 'int64',
      },
      {
        type: 'array',
        minItems: 1,
        maxItems: 1,
        items: {
          type: 'integer',
          minimum: Number.MIN_SAFE_INTEGER,
          maximum: Number.MAX_SAFE_INTEGER,
          format: 'int64',
        },
      },
    ]);
  });

  it('carries defaults and help; optional fields are not required', () => {
    const s = recordSchema([
      { name: 'a', type: 'float64', shape: [] },
      { name: 'b', type: 'string', shape: [], required: false, default: 'x', help: 'B' },
    ]);
    expect(s.required).toEqual(['a']);
    expect((s.properties as Record<string, unknown>).b).toEqual({
      type: 'string',
      nullable: true,
      default: 'x',
      description: 'B',
    });
  });
});
