import type { RegressionMetrics } from '../../protocol/monitoring.js';
import { AccurateSum, type CompensatedSum } from './accurate-sum.js';
import type { RegressionRow } from './regression.js';

/** A regression's labelled predictions, summed up so that windows merge. */
export interface RegressionSummary {
  task: 'regression';
  labelled: number;
  /** Σ |error|, Σ error², Σ |error| / max(|y_true|, eps). */
  absolute: CompensatedSum;
  squared: CompensatedSum;
  percentage: CompensatedSum;
  /** y_true's mean and Σ (y_true − mean)², merged as Chan et al. merge variances. */
  mean: number;
  m2: number;
  /** The least and greatest y_true (null without rows): equal when y_true is constant. */
  range: [number, number] | null;
}

/** numpy's float64 machine epsilon: `mean_absolute_percentage_error`'s floor under |y_true|. */
const EPS = 2 ** -52;

/**
 * The summary of labelled rows.
 *
 * @throws RangeError for a value that is not a finite number, or errors so large that their
 * squares overflow (a summary holds finite numbers only, as JSON does).
 */
export function summarizeRegression(rows: readonly RegressionRow[]): RegressionSummary {
  const n = rows.length;
  const absolute = new AccurateSum();
  const squared = new AccurateSum();
  const percentage = new AccurateSum();
  const actualSum = new AccurateSum();
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const { actual, predicted } of rows) {
    if (!Number.isFinite(actual) || !Number.isFinite(predicted))
      throw new RangeError(
        `regression values must be finite numbers, got ${actual} and ${predicted}`,
      );
    const error = Math.abs(predicted - actual);
    absolute.add(error);
    squared.add(error * error);
    percentage.add(error / Math.max(Math.abs(actual), EPS));
    actualSum.add(actual);
    min = Math.min(min, actual);
    max = Math.max(max, actual);
  }
  // Two passes: the spread about a mean known first keeps M2 accurate for large offsets.
  const mean = n === 0 ? 0 : actualSum.value / n;
  const spread = new AccurateSum();
  if (min !== max) for (const { actual } of rows) spread.add((actual - mean) ** 2);
  const summary: RegressionSummary = {
    task: 'regression',
    labelled: n,
    absolute: absolute.parts,
    squared: squared.parts,
    percentage: percentage.parts,
    mean,
    m2: spread.value,
    range: n === 0 ? null : [min, max],
  };
  const sums = [...summary.absolute, ...summary.squared, ...summary.percentage, summary.m2];
  if (!sums.every(Number.isFinite))
    throw new RangeError('regression errors too large to sum in double precision');
  return summary;
}

/** Both summaries' sums added up, compensation and all. */
function addSums(a: CompensatedSum, b: CompensatedSum): CompensatedSum {
  const sum = AccurateSum.of(a);
  sum.addSum(b);
  return sum.parts;
}

/** The summary of both windows' rows. */
export function mergeRegression(a: RegressionSummary, b: RegressionSummary): RegressionSummary {
  if (a.labelled === 0) return b;
  if (b.labelled === 0) return a;
  const n = a.labelled + b.labelled;
  const delta = b.mean - a.mean;
  return {
    task: 'regression',
    labelled: n,
    absolute: addSums(a.absolute, b.absolute),
    squared: addSums(a.squared, b.squared),
    percentage: addSums(a.percentage, b.percentage),
    mean: a.mean + (delta * b.labelled) / n,
    m2: a.m2 + b.m2 + ((delta * delta * a.labelled) / n) * b.labelled,
    range: [Math.min(a.range![0], b.range![0]), Math.max(a.range![1], b.range![1])],
  };
}

/**
 * `regressionMetrics`' figures from a summary.
 *
 * @throws RangeError for a summary of no rows.
 */
export function regressionFromSummary(s: RegressionSummary): RegressionMetrics {
  const n = s.labelled;
  if (n === 0) throw new RangeError('regression metrics need at least one labelled row');
  const residual = AccurateSum.of(s.squared).value;
  const constant = s.range![0] === s.range![1];
  const total = constant ? 0 : s.m2;
  return {
    task: 'regression',
    labelled: n,
    mae: AccurateSum.of(s.absolute).value / n,
    rmse: Math.sqrt(residual / n),
    r2: n < 2 ? null : residual === 0 ? 1 : total === 0 ? 0 : 1 - residual / total,
    mape: AccurateSum.of(s.percentage).value / n,
  };
}
