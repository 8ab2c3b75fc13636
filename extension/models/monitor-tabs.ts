import type { MonitoringEvent } from '../../gateway/src/protocol/monitoring.js';

/** The tabs of a monitoring panel, in their order. */
export const MONITOR_TABS = [
  'traffic',
  'quality',
  'drift',
  'alerts',
  'versions',
  'retraining',
  'jobs',
  'tryit',
] as const;
export type MonitorTab = (typeof MONITOR_TABS)[number];

/** The deployment an event is about. */
export function eventDeployment(event: MonitoringEvent): string {
  return event.type === 'alert' ? event.alert.deployment : event.deployment;
}

/** The tabs whose figures an event makes stale. */
export function tabsAffectedBy(event: MonitoringEvent): MonitorTab[] {
  switch (event.type) {
    case 'invocations':
      // New calls: traffic, and the current data drift is measured on.
      return ['traffic', 'drift'];
    case 'feedback':
      return ['quality'];
    case 'reference':
      return ['drift'];
    case 'alert':
      return ['alerts'];
    case 'deployment':
      // A new version or a rollback changes every tab.
      return [...MONITOR_TABS];
    case 'versions':
      // A promotion, a canary or a shadow: which versions answer, so the traffic tab's rows,
      // the drift tab's choice of version and the versions tab's list.
      return ['traffic', 'drift', 'versions'];
    case 'retraining':
      // A run that ended may have made a candidate version.
      return event.run.status === 'running' ? ['retraining'] : ['retraining', 'versions'];
    default:
      return [];
  }
}

/** Polling is a fallback: how often each tab asks when the stream is down. */
export interface PollPlan {
  /** The panel's refresh setting (traffic, as before the stream existed). */
  refreshSeconds: number;
  /** Quality, drift and alerts are computed on the gateway: asked less often. */
  reportSeconds: number;
}

/**
 * Whether a poll tick should refresh the tab on show. Traffic polls as it always did; the
 * report tabs poll only while the event stream is not open, and at their slower pace.
 */
export function shouldPoll(
  tab: MonitorTab,
  state: { live: boolean; refreshedAt: Date | null; now: Date },
  plan: PollPlan,
): boolean {
  // Jobs and streams move on the gateway without events: polled while shown, as traffic is.
  if (tab === 'traffic' || tab === 'jobs') return true;
  // The Try it form changes only with the signature: a new version's event says so.
  if (tab === 'tryit') return state.refreshedAt === null;
  if (state.live) return false;
  if (!state.refreshedAt) return true;
  return state.now.getTime() - state.refreshedAt.getTime() >= plan.reportSeconds * 1000 - 1;
}

/**
 * Which tabs an event made stale while they were not shown: refreshed when next shown.
 * The shown tab is refreshed at once instead of being marked.
 */
export class StaleTabs {
  private readonly stale = new Set<MonitorTab>();

  /** Marks the event's tabs; returns those to refresh now (the shown one, if affected). */
  onEvent(event: MonitoringEvent, shown: MonitorTab | null): MonitorTab[] {
    const now: MonitorTab[] = [];
    for (const tab of tabsAffectedBy(event)) {
      if (tab === shown) now.push(tab);
      else this.stale.add(tab);
    }
    return now;
  }

  /**
   * Marks every tab but the shown one, and returns the shown one: after the stream (re)opened,
   * since events sent while it was down are not replayed.
   */
  onOpen(shown: MonitorTab | null): MonitorTab[] {
    for (const tab of MONITOR_TABS) if (tab !== shown) this.stale.add(tab);
    return shown ? [shown] : [];
  }

  /** True once per stale tab: the caller refreshes it. */
  take(tab: MonitorTab): boolean {
    return this.stale.delete(tab);
  }

  has(tab: MonitorTab): boolean {
    return this.stale.has(tab);
  }
}
