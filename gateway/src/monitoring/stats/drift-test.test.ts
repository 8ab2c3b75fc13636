import { describe, expect, it } from 'vitest';
import { datasetDrift, defaultMethod, driftTest } from './drift-test.js';

const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('defaultMethod (Evidently 0.7.23)', () => {
  const many = range(1001, (i) => i / 7);
  it('picks by reference size, kind and number of values', () => {
    expect(
      defaultMethod(
        range(1000, (i) => i),
        [1, 2, 3, 4, 5, 6],
        'numeric',
      ),
    ).toBe('ks');
    expect(defaultMethod(many, [1, 2], 'numeric')).toBe('wasserstein');
    expect(defaultMethod([0, 1, 2, 1], [2, 2], 'numeric')).toBe('chisquare');
    expect(defaultMethod([0, 1, 0], [1, 1], 'numeric')).toBe('z');
    expect(
      defaultMethod(
        range(2000, (i) => i % 5),
        [1],
        'numeric',
      ),
    ).toBe('jensenshannon');
    expect(defaultMethod(['a', 'b', 'c'], ['a'], 'categorical')).toBe('chisquare');
    expect(defaultMethod(['a', 'b'], ['a'], 'categorical')).toBe('z');
    expect(defaultMethod(range(1001, () => 1).map(String), ['a'], 'categorical')).toBe(
      'jensenshannon',
    );
  });

  it('counts the reference after dropping missing values', () => {
    const ref = [...range(1000, (i) => i), null, NaN, Infinity];
    expect(defaultMethod(ref, [1, 2, 3, 4, 5, 6], 'numeric')).toBe('ks');
  });
});

describe('driftTest', () => {
  it('flags a shifted numeric feature by KS, p ≤ threshold', () => {
    const ref = range(100, (i) => i);
    const v = driftTest(
      ref,
      ref.map((x) => x + 50),
      'numeric',
    );
    expect(v.method).toBe('ks');
    expect(v.statistic).toBe(0.5);
    expect(v.pValue).toBeLessThan(1e-10);
    expect(v.drift).toBe(true);
    expect(v.threshold).toBe(0.05);
    expect(v.histogram.edges).toBeDefined();
    expect(v.histogram.reference.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
  });

  it('sees no drift between a sample and itself', () => {
    const ref = range(2000, (i) => Math.sin(i));
    const v = driftTest(ref, ref, 'numeric');
    expect(v).toMatchObject({ method: 'wasserstein', statistic: 0, pValue: null, drift: false });
    expect(v.psi).toBe(0);
  });

  it('uses the method and threshold given, distance ≥ threshold drifts', () => {
    const v = driftTest(['a', 'a', 'b'], ['b', 'b', 'a'], 'categorical', {
      method: 'psi',
      threshold: 0.1,
    });
    expect(v.method).toBe('psi');
    expect(v.statistic).toBeCloseTo((1 / 3) * Math.log(2) * 2, 14);
    expect(v.drift).toBe(true);
    expect(v.histogram).toEqual({
      categories: ['a', 'b'],
      reference: [2 / 3, 1 / 3],
      current: [1 / 3, 2 / 3],
    });
  });

  it('refuses an empty sample and a test that does not fit the kind', () => {
    expect(() => driftTest([null, NaN], [1], 'numeric')).toThrow(/reference holds no values/);
    expect(() => driftTest(['a'], ['b'], 'categorical', { method: 'ks' })).toThrow(/numeric/);
    expect(() => driftTest(['a'], [1], 'numeric')).toThrow(TypeError);
  });
});

describe('datasetDrift', () => {
  it('drifts when at least the share of features drifted', () => {
    const v = (drift: boolean) => ({ drift });
    expect(datasetDrift([v(true), v(false)])).toMatchObject({
      driftShare: 0.5,
      datasetDrift: true,
    });
    expect(datasetDrift([v(true), v(false), v(false)]).datasetDrift).toBe(false);
    expect(datasetDrift([v(true), v(false), v(false)], 0.3).datasetDrift).toBe(true);
    expect(datasetDrift([]).datasetDrift).toBe(false);
  });
});
