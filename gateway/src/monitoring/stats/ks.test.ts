import { describe, expect, it } from 'vitest';
import { kstwoSf } from './kolmogorov.js';
import { ks2samp, ksPValue, ksStatistic } from './ks.js';
import { smirnovSf } from './smirnov.js';

function expectRelative(actual: number, expected: number, rel = 1e-12) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe('ksStatistic', () => {
  it('is the largest gap between the two empirical CDFs', () => {
    // F₁ reaches 1 at 3 while F₂ is still 0 there.
    expect(ksStatistic([1, 2, 3], [4, 5, 6])).toBe(1);
    expect(ksStatistic([1, 2, 3, 4], [3, 4, 5, 6])).toBe(0.5);
  });

  it('steps ties together and is 0 for the same sample', () => {
    expect(ksStatistic([1, 1, 2, 2], [2, 1, 2, 1])).toBe(0);
    expect(ksStatistic([1, 1, 1, 2], [1, 2, 2, 2])).toBe(0.5);
  });
});

describe('ks2samp exact branch', () => {
  it('gives the classic two-sided p-values of small samples', () => {
    // n = m = 3, D = 1: 2 / C(6, 3) = 0.1.
    expect(ks2samp([1, 2, 3], [4, 5, 6]).pValue).toBeCloseTo(0.1, 15);
    // n = m = 4, D = 0.5: 1 − P(paths stay within |x − y| < 2) = 0.7714285714285715 (scipy).
    expect(ks2samp([1, 2, 3, 4], [3, 4, 5, 6]).pValue).toBeCloseTo(0.7714285714285715, 14);
  });

  it('rounds D to a multiple of 1/lcm and answers p = 1 for D = 0', () => {
    expect(ksPValue(0, 5, 7)).toEqual({ statistic: 0, pValue: 1 });
    const r = ksPValue(0.4000000001, 5, 7);
    expect(r.statistic).toBe(14 / 35);
    // scipy.stats.ks_2samp with D = 0.4, n = 5 and 7.
    expect(r.pValue).toBeCloseTo(0.6388888888888888, 14);
  });

  it('handles unequal sizes by the inside method', () => {
    // 2 vs 3, fully separated: 2 paths of C(5, 2) = 10 → 0.2.
    expect(ks2samp([1, 2], [3, 4, 5]).pValue).toBeCloseTo(0.2, 15);
  });
});

describe('kstwoSf and smirnovSf (the asymptotic branch)', () => {
  it('has the closed forms at the ends', () => {
    expect(kstwoSf(0, 10)).toBe(1);
    expect(kstwoSf(1, 10)).toBe(0);
    expect(kstwoSf(0.04, 10)).toBe(1); // n·x ≤ 0.5
    // Ruben–Gambino: x ≥ 1 − 1/n gives 2 (1 − x)^n.
    expectRelative(kstwoSf(0.95, 10), 1.9531250000000172e-13);
    expect(smirnovSf(1, 0.3)).toBeCloseTo(0.7, 15);
  });

  it('agrees with scipy in each method region', () => {
    // scipy 1.17: kstwo.sf(x, n).
    expectRelative(kstwoSf(0.1, 100), 0.2526927570063874); // Pomeranz
    expectRelative(kstwoSf(0.05, 100), 0.9532159710635725); // Durbin matrix
    expectRelative(kstwoSf(0.3, 100), 1.7719869892662917e-8); // 2·smirnov, n ≤ 140
    expectRelative(kstwoSf(0.02, 5000), 0.03613941395325637); // 2·smirnov, n > 140
  });

  it('falls to the asymptotic branch above 10,000 values', () => {
    const r = ksPValue(0.02, 20000, 20000);
    expect(r.statistic).toBe(0.02);
    expect(r.pValue).toBeCloseTo(kstwoSf(0.02, 10000), 15);
  });
});
