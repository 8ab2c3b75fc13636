import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DriftMethod, QualityMetricName } from '../protocol/monitoring.js';

/** Seconds, from a 1 ms ONNX call to a notebook run of minutes. */
export const DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

export interface CallObservation {
  deployment: string;
  version: number;
  /** The HTTP status answered (499: the caller went away). */
  status: number;
  latencyMs: number;
  /** It waited for a start (a load, a kernel, a worker); `coldStartMs`: for how long, when known. */
  cold?: boolean;
  coldStartMs?: number;
}

export interface QualityObservation {
  deployment: string;
  version: number;
  metric: QualityMetricName;
  /** Null: no figure any more (no labels in the window); the series is removed. */
  value: number | null;
}

export interface DriftObservation {
  deployment: string;
  /** A feature's name, or `prediction`. */
  feature: string;
  method: DriftMethod;
  statistic: number;
  detected: boolean;
}

export interface AlertObservation {
  deployment: string;
  /** The rule's name. */
  rule: string;
  firing: boolean;
}

export interface GatewayMetricsOptions {
  /** New label sets past this many per metric are not recorded (counted in `slipway_metric_series_dropped_total`). */
  maxSeriesPerMetric?: number;
  /** Also Node's process metrics (CPU, memory, event loop lag, GC) under their usual names. */
  processMetrics?: boolean;
  buckets?: number[];
}

type Labels = Record<string, string>;
type Metric = Counter<string> | Gauge<string> | Histogram<string>;

/** Longest label value kept: a feature's name is the model's, not ours. */
const MAX_LABEL = 128;
const label = (value: string) => (value.length > MAX_LABEL ? value.slice(0, MAX_LABEL) : value);
/** The exact code when it is one; anything else is one bucket. */
const statusLabel = (status: number) =>
  Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : 'other';

/**
 * The gateway's Prometheus metrics on a registry of their own (never prom-client's global
 * one, so two gateways in one process — tests — do not share series). Series are tracked per
 * deployment so that `removeDeployment` drops all of its, and each metric holds at most
 * `maxSeriesPerMetric` label sets.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'deployment' | 'version' | 'status'>;
  private readonly duration: Histogram<'deployment' | 'version'>;
  private readonly coldStarts: Counter<'deployment' | 'version'>;
  private readonly coldStartDuration: Histogram<'deployment' | 'version'>;
  private readonly quality: Gauge<'deployment' | 'version' | 'metric'>;
  private readonly drift: Gauge<'deployment' | 'feature' | 'method'>;
  private readonly driftDetected: Gauge<'deployment' | 'feature'>;
  private readonly alertFiring: Gauge<'deployment' | 'rule'>;
  private readonly dropped: Counter<'metric'>;
  private readonly sampledOut: Counter;
  /** Per deployment, per metric: the label sets it has, by a key of their values. */
  private readonly series = new Map<string, Map<Metric, Map<string, Labels>>>();
  private readonly seriesCount = new Map<Metric, number>();
  private readonly maxSeries: number;
  /** For `slipway_metric_series_dropped_total` (prom-client does not type a metric's name). */
  private readonly names = new Map<Metric, string>();

  constructor({
    maxSeriesPerMetric = 10_000,
    processMetrics = false,
    buckets = DURATION_BUCKETS,
  }: GatewayMetricsOptions = {}) {
    this.maxSeries = maxSeriesPerMetric;
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'slipway_requests_total',
      help: 'Calls of deployments, by version and HTTP status',
      labelNames: ['deployment', 'version', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'slipway_request_duration_seconds',
      help: 'Time from a call’s arrival to its answer',
      labelNames: ['deployment', 'version'],
      buckets,
      registers,
    });
    this.coldStarts = new Counter({
      name: 'slipway_cold_starts_total',
      help: 'Calls that waited for a start: their version to load, or a notebook kernel or worker',
      labelNames: ['deployment', 'version'],
      registers,
    });
    this.coldStartDuration = new Histogram({
      name: 'slipway_cold_start_seconds',
      help: 'How long a call waited for its version to load',
      labelNames: ['deployment', 'version'],
      buckets,
      registers,
    });
    this.quality = new Gauge({
      name: 'slipway_quality',
      help: 'A quality figure from ground truth over the monitoring window',
      labelNames: ['deployment', 'version', 'metric'],
      registers,
    });
    this.drift = new Gauge({
      name: 'slipway_drift',
      help: 'The drift statistic or distance of a feature against the reference',
      labelNames: ['deployment', 'feature', 'method'],
      registers,
    });
    this.driftDetected = new Gauge({
      name: 'slipway_drift_detected',
      help: '1 when the feature drifted, else 0',
      labelNames: ['deployment', 'feature'],
      registers,
    });
    this.alertFiring = new Gauge({
      name: 'slipway_alert_firing',
      help: '1 while the alert rule fires, else 0',
      labelNames: ['deployment', 'rule'],
      registers,
    });
    this.sampledOut = new Counter({
      name: 'slipway_log_values_sampled_out_total',
      help: 'Calls logged without their input and output because the log was behind the database',
      registers,
    });
    this.dropped = new Counter({
      name: 'slipway_metric_series_dropped_total',
      help: 'Observations not recorded because their metric had too many label sets',
      labelNames: ['metric'],
      registers,
    });
    for (const [metric, name] of [
      [this.requests, 'slipway_requests_total'],
      [this.duration, 'slipway_request_duration_seconds'],
      [this.quality, 'slipway_quality'],
      [this.drift, 'slipway_drift'],
      [this.driftDetected, 'slipway_drift_detected'],
      [this.alertFiring, 'slipway_alert_firing'],
    ] as const)
      this.names.set(metric, name);
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** One answered call. */
  observeCall({
    deployment,
    version,
    status,
    latencyMs,
    cold,
    coldStartMs,
  }: CallObservation): void {
    const d = label(deployment);
    const v = String(version);
    const counted = { deployment: d, version: v, status: statusLabel(status) };
    if (this.track(this.requests, d, counted)) this.requests.inc(counted);
    const timed = { deployment: d, version: v };
    if (this.track(this.duration, d, timed)) this.duration.observe(timed, latencyMs / 1000);
    if (cold && this.track(this.coldStarts, d, timed)) this.coldStarts.inc(timed);
    if (coldStartMs !== undefined && this.track(this.coldStartDuration, d, timed))
      this.coldStartDuration.observe(timed, coldStartMs / 1000);
  }

  setQuality({ deployment, version, metric, value }: QualityObservation): void {
    const d = label(deployment);
    const labels = { deployment: d, version: String(version), metric };
    if (value === null) this.untrack(this.quality, d, labels);
    else if (this.track(this.quality, d, labels)) this.quality.set(labels, value);
  }

  /** A feature's latest drift figures; a change of method replaces the old series. */
  setDrift({ deployment, feature, method, statistic, detected }: DriftObservation): void {
    const d = label(deployment);
    const f = label(feature);
    for (const old of this.labelSets(this.drift, d))
      if (old.feature === f && old.method !== method) this.untrack(this.drift, d, old);
    const measured = { deployment: d, feature: f, method };
    if (this.track(this.drift, d, measured)) this.drift.set(measured, statistic);
    const flagged = { deployment: d, feature: f };
    if (this.track(this.driftDetected, d, flagged))
      this.driftDetected.set(flagged, detected ? 1 : 0);
  }

  setAlert({ deployment, rule, firing }: AlertObservation): void {
    const labels = { deployment: label(deployment), rule: label(rule) };
    if (this.track(this.alertFiring, labels.deployment, labels))
      this.alertFiring.set(labels, firing ? 1 : 0);
  }

  /** A deleted rule: its series goes. */
  removeAlert({ deployment, rule }: Omit<AlertObservation, 'firing'>): void {
    const d = label(deployment);
    this.untrack(this.alertFiring, d, { deployment: d, rule: label(rule) });
  }

  /** A deleted deployment: every series naming it goes. */
  /** A call logged without its input and output: the log was behind the database. */
  logValuesSampledOut(): void {
    this.sampledOut.inc();
  }

  removeDeployment(name: string): void {
    const d = label(name);
    const byMetric = this.series.get(d);
    if (!byMetric) return;
    for (const [metric, sets] of byMetric) {
      for (const labels of sets.values()) metric.remove(labels);
      this.seriesCount.set(metric, (this.seriesCount.get(metric) ?? 0) - sets.size);
    }
    this.series.delete(d);
  }

  /** The text exposition format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Records the label set as in use; false when it is new and its metric is full. */
  private track(metric: Metric, deployment: string, labels: Labels): boolean {
    let byMetric = this.series.get(deployment);
    const key = JSON.stringify(labels);
    const sets = byMetric?.get(metric);
    if (sets?.has(key)) return true;
    const count = this.seriesCount.get(metric) ?? 0;
    if (count >= this.maxSeries) {
      this.dropped.inc({ metric: this.names.get(metric) ?? 'unknown' });
      return false;
    }
    if (!byMetric) this.series.set(deployment, (byMetric = new Map()));
    if (sets) sets.set(key, labels);
    else byMetric.set(metric, new Map([[key, labels]]));
    this.seriesCount.set(metric, count + 1);
    return true;
  }

  private untrack(metric: Metric, deployment: string, labels: Labels): void {
    const sets = this.series.get(deployment)?.get(metric);
    const key = JSON.stringify(labels);
    if (!sets?.delete(key)) return;
    metric.remove(labels);
    this.seriesCount.set(metric, (this.seriesCount.get(metric) ?? 0) - 1);
  }

  private labelSets(metric: Metric, deployment: string): Labels[] {
    return [...(this.series.get(deployment)?.get(metric)?.values() ?? [])];
  }
}
