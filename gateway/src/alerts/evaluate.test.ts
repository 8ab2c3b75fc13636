import { describe, expect, it } from 'vitest';
import type { AlertCondition, QualityMetricName } from '../protocol/monitoring.js';
import {
  alertMessage,
  breaches,
  describeCondition,
  evaluateRule,
  type Measurement,
  type RuleState,
} from './evaluate.js';

const rule = (condition: AlertCondition) => ({ condition });

/** Runs a rule through measurements from `ok`, answering each step's state and transition. */
function run(condition: AlertCondition, measurements: Measurement[], start: RuleState = 'ok') {
  let state = start;
  return measurements.map((m) => {
    const next = evaluateRule(rule(condition), state, m);
    state = next.state;
    return `${next.state}/${next.transition}`;
  });
}

describe('evaluateRule', () => {
  const accuracy: AlertCondition = {
    kind: 'quality',
    metric: 'accuracy',
    threshold: 0.8,
    minLabels: 50,
  };

  it('fires once while the condition holds, and resolves once when it stops', () => {
    expect(
      run(accuracy, [
        { value: 0.9, labels: 100 },
        { value: 0.7, labels: 100 },
        { value: 0.6, labels: 120 },
        { value: 0.75, labels: 130 },
        { value: 0.85, labels: 140 },
        { value: 0.9, labels: 150 },
        { value: 0.5, labels: 150 },
      ]),
    ).toEqual([
      'ok/none',
      'firing/fired',
      'firing/none',
      'firing/none',
      'ok/resolved',
      'ok/none',
      'firing/fired',
    ]);
  });

  it('says nothing about quality before minLabels labels', () => {
    expect(
      run(accuracy, [{ value: 0.1, labels: 49 }, { value: 0.1 }, { value: 0.1, labels: 50 }]),
    ).toEqual(['insufficient_data/none', 'insufficient_data/none', 'firing/fired']);
    expect(evaluateRule(rule(accuracy), 'ok', { value: 0.1, labels: 3 }).value).toBeNull();
  });

  it('fires from insufficient_data when the condition holds', () => {
    expect(run(accuracy, [{ value: 0.5, labels: 60 }], 'insufficient_data')).toEqual([
      'firing/fired',
    ]);
  });

  it('keeps a firing rule firing while there is no data, without a new alert', () => {
    expect(
      run(accuracy, [
        { value: 0.5, labels: 60 },
        { value: null },
        { value: 0.5, labels: 10 },
        { value: 0.5, labels: 60 },
        { value: 0.95, labels: 60 },
        { value: null },
      ]),
    ).toEqual([
      'firing/fired',
      'firing/none',
      'firing/none',
      'firing/none',
      'ok/resolved',
      'insufficient_data/none',
    ]);
  });

  it('fires quality rules below the threshold, error figures above it', () => {
    const below: QualityMetricName[] = [
      'accuracy',
      'f1_macro',
      'precision_macro',
      'recall_macro',
      'roc_auc',
      'r2',
    ];
    const above: QualityMetricName[] = ['log_loss', 'mae', 'rmse', 'mape'];
    const at = (metric: QualityMetricName, value: number) =>
      breaches({ kind: 'quality', metric, threshold: 0.5, minLabels: 1 }, { value, labels: 1 });
    for (const m of below)
      expect([at(m, 0.4), at(m, 0.5), at(m, 0.6)], m).toEqual([true, false, false]);
    for (const m of above)
      expect([at(m, 0.4), at(m, 0.5), at(m, 0.6)], m).toEqual([false, false, true]);
  });

  it('fires drift on 1 and resolves on 0', () => {
    const drift: AlertCondition = { kind: 'drift', feature: 'petal_length' };
    expect(
      run(drift, [{ value: 0 }, { value: 1 }, { value: 1 }, { value: 0 }, { value: null }]),
    ).toEqual(['ok/none', 'firing/fired', 'firing/none', 'ok/resolved', 'insufficient_data/none']);
    expect(() => breaches(drift, { value: 0.3 })).toThrow(RangeError);
  });

  it('fires error rate and p95 latency above their limits', () => {
    expect(
      run({ kind: 'error_rate', above: 0.05 }, [{ value: 0.05 }, { value: 0.06 }, { value: null }]),
    ).toEqual(['ok/none', 'firing/fired', 'firing/none']);
    expect(run({ kind: 'latency_p95', aboveMs: 250 }, [{ value: 300 }, { value: 250 }])).toEqual([
      'firing/fired',
      'ok/resolved',
    ]);
  });

  it('fires traffic below its floor, counting zero calls as data', () => {
    const traffic: AlertCondition = { kind: 'traffic', below: 10 };
    expect(run(traffic, [{ value: 12 }, { value: 0 }, { value: 0 }, { value: 10 }])).toEqual([
      'ok/none',
      'firing/fired',
      'firing/none',
      'ok/resolved',
    ]);
    expect(evaluateRule(rule(traffic), 'insufficient_data', { value: 0 })).toEqual({
      state: 'firing',
      transition: 'fired',
      value: 0,
    });
  });

  it('treats NaN as no data', () => {
    expect(evaluateRule(rule({ kind: 'latency_p95', aboveMs: 1 }), 'ok', { value: NaN })).toEqual({
      state: 'insufficient_data',
      transition: 'none',
      value: null,
    });
  });
});

describe('alert messages', () => {
  const base = { name: 'accuracy-drop', deployment: 'iris', windowMinutes: 60 };

  it('names the rule, the condition, the figure and the window', () => {
    expect(
      alertMessage(
        {
          ...base,
          condition: { kind: 'quality', metric: 'accuracy', threshold: 0.8, minLabels: 50 },
        },
        'fired',
        { value: 0.712345, labels: 120 },
      ),
    ).toBe(
      'iris: accuracy-drop fired: accuracy below 0.8; measured 0.7123 (120 labels, last 60 min)',
    );
    expect(
      alertMessage({ ...base, condition: { kind: 'error_rate', above: 0.05 } }, 'resolved', {
        value: 0.01,
      }),
    ).toBe('iris: accuracy-drop resolved: error rate above 5%; measured 1% (last 60 min)');
  });

  it('describes every condition kind', () => {
    expect(
      describeCondition({ kind: 'quality', metric: 'rmse', threshold: 2.5, minLabels: 1 }),
    ).toBe('RMSE above 2.5');
    expect(describeCondition({ kind: 'drift' })).toBe('dataset drift');
    expect(describeCondition({ kind: 'drift', feature: 'age' })).toBe('drift of feature "age"');
    expect(describeCondition({ kind: 'latency_p95', aboveMs: 300 })).toBe(
      'p95 latency above 300 ms',
    );
    expect(describeCondition({ kind: 'traffic', below: 1 })).toBe('calls below 1');
  });
});
