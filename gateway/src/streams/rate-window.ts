/** Events per second over a sliding window (a stream's `messagesPerSecond`). */
export class RateWindow {
  private readonly samples: { at: number; n: number }[] = [];
  private first: number | undefined;

  constructor(
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(n: number): void {
    const at = this.now();
    this.first ??= at;
    this.samples.push({ at, n });
    this.trim(at);
  }

  /** Null before the first event. */
  perSecond(): number | null {
    if (this.first === undefined) return null;
    const at = this.now();
    this.trim(at);
    const span = Math.min(this.windowMs, Math.max(at - this.first, 1000));
    const total = this.samples.reduce((s, x) => s + x.n, 0);
    return Math.round((total / span) * 1000 * 10) / 10;
  }

  private trim(at: number): void {
    while (this.samples.length > 0 && this.samples[0]!.at <= at - this.windowMs)
      this.samples.shift();
  }
}
