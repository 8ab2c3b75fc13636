/**
 * Wire types of the monitoring loop: ground truth, live quality, drift and alerts.
 * Shared with the JupyterLab extension: this file imports only other wire types.
 */
import type { RetrainRun } from './retraining.js';

/** A class of a classifier or a regression's value, as the model answers it. */
export type Label = string | number | boolean;

/** One label for one prediction (`POST /fn/:name/feedback`). */
export interface FeedbackItem {
  /** A prediction id the API returned: the call's id, or `<call id>:<i>` for a batch's record. */
  id: string;
  actual: Label;
}

/** What became of one feedback item, in the order they were sent. */
export type FeedbackOutcome =
  | { id: string; status: 'accepted'; replaced: boolean }
  | { id: string; status: 'not_found' | 'invalid'; message: string };

export interface FeedbackResult {
  accepted: number;
  rejected: number;
  items: FeedbackOutcome[];
}

/** Per class: precision, recall, F1 and how many labels were of that class. */
export interface ClassMetrics {
  class: Label;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationMetrics {
  task: 'classification';
  /** Labelled predictions behind every figure here. */
  labelled: number;
  accuracy: number;
  /** Every class seen in the labels or the predictions, sorted as scikit-learn sorts them. */
  classes: Label[];
  perClass: ClassMetrics[];
  macro: { precision: number; recall: number; f1: number };
  /** Binary: ROC AUC of the positive (second) class; multiclass: one-vs-rest, macro. Null when the model gives no probabilities or one class only was labelled. */
  rocAuc: number | null;
  /** Null when the model gives no probabilities. */
  logLoss: number | null;
  /** Rows: actual class, columns: predicted class, in the order of `classes`. */
  confusionMatrix: number[][];
}

export interface RegressionMetrics {
  task: 'regression';
  labelled: number;
  mae: number;
  rmse: number;
  /** Null with fewer than two labels (scikit-learn answers NaN). */
  r2: number | null;
  mape: number;
}

export type QualityMetrics = ClassificationMetrics | RegressionMetrics;

/** `GET /api/deployments/:name/quality`. */
export interface QualityReport {
  name: string;
  /** The version asked for; absent: all versions together (`versions` has each). */
  version?: number;
  from: string;
  to: string;
  bucket: 'hour' | 'day';
  /** Null when no prediction in the window has a label. */
  overall: QualityMetrics | null;
  /**
   * Figures of `overall` read from sketches rather than exact values (`rocAuc` once an hour of
   * the window holds more than 4,096 distinct scores of a class); absent when all are exact.
   */
  approximate?: string[];
  /** Per version, over the whole window. */
  versions: { version: number; metrics: QualityMetrics }[];
  /** Per bucket (start time), over every version asked for; buckets without labels are left out. */
  series: { start: string; metrics: QualityMetrics }[];
}

export type FeatureKind = 'numeric' | 'categorical';

/** Evidently's names: `ks`, `chisquare`, `z`, `wasserstein`, `jensenshannon`, `psi`. */
export type DriftMethod = (typeof DRIFT_METHODS)[number];

/** Reference against current for one feature or the prediction, ready for a chart. */
export interface DriftHistogram {
  /** Numeric: bin edges (one more than the counts); categorical: absent. */
  edges?: number[];
  /** Categorical: the categories, in the order of the counts; numeric: absent. */
  categories?: Label[];
  /** Shares of the reference in each bin or category (they add up to 1). */
  reference: number[];
  current: number[];
}

export interface FeatureDrift {
  name: string;
  kind: FeatureKind;
  method: DriftMethod;
  /**
   * The test's statistic or distance (KS D, χ², z, normed Wasserstein, Jensen–Shannon, PSI).
   * Null when it is infinite: χ² of a category the reference never had (its p-value is 0).
   */
  statistic: number | null;
  /** For the tests that have one (KS, χ², z); null for distances. */
  pValue: number | null;
  threshold: number;
  /** p-value below the threshold, or distance at or above it. */
  drift: boolean;
  /** Population stability index on Evidently's bins, for every feature. */
  psi: number;
  referenceCount: number;
  currentCount: number;
  histogram: DriftHistogram;
}

/** `GET /api/deployments/:name/drift`. */
export interface DriftReport {
  name: string;
  version?: number;
  from: string;
  to: string;
  referenceRows: number;
  currentRows: number;
  /** Share of features that drifted (the prediction not counted). */
  driftShare: number;
  /** Dataset drift when `driftShare` is at least this. */
  driftShareThreshold: number;
  datasetDrift: boolean;
  features: FeatureDrift[];
  /** Drift of the model's prediction; null when it has none to compare. */
  prediction: FeatureDrift | null;
}

/** Per-deployment drift settings (`PUT /api/deployments/:name/monitoring`). */
export interface DriftSettings {
  /** Take the reference from the first N successful calls when none was uploaded (0: never). */
  referenceFromFirst?: number;
  /** Dataset drift when this share of features drifted (Evidently: 0.5). */
  driftShare?: number;
  /** Method and threshold for every feature; absent: Evidently's defaults by type and size. */
  method?: DriftMethod;
  threshold?: number;
  /** Per feature (or `prediction`), over the two above. */
  features?: Record<string, { method?: DriftMethod; threshold?: number }>;
}

/** `GET /api/deployments/:name/reference`: what the stored reference holds. */
export interface ReferenceSummary {
  name: string;
  rows: number;
  source: 'upload' | 'first_calls';
  createdAt: string;
  features: { name: string; kind: FeatureKind; count: number }[];
}

export type AlertCondition =
  | {
      kind: 'quality';
      /** A figure of `QualityMetrics`: accuracy, f1_macro, precision_macro, recall_macro, roc_auc, log_loss, mae, rmse, r2, mape. */
      metric: QualityMetricName;
      /** Fires below this (above, for the error figures: log_loss, mae, rmse, mape). */
      threshold: number;
      /** Labels needed before the rule says anything. */
      minLabels: number;
    }
  | { kind: 'drift'; /** A feature's name, or absent for dataset drift. */ feature?: string }
  | { kind: 'error_rate'; above: number }
  | { kind: 'latency_p95'; aboveMs: number }
  | { kind: 'traffic'; below: number };

/** Every figure an alert rule (and the Prometheus gauge) can name. */
export const QUALITY_METRIC_NAMES = [
  'accuracy',
  'f1_macro',
  'precision_macro',
  'recall_macro',
  'roc_auc',
  'log_loss',
  'mae',
  'rmse',
  'r2',
  'mape',
] as const;

export type QualityMetricName = (typeof QUALITY_METRIC_NAMES)[number];

/** Every drift method, by Evidently's names. */
export const DRIFT_METHODS = [
  'ks',
  'chisquare',
  'z',
  'wasserstein',
  'jensenshannon',
  'psi',
] as const;

/** What a rule's webhook gets: POST JSON, `X-Slipway-Signature: sha256=<hex HMAC of the body>`. */
export interface WebhookTarget {
  url: string;
  /** The HMAC key (16+ characters): sent when the rule is created or changed, never returned. */
  secret?: string;
}

export interface AlertRuleInput {
  name: string;
  condition: AlertCondition;
  /** The window the condition is measured over, ending now. */
  windowMinutes: number;
  /** Only this version; absent: the live one. */
  version?: number;
  webhook?: WebhookTarget;
  enabled?: boolean;
  /** What firing does besides the alert and the webhook: `retrain` starts a retraining run. */
  action?: 'retrain';
}

export interface AlertRule extends Required<
  Omit<AlertRuleInput, 'version' | 'webhook' | 'action'>
> {
  id: string;
  deployment: string;
  version?: number;
  webhook?: WebhookTarget;
  action?: 'retrain';
  state: 'ok' | 'firing' | 'insufficient_data';
  /** The figure last measured; null when there was not enough data. */
  lastValue: number | null;
  lastEvaluatedAt: string | null;
  createdAt: string;
}

/** One firing of a rule; `resolvedAt` set once its condition stopped holding. */
export interface Alert {
  id: string;
  ruleId: string;
  ruleName: string;
  deployment: string;
  state: 'firing' | 'resolved';
  value: number | null;
  message: string;
  firedAt: string;
  resolvedAt: string | null;
}

/** `GET /api/events` (server-sent events): `event:` is the type, `data:` the JSON. */
export type MonitoringEvent =
  | { type: 'alert'; alert: Alert }
  | { type: 'invocations'; deployment: string; count: number }
  | { type: 'feedback'; deployment: string; accepted: number }
  | { type: 'reference'; deployment: string; rows: number }
  | { type: 'retraining'; deployment: string; run: RetrainRun }
  | { type: 'deployment'; deployment: string; change: 'published' | 'deleted' | 'rolled_back' }
  /** A version was promoted, retired or gated, or a canary started, was analysed or ended. */
  | { type: 'versions'; deployment: string };
