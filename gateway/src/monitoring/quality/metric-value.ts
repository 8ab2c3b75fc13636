import type { QualityMetricName, QualityMetrics } from '../../protocol/monitoring.js';

/**
 * The figure an alert rule watches. Null when the metrics have none: a figure of the other
 * task (`mae` of a classifier), or one that could not be measured (`roc_auc` without
 * probabilities, `r2` of a single label).
 */
export function metricValue(metrics: QualityMetrics, name: QualityMetricName): number | null {
  if (metrics.task === 'classification') {
    switch (name) {
      case 'accuracy':
        return metrics.accuracy;
      case 'f1_macro':
        return metrics.macro.f1;
      case 'precision_macro':
        return metrics.macro.precision;
      case 'recall_macro':
        return metrics.macro.recall;
      case 'roc_auc':
        return metrics.rocAuc;
      case 'log_loss':
        return metrics.logLoss;
      default:
        return null;
    }
  }
  switch (name) {
    case 'mae':
      return metrics.mae;
    case 'rmse':
      return metrics.rmse;
    case 'r2':
      return metrics.r2;
    case 'mape':
      return metrics.mape;
    default:
      return null;
  }
}

const ERROR_FIGURES: ReadonlySet<QualityMetricName> = new Set(['log_loss', 'mae', 'rmse', 'mape']);

/** Whether a smaller figure is the better one: an alert then fires above its threshold. */
export function lowerIsBetter(name: QualityMetricName): boolean {
  return ERROR_FIGURES.has(name);
}
