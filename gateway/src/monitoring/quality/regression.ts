import type { RegressionMetrics } from '../../protocol/monitoring.js';
import { regressionFromSummary, summarizeRegression } from './regression-summary.js';

/** One labelled prediction of a regression. */
export interface RegressionRow {
  actual: number;
  predicted: number;
}

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
 * One implementation with the merged hourly summaries: this is the summary of the rows, read.
 *
 * @throws RangeError with no rows, or a value that is not a finite number.
 */
export function regressionMetrics(rows: readonly RegressionRow[]): RegressionMetrics {
  if (rows.length === 0) throw new RangeError('regressionMetrics needs at least one labelled row');
  return regressionFromSummary(summarizeRegression(rows));
}
