import { describe, expect, it } from 'vitest';
import { AccurateSum, accurateMean } from './accurate-sum.js';

describe('AccurateSum', () => {
  it('keeps the small terms a plain sum loses beside a large one', () => {
    const terms = [1, 1e100, 1, -1e100];
    expect(terms.reduce((s, x) => s + x, 0)).toBe(0);
    const sum = new AccurateSum();
    terms.forEach((x) => sum.add(x));
    expect(sum.value).toBe(2);
  });

  it('sums a million tenths to the nearest double of 100,000', () => {
    let plain = 0;
    for (let i = 0; i < 1_000_000; i++) plain += 0.1;
    expect(plain).not.toBe(100_000);
    const sum = new AccurateSum();
    for (let i = 0; i < 1_000_000; i++) sum.add(0.1);
    expect(sum.value).toBe(100_000);
  });

  it('averages', () => {
    expect(accurateMean(4, (i) => i)).toBe(1.5);
  });

  it('is zero before anything is added', () => {
    expect(new AccurateSum().value).toBe(0);
  });
});
