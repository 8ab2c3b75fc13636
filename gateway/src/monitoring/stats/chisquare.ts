/**
 * Pearson's chi-square tests as scipy computes them: `chisquare` (goodness of fit, what
 * Evidently's `chisquare` drift test calls) and `chi2_contingency` (the independence test on
 * a table, with Yates' correction for one degree of freedom).
 */
import type { TestResult } from './ks.js';
import { chiSquareSf } from './special-functions.js';
import { compensatedSum } from './summation.js';

/**
 * `scipy.stats.chisquare(fObs, fExp)`: Σ (obs − exp)² / exp on k − 1 degrees of freedom.
 * An expected count of 0 against an observed one makes the statistic infinite (p-value 0),
 * as numpy's division does; one category only leaves no degree of freedom (p-value NaN).
 */
export function chisquare(fObs: ArrayLike<number>, fExp: ArrayLike<number>): TestResult {
  if (fObs.length !== fExp.length || fObs.length === 0) {
    throw new RangeError('chisquare: observed and expected need the same, non-zero length');
  }
  const statistic = compensatedSum(fObs.length, (i) => (fObs[i] - fExp[i]) ** 2 / fExp[i]);
  return { statistic, pValue: chiSquareSf(statistic, fObs.length - 1) };
}

/** `scipy.stats.chi2_contingency(table)`'s result, less the expected table. */
export interface ContingencyResult extends TestResult {
  dof: number;
}

/**
 * `scipy.stats.chi2_contingency(table)` (correction=True) for a two-dimensional table of
 * counts: expected counts from the margins, Yates' correction when there is one degree of
 * freedom, p-value 1 when there is none.
 */
export function chi2Contingency(table: readonly (readonly number[])[]): ContingencyResult {
  const rows = table.length;
  const cols = rows ? table[0].length : 0;
  if (!rows || !cols || table.some((r) => r.length !== cols)) {
    throw new RangeError('chi2Contingency: the table must be a non-empty rectangle');
  }
  if (table.some((r) => r.some((v) => v < 0))) {
    throw new RangeError('chi2Contingency: counts must be non-negative');
  }
  const rowSums = table.map((r) => compensatedSum(cols, (j) => r[j]));
  const colSums = Array.from({ length: cols }, (_, j) => compensatedSum(rows, (i) => table[i][j]));
  const total = compensatedSum(rows, (i) => rowSums[i]);
  // numpy's expected_freq: the outer product of the margins over the total.
  const expected = table.map((_, i) => colSums.map((c) => (rowSums[i] * c) / total));
  if (expected.some((r) => r.some((e) => e === 0))) {
    throw new RangeError('chi2Contingency: an expected frequency is zero');
  }
  const dof = rows * cols - rows - cols + 1;
  if (dof === 0) return { statistic: 0, pValue: 1, dof };
  const observed = table.map((r, i) =>
    r.map((o, j) => {
      if (dof !== 1) return o;
      const diff = expected[i][j] - o;
      return o + Math.sign(diff) * Math.min(0.5, Math.abs(diff));
    }),
  );
  const statistic = compensatedSum(rows * cols, (k) => {
    const i = Math.floor(k / cols);
    const j = k % cols;
    return (observed[i][j] - expected[i][j]) ** 2 / expected[i][j];
  });
  return { statistic, pValue: chiSquareSf(statistic, dof), dof };
}
