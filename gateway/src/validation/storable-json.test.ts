import { describe, expect, it } from 'vitest';
import { checkStorableJson } from './storable-json.js';

describe('checkStorableJson', () => {
  it('takes what jsonb stores, astral characters included', () => {
    expect(() => checkStorableJson({ a: ['x', { b: 'é😀' }], n: 1 }, 'config')).not.toThrow();
  });

  it('names the first NUL or lone surrogate, in a key or a value', () => {
    expect(() => checkStorableJson({ labels: ['a', 'b', 'c\u0000'] }, 'config')).toThrow(
      expect.objectContaining({ field: 'config.labels[2]', status: 400 }),
    );
    expect(() => checkStorableJson({ x: '\ud800' }, 'config')).toThrow(/config\.x: must not/);
    expect(() => checkStorableJson({ ['k\udc00']: 1 }, 'config')).toThrow(
      expect.objectContaining({ field: 'config.k\uFFFD' }),
    );
  });

  it('checks a value nested far deeper than the stack goes', () => {
    let deep: unknown = 'bad\u0000';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(() => checkStorableJson(deep, 'config')).toThrow(/must not contain/);
  });
});
