import type { TranslationBundle } from '@jupyterlab/translation';
import { Signal, type ISignal } from '@lumino/signaling';
import type {
  DeploymentDetail,
  Invocation,
  Metrics,
  ReplicasView,
} from '../../gateway/src/protocol/index.js';
import type { GatewayClient } from '../client/gateway-client.js';
import { userMessage } from '../client/errors.js';
import { routedVersions, type RoutedVersion } from './routed-versions.js';

/** One refresh's view of a deployment. */
export interface MonitorSnapshot {
  deployment: DeploymentDetail;
  /** Every call the deployment answered in the window (a shadow's copies are not among them). */
  metrics: Metrics;
  /** The same window per routed version: live, the split's others, the shadow. */
  perVersion: VersionMetrics[];
  invocations: Invocation[];
  /** Its replicas and lifecycle; null from a gateway that does not say (before lifecycles). */
  replicas: ReplicasView | null;
  at: Date;
}

/** One routed version's figures in the snapshot's window. */
export interface VersionMetrics extends RoutedVersion {
  metrics: Metrics;
}

/**
 * The state behind a monitoring panel: the latest snapshot, or the error of the latest
 * refresh (the previous snapshot stays visible). No DOM, no timers: the widget polls.
 */
export class MonitorModel {
  private _snapshot: MonitorSnapshot | null = null;
  private _error: string | null = null;
  private readonly _changed = new Signal<this, void>(this);

  constructor(
    readonly name: string,
    /** The gateway, shared with the panel's other tabs. */
    readonly client: GatewayClient,
    private readonly opts: { minutes?: number; recentCalls?: number } = {},
  ) {}

  get snapshot(): MonitorSnapshot | null {
    return this._snapshot;
  }

  /** The readable error of the last refresh, null when it worked. */
  get error(): string | null {
    return this._error;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Fetches everything the panel shows; never rejects, the error is kept instead. */
  async refresh(): Promise<void> {
    // One window for every figure, so a version's calls are a share of the deployment's.
    const window = { minutes: this.opts.minutes ?? 60, now: new Date() };
    try {
      const [{ deployment, perVersion }, metrics, invocations, replicas] = await Promise.all([
        // Which versions to ask for is in the detail: their figures follow it.
        this.client.deployment(this.name).then(async (deployment) => ({
          deployment,
          perVersion: await Promise.all(
            routedVersions(deployment).map(async (routed) => ({
              ...routed,
              metrics: await this.client.metrics(this.name, {
                ...window,
                version: routed.version,
              }),
            })),
          ),
        })),
        this.client.metrics(this.name, window),
        this.client.invocations(this.name, this.opts.recentCalls ?? 20),
        // A figure beside the others: a gateway without it still shows the rest.
        this.client.replicas(this.name).catch(() => null),
      ]);
      this._snapshot = { deployment, metrics, perVersion, invocations, replicas, at: new Date() };
      this._error = null;
    } catch (err) {
      this._error = userMessage(err);
    }
    this._changed.emit();
  }

  /** Makes `version` live, then refreshes. Rejects with the error to show. */
  async rollback(version: number): Promise<void> {
    await this.client.rollback(this.name, version);
    await this.refresh();
  }
}

/** A row of the traffic tab's per-version table. */
export interface VersionTrafficRow extends VersionMetrics {
  /**
   * Its share of the deployment's calls, 0 to 1; null for a shadow, whose copies are answered
   * to nobody and are not among the deployment's calls.
   */
  share: number | null;
}

/** The versions that answered calls in the snapshot's window, in routing order. */
export function versionTrafficRows(snapshot: MonitorSnapshot): VersionTrafficRow[] {
  const total = snapshot.metrics.count;
  // At most all: a call logged between the requests can be in a version's count, not the total.
  return snapshot.perVersion
    .filter((v) => v.metrics.count > 0)
    .map((v) => ({
      ...v,
      share: v.role === 'shadow' ? null : v.metrics.count / Math.max(total, v.metrics.count),
    }));
}

/** The chart's data: one label per minute with calls, latency percentiles and counts. */
export interface ChartSeries {
  labels: string[];
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
  count: number[];
  errors: number[];
}

/** Per-minute points as chart series, oldest first, labelled HH:MM in local time. */
export function chartSeries(metrics: Metrics): ChartSeries {
  const points = [...metrics.series].sort((a, b) => a.minute.localeCompare(b.minute));
  const label = (iso: string) => {
    const d = new Date(iso);
    return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  };
  return {
    labels: points.map((p) => label(p.minute)),
    p50: points.map((p) => p.p50),
    p95: points.map((p) => p.p95),
    p99: points.map((p) => p.p99),
    count: points.map((p) => p.count),
    errors: points.map((p) => p.errors),
  };
}

/** A latency for display: `0.42 ms`, `12 ms`, `1.3 s`, or `–`; the units in the user's words. */
export function formatLatency(ms: number | null | undefined, trans: TranslationBundle): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 10) return trans.__('%1 ms', ms.toFixed(2));
  if (ms < 1000) return trans.__('%1 ms', Math.round(ms));
  return trans.__('%1 s', (ms / 1000).toFixed(1));
}
