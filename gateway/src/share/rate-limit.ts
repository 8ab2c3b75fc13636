/**
 * Form posts a minute per share link, counted in one gateway's memory (a fixed one-minute
 * window): enough to keep a leaked link from being used as a free bulk API.
 */
export class ShareRateLimit {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts one post; false when the link has used its minute's allowance. */
  take(id: string, perMinute: number): boolean {
    const now = this.now();
    let w = this.windows.get(id);
    if (!w || now - w.start >= 60_000) {
      // Drop stale windows now and then so the map stays small.
      if (this.windows.size > 10_000) this.windows.clear();
      w = { start: now, used: 0 };
      this.windows.set(id, w);
    }
    if (w.used >= perMinute) return false;
    w.used++;
    return true;
  }

  /** Seconds until the link's window opens again. */
  retryAfter(id: string): number {
    const w = this.windows.get(id);
    return w ? Math.max(1, Math.ceil((w.start + 60_000 - this.now()) / 1000)) : 1;
  }
}
