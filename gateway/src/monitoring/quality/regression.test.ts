import { describe, expect, it } from 'vitest';
import { regressionMetrics } from './regression.js';

const rowsOf = (actual: number[], predicted: number[]) =>
  actual.map((a, i) => ({ actual: a, predicted: predicted[i]! }));

describe('regressionMetrics', () => {
  it("answers scikit-learn's documented example", () => {
    const m = regressionMetrics(rowsOf([3, -0.5, 2, 7], [2.5, 0, 2, 8]));
    expect(m.task).toBe('regression');
    expect(m.labelled).toBe(4);
    expect(m.mae).toBe(0.5);
    expect(m.rmse).toBe(Math.sqrt(0.375));
    // 1 − 1.5 / 29.1875
    expect(m.r2).toBeCloseTo(0.9486081370449679, 15);
    // (0.5/3 + 0.5/0.5 + 0 + 1/7) / 4
    expect(m.mape).toBeCloseTo(0.3273809523809524, 15);
  });

  it('divides by float64 eps, not by zero, where y_true is 0 (MAPE)', () => {
    const m = regressionMetrics(rowsOf([0, 1], [1, 1]));
    expect(m.mape).toBe(1 / 2 ** -52 / 2);
  });

  it('keeps R² finite for a constant y_true: 0 with errors, 1 when predicted exactly', () => {
    expect(regressionMetrics(rowsOf([7, 7, 7], [6, 8, 7])).r2).toBe(0);
    expect(regressionMetrics(rowsOf([7, 7], [7, 7])).r2).toBe(1);
    // numpy's mean of three 0.1s misses 0.1 by an ulp; constant is tested exactly here.
    expect(regressionMetrics(rowsOf([0.1, 0.1, 0.1], [0, 0.2, 0.1])).r2).toBe(0);
  });

  it('has no R² for a single row', () => {
    const m = regressionMetrics(rowsOf([3], [5]));
    expect(m.r2).toBeNull();
    expect(m.mae).toBe(2);
    expect(m.rmse).toBe(2);
    expect(m.mape).toBeCloseTo(2 / 3, 15);
  });

  it('refuses no rows and values that are not finite numbers', () => {
    expect(() => regressionMetrics([])).toThrow(RangeError);
    expect(() => regressionMetrics(rowsOf([1, Number.NaN], [1, 2]))).toThrow(RangeError);
    expect(() => regressionMetrics(rowsOf([1], [Infinity]))).toThrow(RangeError);
  });
});
