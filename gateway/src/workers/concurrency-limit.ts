import { OverloadedError } from '../errors.js';

/**
 * At most `max` holders at once, at most `queue` more waiting in arrival order; beyond that a
 * caller is refused with OverloadedError (429) at once rather than waiting without bound.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: { grant: () => void }[] = [];

  constructor(
    readonly max: number,
    readonly queue: number,
    /** Names what is limited in the 429 message. */
    private readonly label: string,
  ) {}

  /** Holders now. */
  get running(): number {
    return this.active;
  }

  /** Callers waiting now. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Waits for a slot; call `release` exactly once after. An aborted wait leaves the queue. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.queue) {
      return Promise.reject(
        new OverloadedError(
          `${this.label} is running ${this.active} calls with ${this.waiting.length} waiting, its limit; try again later`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Hands the slot to the next waiter, or frees it. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next.grant();
    else this.active--;
  }
}
