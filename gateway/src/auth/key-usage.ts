/**
 * When each invoke key was last used, written to the database at most once a minute per key.
 * A write per call would put the database on the invoke path; this costs one small UPDATE per
 * active key per minute, off the call's path (not awaited), so `last_used_at` is right to
 * within `intervalMs`. A write that fails is retried on the key's next use.
 */
export class KeyUsage {
  /** Key id → when its last use was written (ms). */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly opts: {
      write: (id: string, at: Date) => Promise<void>;
      now?: () => number;
      intervalMs?: number;
      onError?: (err: unknown) => void;
      /** Most keys remembered: a restart forgets them all anyway, and costs one write each. */
      maxKeys?: number;
    },
  ) {}

  /** Notes a call made with key `id`. */
  used(id: string): void {
    const { now = Date.now, intervalMs = 60_000, maxKeys = 10_000 } = this.opts;
    const t = now();
    const last = this.written.get(id);
    if (last !== undefined && t - last < intervalMs) return;
    if (this.written.size >= maxKeys) this.written.clear();
    this.written.set(id, t);
    void this.opts.write(id, new Date(t)).catch((err: unknown) => {
      if (this.written.get(id) === t) this.written.delete(id);
      this.opts.onError?.(err);
    });
  }

  /** Forgets a revoked key. */
  forget(id: string): void {
    this.written.delete(id);
  }
}
