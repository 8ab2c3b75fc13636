import { describe, expect, it } from 'vitest';
import { literal } from './tree-code.js';

describe('numbers written into the trees code', () => {
  it('read back as the same double, -0, NaN and the infinities included', () => {
    const values = [
      0,
      -0,
      0.1 + 0.2,
      -1.5,
      5e-324,
      Number.MAX_VALUE,
      -Number.MIN_VALUE,
      2 ** 53 + 2,
      1e21,
      Math.fround(0.1),
      Number.NaN,
      Infinity,
      -Infinity,
    ];
    for (const v of values) {
      const back = new Function(`return ${literal(v)};`)() as number;
      expect(Object.is(back, v), `${v} as ${literal(v)}`).toBe(true);
      // Written in an expression, a negative literal stays one number.
      expect(new Function(`return 1 - ${literal(v)};`)()).toBe(1 - v);
    }
  });
});
