import type { RegressionMetrics } from '../../protocol/monitoring.js';
import { AccurateSum } from './accurate-sum.js';

/** One labelled prediction of a regression. */
export interface RegressionRow {
  actual: number;
  predicted: number;
}

/** numpy's float64 machine epsilon: `mean_absolute_percentage_error`'s floor under |y_true|. */
const EPS = 2 ** -52;

/**
 * Quality of a regression over labelled predictions, as scikit-learn 1.6 computes it:
 * `mean_absolute_error`, the square root of `mean_squared_error`, `r2_score` (null below two
 * rows, where scikit-learn answers NaN) and `mean_absolute_percentage_error` (|error| over
 * max(|y_true|, eps): a zero y_true gives a huge but finite figure, as there).
 *
 * R² keeps `force_finite=True`: perfect predictions score 1, and a constant y_true with any
 * error scores 0. Constant means every y_true equal, tested exactly; scikit-learn finds it
 * through a float mean, which for some values (0.1 three times) misses by an ulp and answers
 * an enormous negative R² instead.
 *
 * @throws RangeError with no rows, or a value that is not a finite number.
 */
export function regressionMetrics(rows: readonly RegressionRow[]): RegressionMetrics {
  const n = rows.length;
  if (n === 0) throw new RangeError('regressionMetrics needs at least one labelled row');
  const absolute = new AccurateSum();
  const squared = new AccurateSum();
  const percentage = new AccurateSum();
  const actualSum = new AccurateSum();
  let constant = true;
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
    if (actual !== rows[0]!.actual) constant = false;
  }

  let r2: number | null = null;
  if (n >= 2) {
    const residual = squared.value;
    let total = 0;
    if (!constant) {
      const mean = actualSum.value / n;
      const spread = new AccurateSum();
      for (const { actual } of rows) spread.add((actual - mean) ** 2);
      total = spread.value;
    }
    r2 = residual === 0 ? 1 : total === 0 ? 0 : 1 - residual / total;
  }

  return {
    task: 'regression',
    labelled: n,
    mae: absolute.value / n,
    rmse: Math.sqrt(squared.value / n),
    r2,
    mape: percentage.value / n,
  };
}
