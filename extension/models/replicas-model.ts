import type { TranslationBundle } from '@jupyterlab/translation';
import type { LifecycleView, ReplicasView } from '../../gateway/src/protocol/index.js';

/** One replica as the Traffic tab lists it. */
export interface ReplicaRow {
  version: number;
  /** `live`, `retiring` (draining its calls), or neither (a version called by number). */
  role: 'live' | 'retiring' | 'other';
  id: number;
  state: 'starting' | 'ready' | 'stopping';
  calls: number;
  /** Where it runs: its pool, and its GPU devices or its pod when it has any. */
  where: string;
  startedAt: string;
  lastCallAt: string | null;
}

/** A replica's pool, with its GPU devices (on this machine) or its pod (on a cluster). */
function whereText(r: ReplicasView['versions'][number]['replicas'][number]): string {
  const detail = r.pod ?? (r.devices.length ? r.devices.join(', ') : undefined);
  return detail ? `${r.pool ?? '?'} (${detail})` : (r.pool ?? '—');
}

/** Every replica of every version in memory, newest version first. */
export function replicaRows(view: ReplicasView): ReplicaRow[] {
  return view.versions.flatMap((v) =>
    v.replicas.map((r) => ({
      version: v.version,
      role: v.retiring ? 'retiring' : v.live ? 'live' : 'other',
      id: r.id,
      state: r.state,
      calls: r.calls,
      where: whereText(r),
      startedAt: r.startedAt,
      lastCallAt: r.lastCallAt,
    })),
  );
}

/** The lifecycle settings in a line: "0–4 replicas, 4 calls each, idle stop after 15 min". */
export function lifecycleText(l: LifecycleView, trans: TranslationBundle): string {
  const idle =
    l.idleSeconds >= 60
      ? trans.__('%1 min', Math.round(l.idleSeconds / 60))
      : trans.__('%1 s', l.idleSeconds);
  return trans.__(
    '%1–%2 replicas, %3 calls each, %4 more may wait; a replica above %1 stops after %5 idle',
    l.minReplicas,
    l.maxReplicas,
    l.concurrency,
    l.queueSize,
    idle,
  );
}

/** Cold starts in a line: how many since the gateway started, and how long they waited. */
export function coldStartText(
  c: ReplicasView['coldStarts'] | undefined,
  trans: TranslationBundle,
): string {
  if (!c || c.count === 0) return trans.__('No cold start since the gateway started.');
  const s = (ms: number | null) => (ms === null ? '—' : trans.__('%1 s', (ms / 1000).toFixed(2)));
  return trans._n(
    '%1 cold start since the gateway started (wait p50 %2, p95 %3)',
    '%1 cold starts since the gateway started (wait p50 %2, p95 %3)',
    c.count,
    s(c.p50Ms),
    s(c.p95Ms),
  );
}

/** No replica up: scaled to zero (the next call starts one), waiting for its pool, or failing with a reason. */
export function noReplicasText(view: ReplicasView, trans: TranslationBundle): string {
  if (view.status === 'failed' && view.statusReason)
    return trans.__('No replica can start: %1', view.statusReason);
  if (view.status === 'pending' && view.statusReason)
    return trans.__('A replica waits for its pool: %1', view.statusReason);
  return trans.__('Scaled to zero: the next call starts a replica (a cold start).');
}
