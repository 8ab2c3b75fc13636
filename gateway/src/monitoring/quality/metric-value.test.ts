import { describe, expect, it } from 'vitest';
import { QUALITY_METRIC_NAMES, type QualityMetricName } from '../../protocol/monitoring.js';
import { classificationMetrics } from './classification.js';
import { lowerIsBetter, metricValue } from './metric-value.js';
import { regressionMetrics } from './regression.js';

const classifier = classificationMetrics([
  { actual: 0, predicted: 0, probabilities: { 0: 0.9, 1: 0.1 } },
  { actual: 0, predicted: 1, probabilities: { 0: 0.4, 1: 0.6 } },
  { actual: 1, predicted: 1, probabilities: { 0: 0.2, 1: 0.8 } },
]);
const regression = regressionMetrics([
  { actual: 1, predicted: 2 },
  { actual: 3, predicted: 3 },
]);

describe('metricValue', () => {
  it.each<[QualityMetricName, number | null]>([
    ['accuracy', classifier.accuracy],
    ['f1_macro', classifier.macro.f1],
    ['precision_macro', classifier.macro.precision],
    ['recall_macro', classifier.macro.recall],
    ['roc_auc', classifier.rocAuc],
    ['log_loss', classifier.logLoss],
    ['mae', null],
    ['r2', null],
  ])('classification %s', (name, want) => {
    expect(metricValue(classifier, name)).toBe(want);
  });

  it('reads the classification figures it names', () => {
    expect(metricValue(classifier, 'accuracy')).toBeCloseTo(2 / 3, 15);
    expect(metricValue(classifier, 'roc_auc')).toBe(1);
    expect(metricValue(classifier, 'precision_macro')).toBeCloseTo(0.75, 15);
    expect(metricValue(classifier, 'recall_macro')).toBeCloseTo(0.75, 15);
  });

  it.each<[QualityMetricName, number | null]>([
    ['mae', 0.5],
    ['rmse', Math.sqrt(0.5)],
    ['r2', 0.5],
    ['mape', 0.5],
    ['accuracy', null],
    ['roc_auc', null],
    ['log_loss', null],
  ])('regression %s', (name, want) => {
    expect(metricValue(regression, name)).toBe(want);
  });

  it('passes on a figure that could not be measured', () => {
    const single = regressionMetrics([{ actual: 1, predicted: 1 }]);
    expect(metricValue(single, 'r2')).toBeNull();
  });
});

describe('lowerIsBetter', () => {
  it('holds for the error figures alone', () => {
    expect(QUALITY_METRIC_NAMES.filter(lowerIsBetter)).toEqual(['log_loss', 'mae', 'rmse', 'mape']);
  });
});
