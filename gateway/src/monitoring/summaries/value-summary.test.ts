import { describe, expect, it } from 'vitest';
import {
  countOf,
  isExact,
  labelsOf,
  MAX_CATEGORIES,
  MAX_EXACT_VALUES,
  merge,
  numbersOf,
  SKETCH_ACCURACY,
  summarize,
  summarizeParts,
  type ValueSummary,
} from './value-summary.js';

describe('value summaries', () => {
  it('count values exactly, missing ones apart, and merge to the summary of both', () => {
    const a = summarize('numeric', [3, 1, 1, null, Number.NaN, -0, 0]);
    expect(a).toEqual({ k: 'n', v: [0, 1, 3], c: [2, 2, 1], m: 2 });
    const b = summarize('numeric', [1, 2]);
    expect(merge(a, b)).toEqual(summarize('numeric', [3, 1, 1, null, Number.NaN, 0, 0, 1, 2]));
    expect([...numbersOf(merge(a, b) as Extract<ValueSummary, { k: 'n' }>)]).toEqual([
      0, 0, 1, 1, 1, 2, 3,
    ]);
  });

  it('keep categories apart by type: 1 and "1" are two', () => {
    const s = summarize('categorical', [1, '1', 'a', 'a', true, null]);
    expect(s).toMatchObject({ k: 'c', o: 0, m: 1 });
    expect(countOf(s)).toBe(5);
    const json = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort();
    expect(json(labelsOf(s as Extract<ValueSummary, { k: 'c' }>))).toEqual(
      json(['1', 1, 'a', 'a', true]),
    );
  });

  it('become a sketch past the exact limit, every value kept within its accuracy, signs and tiny values included', () => {
    const values = Array.from({ length: MAX_EXACT_VALUES + 500 }, (_, i) => {
      const x = (i + 1) * 1.37e-7 * (1 + (i % 7));
      return i % 3 === 0 ? -x : x;
    });
    values.push(0, 1e-290, -1e-290, 12345.678);
    const s = summarize('numeric', values);
    expect(s.k).toBe('s');
    expect(isExact(s)).toBe(false);
    expect(countOf(s)).toBe(values.length);
    const back = numbersOf(s as Extract<ValueSummary, { k: 's' }>);
    const sorted = [...values].sort((p, q) => p - q);
    back.forEach((x, i) => {
      const want = sorted[i]!;
      expect(Math.sign(x)).toBe(Math.sign(want));
      expect(Math.abs(x - want)).toBeLessThanOrEqual(Math.abs(want) * SKETCH_ACCURACY * 1.0001);
    });
    // A sketch merges with exact counts, and stays one.
    const merged = merge(s, summarize('numeric', [5]));
    expect(merged.k).toBe('s');
    expect(countOf(merged)).toBe(values.length + 1);
  });

  it('summarise parts as their values together: a sketch past the limit as merged sketches give it, exact below it', () => {
    const parts = [0, 1, 2].map((p) =>
      Array.from({ length: MAX_EXACT_VALUES }, (_, i) => (p % 2 ? -1 : 1) * (i + p * 0.25 + 1e-3)),
    );
    parts[1]!.push(Number.NaN, 0, -0);
    const s = summarizeParts('numeric', parts);
    // Distinct values pass the limit in the second part: from there on, straight to buckets.
    expect(s).toEqual(
      merge(
        merge(summarize('numeric', parts[0]!), summarize('numeric', parts[1]!)),
        summarize('numeric', parts[2]!),
      ),
    );
    expect(s).toMatchObject({
      k: 's',
      m: 1,
      min: -(MAX_EXACT_VALUES - 1 + 0.25 + 1e-3),
      max: MAX_EXACT_VALUES - 1 + 0.5 + 1e-3,
    });
    expect(summarizeParts('numeric', [[1, 2], [2]])).toEqual(summarize('numeric', [1, 2, 2]));
    expect(
      summarizeParts('categorical', [
        [1, '1'],
        [true, 'true', 1],
      ]),
    ).toEqual(summarize('categorical', [1, '1', true, 'true', 1]));
  });

  it('keep the most frequent categories past the limit and count the rest', () => {
    const many = Array.from({ length: MAX_CATEGORIES + 10 }, (_, i) => `c${i}`);
    const s = summarize('categorical', [...many, 'c0', 'c0']);
    expect(s).toMatchObject({ k: 'c', o: 10 });
    expect(isExact(s)).toBe(false);
    expect((s as Extract<ValueSummary, { k: 'c' }>).v[0]).toBe('c0');
    expect(countOf(s)).toBe(many.length + 2);
  });

  it('refuse to merge a categorical summary with a numeric one', () => {
    expect(() => merge(summarize('numeric', [1]), summarize('categorical', ['a']))).toThrow(
      /categorical/,
    );
  });
});
