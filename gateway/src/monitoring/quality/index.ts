/**
 * Live model quality from labelled predictions, figure for figure as scikit-learn computes it.
 * Pure: callers fetch the rows and store or send the result.
 */
export { classificationMetrics, type ClassificationRow } from './classification.js';
export { regressionMetrics, type RegressionRow } from './regression.js';
export {
  mergeQuality,
  metricsFromSummary,
  summarizeQuality,
  type ApproximateFigure,
  type ClassificationSummary,
  type QualitySummary,
  type RegressionSummary,
} from './quality-summary.js';
export { lowerIsBetter, metricValue } from './metric-value.js';
export { compareLabels } from './class-order.js';
