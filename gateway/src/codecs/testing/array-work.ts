import { expect } from 'vitest';
import { SlipwayError } from '../../errors.js';

/** Array methods that visit the elements of the array they are called on. */
const SCANNING = [
  'concat',
  'every',
  'fill',
  'filter',
  'find',
  'findIndex',
  'findLast',
  'findLastIndex',
  'flat',
  'flatMap',
  'forEach',
  'includes',
  'indexOf',
  'join',
  'lastIndexOf',
  'map',
  'reduce',
  'reduceRight',
  'slice',
  'some',
  'splice',
] as const;

type Method = (this: unknown[], ...args: unknown[]) => unknown;

/**
 * How much array scanning `fn` does: while it runs, every call of an element-visiting array
 * method is charged the length of the array it is called on (`slice`, the length it copies).
 * A counter, not a clock, so a test
 * can tell linear work from quadratic on any machine: `indexOf` inside a loop over the same
 * array costs n² here, a Set costs nothing. A SlipwayError that `fn` throws counts as its end.
 */
export function arrayWork(fn: () => unknown): number {
  const proto = Array.prototype as unknown as Record<string, Method>;
  const originals = new Map<string, Method>();
  let work = 0;
  for (const name of SCANNING) {
    const original = proto[name]!;
    originals.set(name, original);
    // slice copies only its range: charged what it returns, not the whole array.
    proto[name] =
      name === 'slice'
        ? function (this: unknown[], ...args: unknown[]) {
            const part = original.apply(this, args) as unknown[];
            work += part.length;
            return part;
          }
        : function (this: unknown[], ...args: unknown[]) {
            work += this.length;
            return original.apply(this, args);
          };
  }
  try {
    fn();
  } catch (err) {
    if (!(err instanceof SlipwayError)) throw err;
  } finally {
    for (const [name, original] of originals) proto[name] = original;
  }
  return work;
}

/**
 * Checks that `run` on the input `make(n)` scans arrays no more than linearly in n: from n to 4n
 * linear work grows about fourfold (allowed: fivefold, or 5n when there was next to none),
 * quadratic work sixteenfold. Inputs are built before the count starts.
 */
export function expectLinearWork<T>(
  make: (n: number) => T,
  run: (input: T) => unknown,
  n = 2000,
): void {
  const small = make(n);
  const large = make(4 * n);
  const w1 = arrayWork(() => run(small));
  const w4 = arrayWork(() => run(large));
  expect(w4, `array work ${w1} at n=${n}, ${w4} at n=${4 * n}`).toBeLessThanOrEqual(
    5 * Math.max(w1, n),
  );
}
