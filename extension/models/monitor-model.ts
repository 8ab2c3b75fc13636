import type { TranslationBundle } from '@jupyterlab/translation';
import { Signal, type ISignal } from '@lumino/signaling';
import type { DeploymentDetail, Invocation, Metrics } from '../../gateway/src/protocol/index.js';
import type { GatewayClient } from '../client/gateway-client.js';
import { userMessage } from '../client/errors.js';

/** One refresh's view of a deployment. */
export interface MonitorSnapshot {
  deployment: DeploymentDetail;
  metrics: Metrics;
  invocations: Invocation[];
  at: Date;
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
    try {
      const [deployment, metrics, invocations] = await Promise.all([
        this.client.deployment(this.name),
        this.client.metrics(this.name, { minutes: this.opts.minutes ?? 60 }),
        this.client.invocations(this.name, this.opts.recentCalls ?? 20),
      ]);
      this._snapshot = { deployment, metrics, invocations, at: new Date() };
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
