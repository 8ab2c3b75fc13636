import { describe, expect, it } from 'vitest';
import { readNumberList } from './number-list-cell.js';

/** A seeded generator (the same numbers every run). */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** What the cell's reader makes of it: JSON.parse of the trimmed cell, when a list of numbers. */
function byJson(cell: string, width: number): number[] | undefined {
  try {
    const v = JSON.parse(cell.trim()) as unknown;
    return Array.isArray(v) && v.length === width && v.every((x) => typeof x === 'number')
      ? v
      : undefined;
  } catch {
    return undefined;
  }
}

function read(cell: string, width: number): number[] | undefined {
  const out = new Float64Array(width + 2).fill(7);
  if (!readNumberList(cell, width, out, 1)) return undefined;
  // Only its own slots are written.
  expect([out[0], out[width + 1]]).toEqual([7, 7]);
  return [...out.subarray(1, width + 1)];
}

describe('a CSV cell holding a JSON list of numbers', () => {
  it('reads every number as JSON.parse does, to the last bit', () => {
    const next = random(3);
    const formats = [
      (x: number) => String(x),
      (x: number) => x.toPrecision(1 + Math.floor(next() * 17)),
      (x: number) => x.toExponential(Math.floor(next() * 17)),
      (x: number) => x.toFixed(Math.floor(next() * 12)),
      (x: number) => x.toExponential(Math.floor(next() * 8)).replace('e+', 'E'),
    ];
    for (let n = 0; n < 20_000; n++) {
      const items = Array.from({ length: 3 }, () => {
        const scale = 10 ** Math.floor(next() * 60 - 30);
        const x = (next() - 0.5) * scale * (next() < 0.3 ? 2 ** 40 : 1);
        const text = formats[Math.floor(next() * formats.length)]!(x);
        return text.replace(/^-0$/, next() < 0.5 ? '-0' : '0');
      });
      const cell = `[${items.join(',')}]`;
      const want = byJson(cell, 3);
      if (!want) continue;
      const got = read(cell, 3)!;
      expect(got, cell).toBeDefined();
      got.forEach((x, i) =>
        expect(Object.is(x, want[i]), `${cell}: ${x} vs ${want[i]}`).toBe(true),
      );
    }
  });

  it('takes exactly the cells JSON.parse reads as a list of that many numbers', () => {
    const items = [
      ...['0', '-0', '5.1', '1e3', '-1E-2', '2e+2', '1e-400', '1e999', '123456789012345678'],
      ...['+1', '.5', '5.', '01', '-', '1e', '1e+', '0x10', 'NaN', 'Infinity', 'null', '"4"'],
      ...['- 1', '1 2', '', 'true', '1.e3', '00', '-01', '0.0e0', '1ee3', '1e-0'],
    ];
    const spaces = ['', ' ', '\t', '\n', '\r', '\u00a0', '\v'];
    const next = random(5);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    let taken = 0;
    for (let n = 0; n < 20_000; n++) {
      const count = next() < 0.8 ? 2 : 1 + Math.floor(next() * 3);
      const inner = Array.from(
        { length: count },
        () =>
          `${next() < 0.7 ? '' : pick(spaces)}${next() < 0.85 ? pick(items.slice(0, 9)) : pick(items)}${next() < 0.7 ? '' : pick(spaces)}`,
      );
      const around = () => (next() < 0.8 ? '' : pick([...spaces, 'x', ',', ']', '[']));
      const cell = `${around()}[${inner.join(next() < 0.95 ? ',' : ';')}]${around()}`;
      const want = byJson(cell, 2);
      const got = read(cell, 2);
      expect(got === undefined, cell).toBe(want === undefined);
      if (want) {
        taken++;
        got!.forEach((x, i) => expect(Object.is(x, want[i]), cell).toBe(true));
      }
    }
    expect(taken).toBeGreaterThan(1000);
    for (const cell of ['', '[', ']', '[]', '[1]', '[1,2,3]', '[[1,2]]', '{"a":1}', '1,2'])
      expect(read(cell, 2), cell).toBeUndefined();
  });
});
