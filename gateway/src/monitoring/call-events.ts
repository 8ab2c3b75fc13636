import type { GatewayMetrics } from '../alerts/prometheus.js';
import type { CallObserved } from '../data-plane/data-plane.js';
import type { EventBus } from '../events/event-bus.js';
import type { ColdStartTally } from '../pools/cold-starts.js';

/** Calls per deployment are announced on the bus at most this often. */
const ANNOUNCE_MS = 1000;

/**
 * What every logged call feeds: the Prometheus counters and histograms at once, and an
 * `invocations` event per deployment at most once a second (a monitor refreshes its traffic
 * panel; thousands of calls a second must not become thousands of events).
 */
export class CallEvents {
  private readonly pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly metrics: GatewayMetrics,
    /** Cold starts per deployment, for the monitor. */
    private readonly coldStarts?: ColdStartTally,
  ) {}

  observe(call: CallObserved): void {
    this.metrics.observeCall({
      deployment: call.name,
      version: call.version,
      status: call.status,
      latencyMs: call.latencyMs,
      cold: call.cold,
      coldStartMs: call.coldStartMs,
    });
    if (call.cold) this.coldStarts?.record(call.name, call.coldStartMs);
    this.pending.set(call.name, (this.pending.get(call.name) ?? 0) + 1);
    if (!this.timer) {
      this.timer = setTimeout(() => this.announce(), ANNOUNCE_MS);
      this.timer.unref();
    }
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private announce(): void {
    this.timer = undefined;
    for (const [deployment, count] of this.pending)
      this.bus.publish({ type: 'invocations', deployment, count });
    this.pending.clear();
  }
}
