/**
 * The figures of a quality report by name: read by the gateway's alert rules and Prometheus
 * gauge, and by the extension's quality tab. Shared with the extension: this file imports
 * only types.
 */
import type {
  ClassificationMetrics,
  QualityMetricName,
  QualityMetrics,
  RegressionMetrics,
} from './monitoring.js';

/** Where each figure of a task is read. */
type Figures<M> = Map<QualityMetricName, (metrics: M) => number | null>;

/** Each task's figures, in the order a table lists them. */
const CLASSIFICATION_FIGURES: Figures<ClassificationMetrics> = new Map([
  ['accuracy', (m) => m.accuracy],
  ['f1_macro', (m) => m.macro.f1],
  ['precision_macro', (m) => m.macro.precision],
  ['recall_macro', (m) => m.macro.recall],
  ['roc_auc', (m) => m.rocAuc],
  ['log_loss', (m) => m.logLoss],
]);
const REGRESSION_FIGURES: Figures<RegressionMetrics> = new Map([
  ['mae', (m) => m.mae],
  ['rmse', (m) => m.rmse],
  ['r2', (m) => m.r2],
  ['mape', (m) => m.mape],
]);

/**
 * One figure of a report's metrics. Null when the metrics have none: no metrics at all, a
 * figure of the other task (`mae` of a classifier), or one that could not be measured
 * (`roc_auc` without probabilities, `r2` of a single label).
 */
export function metricValue(
  metrics: QualityMetrics | null | undefined,
  name: QualityMetricName,
): number | null {
  if (!metrics) return null;
  const value =
    metrics.task === 'classification'
      ? CLASSIFICATION_FIGURES.get(name)?.(metrics)
      : REGRESSION_FIGURES.get(name)?.(metrics);
  return value ?? null;
}

/** The figures of a task, in the order a table lists them. */
export function metricNamesFor(task: QualityMetrics['task']): QualityMetricName[] {
  return [...(task === 'classification' ? CLASSIFICATION_FIGURES : REGRESSION_FIGURES).keys()];
}

const ERROR_FIGURES: ReadonlySet<QualityMetricName> = new Set(['log_loss', 'mae', 'rmse', 'mape']);

/** Whether a smaller figure is the better one: an alert then fires above its threshold. */
export function lowerIsBetter(name: QualityMetricName): boolean {
  return ERROR_FIGURES.has(name);
}
