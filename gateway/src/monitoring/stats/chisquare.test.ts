import { describe, expect, it } from 'vitest';
import { chi2Contingency, chisquare } from './chisquare.js';
import { chiSquareSf, normalCdf } from './special-functions.js';

function expectRelative(actual: number, expected: number, rel = 1e-12) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe('chiSquareSf', () => {
  it('matches scipy.stats.chi2.sf across the expansions', () => {
    expectRelative(chiSquareSf(3.5, 1), 0.0613688291394023);
    expectRelative(chiSquareSf(50, 30), 0.01240206071890054);
    expectRelative(chiSquareSf(0.3, 2), 0.8607079764250578); // exp(−0.15)
    expectRelative(chiSquareSf(1e-3, 3), 0.9999915920809419);
    expectRelative(chiSquareSf(400, 300), 9.678621994933555e-5);
    expect(chiSquareSf(0, 4)).toBe(1);
    expect(chiSquareSf(Infinity, 4)).toBe(0);
    expect(chiSquareSf(1, 0)).toBeNaN();
  });

  it('normalCdf matches scipy.stats.norm.cdf', () => {
    expectRelative(normalCdf(-3), 0.0013498980316300933);
    expectRelative(normalCdf(0.5), 0.6914624612740131);
    expect(normalCdf(0)).toBe(0.5);
  });
});

describe('chisquare', () => {
  it('is Σ (obs − exp)² / exp on k − 1 degrees', () => {
    const r = chisquare([10, 20, 30], [20, 20, 20]);
    expect(r.statistic).toBe(10);
    expectRelative(r.pValue, 0.006737946999085468); // e^-5
  });

  it('is infinite, p = 0, for a category the expectation lacks', () => {
    expect(chisquare([5, 5], [10, 0])).toEqual({ statistic: Infinity, pValue: 0 });
  });
});

describe('chi2Contingency', () => {
  it("applies Yates' correction on a 2×2 table", () => {
    const r = chi2Contingency([
      [10, 20],
      [30, 25],
    ]);
    expect(r.dof).toBe(1);
    expectRelative(r.statistic, 2.706155303030302);
    expectRelative(r.pValue, 0.0999616438735349);
  });

  it('leaves larger tables uncorrected', () => {
    const r = chi2Contingency([
      [10, 20, 5],
      [30, 25, 7],
    ]);
    expect(r.dof).toBe(2);
    expectRelative(r.statistic, 3.6567460317460325);
    expectRelative(r.pValue, 0.16067477053244716);
  });

  it('answers p = 1 with no degree of freedom and refuses a zero margin', () => {
    expect(chi2Contingency([[3, 4]])).toEqual({ statistic: 0, pValue: 1, dof: 0 });
    expect(() =>
      chi2Contingency([
        [0, 0],
        [1, 2],
      ]),
    ).toThrow(/expected frequency/);
  });
});
