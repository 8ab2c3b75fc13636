import { describe, expect, it } from 'vitest';
import { binCategories, binNumeric, fillZeroes, sturgesEdges } from './binning.js';
import { jensenShannon } from './jensen-shannon.js';
import { psi } from './psi.js';
import { countValues, sortedNumbers } from './samples.js';
import { populationStd, wassersteinDistance, wassersteinDistanceNormed } from './wasserstein.js';
import { zTest } from './z-test.js';

describe('wasserstein', () => {
  it('is the area between the empirical CDFs (scipy)', () => {
    expect(wassersteinDistance([0, 1, 3], [5, 6, 8])).toBe(5);
    expect(wassersteinDistance([1, 2, 3, 4], [1, 1, 5])).toBeCloseTo(1, 15);
    expect(wassersteinDistance([2, 2], [2])).toBe(0);
  });

  it('is normed by the reference std, at least 0.001 (Evidently)', () => {
    const ref = Float64Array.from([1, 2, 3, 4]);
    const cur = Float64Array.from([2, 3, 4, 5]);
    expect(populationStd(ref)).toBeCloseTo(Math.sqrt(1.25), 15);
    expect(wassersteinDistanceNormed(ref, cur)).toBeCloseTo(1 / Math.sqrt(1.25), 15);
    const flat = Float64Array.from([1, 1]);
    expect(wassersteinDistanceNormed(flat, Float64Array.from([1.001, 1.001]))).toBeCloseTo(1, 9);
  });
});

describe('jensenShannon', () => {
  it('matches scipy.spatial.distance.jensenshannon', () => {
    expect(jensenShannon([0.5, 0.5, 0], [0, 0.5, 0.5])).toBeCloseTo(0.5887050112577373, 15);
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(Math.sqrt(Math.LN2), 15);
    expect(jensenShannon([2, 2], [1, 1])).toBe(0); // normalised first
  });
});

describe('psi and fillZeroes', () => {
  it('fills a zero share with 0.0001, or the smallest share / 10⁶ when that is smaller', () => {
    expect(Array.from(fillZeroes(Float64Array.from([0.5, 0.5, 0])))).toEqual([0.5, 0.5, 0.0001]);
    expect(fillZeroes(Float64Array.from([0.99995, 0.00005, 0]))[2]).toBeCloseTo(5e-11, 20);
  });

  it('is Σ (r − c) ln(r / c)', () => {
    expect(psi([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(psi([0.6, 0.4], [0.4, 0.6])).toBeCloseTo(0.4 * Math.log(1.5), 15);
  });
});

describe('binning', () => {
  it('takes Sturges edges as numpy does', () => {
    // np.histogram_bin_edges(np.arange(11.), 'sturges') → [0, 2, 4, 6, 8, 10]
    expect(sturgesEdges(0, 10, 11)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(sturgesEdges(3, 3, 5)).toEqual([2.5, 3.5]);
  });

  it('bins numeric features with more than 20 reference values, last bin closed', () => {
    const ref = sortedNumbers(Array.from({ length: 21 }, (_, i) => i));
    const cur = sortedNumbers([0, 20, 20, 10]);
    const b = binNumeric(ref, cur);
    expect(b.edges).toHaveLength(b.reference.length + 1);
    expect(b.current[b.current.length - 1]).toBe(0.5); // both 20s, in the closed last bin
    expect(b.reference.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 15);
  });

  it('counts per value otherwise, missing values dropped', () => {
    const b = binNumeric(sortedNumbers([1, 1, 2, NaN, null]), sortedNumbers([2, 3]));
    expect(b.categories).toEqual([1, 2, 3]);
    expect(Array.from(b.reference)).toEqual([2 / 3, 1 / 3, 0]);
    const c = binCategories(countValues(['b', 'a', null]), countValues(['a']));
    expect(c.categories).toEqual(['a', 'b']);
    expect(Array.from(c.current)).toEqual([1, 0]);
  });
});

describe('zTest', () => {
  it('is the pooled two-proportion z-test, two-sided', () => {
    // p1 = 0.5 (20 of 40 are 'b'), p2 = 0.25: z = 0.25 / sqrt(P(1 − P)(1/40 + 1/40)), P = 0.375.
    const r = zTest(
      countValues([...Array(20).fill('a'), ...Array(20).fill('b')]),
      countValues([...Array(30).fill('a'), ...Array(10).fill('b')]),
    );
    expect(r.statistic).toBeCloseTo(0.25 / Math.sqrt(0.375 * 0.625 * 0.05), 14);
    expect(r.pValue).toBeCloseTo(0.020921335337794, 12);
  });

  it('answers p = 1 when both samples hold the one same value', () => {
    expect(zTest(countValues(['a', 'a']), countValues(['a']))).toEqual({ statistic: 0, pValue: 1 });
  });
});
