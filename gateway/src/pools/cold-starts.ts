/** Waits kept per deployment for the percentiles: the most recent ones. */
const KEPT = 100;

interface Tally {
  count: number;
  /** The latest waits, ms, oldest first. */
  waits: number[];
  lastAt: Date | null;
}

/**
 * Cold starts per deployment since the gateway started (a call that waited for a version to
 * load or a replica to start), for the monitor: how many, and the wait's percentiles over the
 * last hundred. Prometheus has the same as counters and histograms.
 */
export class ColdStartTally {
  private readonly byName = new Map<string, Tally>();

  constructor(private readonly now: () => number = Date.now) {}

  record(name: string, waitedMs: number | undefined): void {
    let t = this.byName.get(name);
    if (!t) this.byName.set(name, (t = { count: 0, waits: [], lastAt: null }));
    t.count++;
    t.lastAt = new Date(this.now());
    if (waitedMs === undefined) return;
    t.waits.push(waitedMs);
    if (t.waits.length > KEPT) t.waits.shift();
  }

  of(name: string): {
    count: number;
    p50Ms: number | null;
    p95Ms: number | null;
    lastAt: string | null;
  } {
    const t = this.byName.get(name);
    if (!t) return { count: 0, p50Ms: null, p95Ms: null, lastAt: null };
    const sorted = [...t.waits].sort((a, b) => a - b);
    const at = (p: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : null;
    return {
      count: t.count,
      p50Ms: at(0.5),
      p95Ms: at(0.95),
      lastAt: t.lastAt?.toISOString() ?? null,
    };
  }

  forget(name: string): void {
    this.byName.delete(name);
  }
}
