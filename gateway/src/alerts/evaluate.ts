import type { AlertCondition, AlertRule, QualityMetricName } from '../protocol/monitoring.js';

/** A rule's state, as stored on the rule. */
export type RuleState = AlertRule['state'];

/** What changed for the rule's alerts: open one, close the open one, or nothing. */
export type Transition = 'fired' | 'resolved' | 'none';

/**
 * The figure a rule's condition is measured on, over the rule's window:
 * - `quality`: the metric, with `labels` the labelled predictions behind it;
 * - `drift`: 1 when the feature (or the dataset) drifted, 0 when not;
 * - `error_rate`: failed calls / calls, 0..1 (null for a window without calls);
 * - `latency_p95`: milliseconds (null for a window without calls);
 * - `traffic`: calls in the window — 0 is a measurement, not missing data.
 *
 * `value: null` (or NaN) means there was nothing to measure.
 */
export interface Measurement {
  value: number | null;
  labels?: number;
}

export interface Evaluation {
  state: RuleState;
  transition: Transition;
  /** The figure measured, or null when there was not enough data (store as `lastValue`). */
  value: number | null;
}

/** Quality figures where larger is worse: the rule fires above its threshold. */
const ERROR_FIGURES: ReadonlySet<QualityMetricName> = new Set(['log_loss', 'mae', 'rmse', 'mape']);

/** Whether a quality rule on this metric fires above its threshold (else below). */
export function firesAbove(metric: QualityMetricName): boolean {
  return ERROR_FIGURES.has(metric);
}

/** True: the condition holds; false: it does not; null: not enough data to say. */
export function breaches(condition: AlertCondition, measurement: Measurement): boolean | null {
  const { value } = measurement;
  if (value === null || Number.isNaN(value)) return null;
  switch (condition.kind) {
    case 'quality':
      if ((measurement.labels ?? 0) < condition.minLabels) return null;
      return firesAbove(condition.metric)
        ? value > condition.threshold
        : value < condition.threshold;
    case 'drift':
      if (value !== 0 && value !== 1)
        throw new RangeError(`a drift measurement is 1 (drift) or 0 (none), got ${value}`);
      return value === 1;
    case 'error_rate':
      return value > condition.above;
    case 'latency_p95':
      return value > condition.aboveMs;
    case 'traffic':
      return value < condition.below;
  }
}

/**
 * The next state of a rule from its previous state and a new measurement. An alert fires
 * once when the condition starts holding (from `ok` or `insufficient_data`) and resolves once
 * when it stops; while it keeps holding nothing new happens. A firing rule that gets no data
 * stays firing — missing data shows no recovery — so `state === 'firing'` always means an
 * alert is open.
 */
export function evaluateRule(
  rule: Pick<AlertRule, 'condition'>,
  previous: RuleState,
  measurement: Measurement,
): Evaluation {
  const breached = breaches(rule.condition, measurement);
  const value = breached === null ? null : measurement.value;
  if (breached === null)
    return previous === 'firing'
      ? { state: 'firing', transition: 'none', value }
      : { state: 'insufficient_data', transition: 'none', value };
  if (breached)
    return { state: 'firing', transition: previous === 'firing' ? 'none' : 'fired', value };
  return { state: 'ok', transition: previous === 'firing' ? 'resolved' : 'none', value };
}

const QUALITY_NAMES: Record<QualityMetricName, string> = {
  accuracy: 'accuracy',
  f1_macro: 'macro F1',
  precision_macro: 'macro precision',
  recall_macro: 'macro recall',
  roc_auc: 'ROC AUC',
  log_loss: 'log loss',
  mae: 'MAE',
  rmse: 'RMSE',
  r2: 'R²',
  mape: 'MAPE',
};

const figure = (n: number) => String(Number(n.toPrecision(4)));

/** The condition in words: "accuracy below 0.8", "calls below 10". */
export function describeCondition(condition: AlertCondition): string {
  switch (condition.kind) {
    case 'quality':
      return `${QUALITY_NAMES[condition.metric]} ${firesAbove(condition.metric) ? 'above' : 'below'} ${figure(condition.threshold)}`;
    case 'drift':
      return condition.feature === undefined
        ? 'dataset drift'
        : `drift of feature "${condition.feature}"`;
    case 'error_rate':
      return `error rate above ${figure(condition.above * 100)}%`;
    case 'latency_p95':
      return `p95 latency above ${figure(condition.aboveMs)} ms`;
    case 'traffic':
      return `calls below ${figure(condition.below)}`;
  }
}

/** An alert's `message`: what fired or resolved, the figure and the window. */
export function alertMessage(
  rule: Pick<AlertRule, 'name' | 'deployment' | 'condition' | 'windowMinutes'>,
  transition: Exclude<Transition, 'none'>,
  measurement: Measurement,
): string {
  const { condition } = rule;
  const { value, labels } = measurement;
  const measured =
    value === null
      ? 'no data'
      : condition.kind === 'drift'
        ? value === 1
          ? 'drift detected'
          : 'no drift'
        : condition.kind === 'error_rate'
          ? `${figure(value * 100)}%`
          : condition.kind === 'latency_p95'
            ? `${figure(value)} ms`
            : figure(value);
  const behind = condition.kind === 'quality' && labels !== undefined ? `${labels} labels, ` : '';
  return `${rule.deployment}: ${rule.name} ${transition}: ${describeCondition(condition)}; measured ${measured} (${behind}last ${rule.windowMinutes} min)`;
}
