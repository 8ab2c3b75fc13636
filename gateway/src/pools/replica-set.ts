import { NotReadyError, OverloadedError, SlipwayError } from '../errors.js';
import type { LifecycleSettings } from './lifecycle-settings.js';
import type { ReplicaBudget } from './replica-budget.js';

/** The first and the longest wait before starting a `minReplicas` replica again. */
const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 30_000;

/** Where a replica is in its life. */
export type ReplicaState = 'starting' | 'ready' | 'stopping';

/** One replica as the monitor shows it. */
export interface ReplicaInfo {
  id: number;
  state: ReplicaState;
  /** Calls it is answering now. */
  calls: number;
  /** Where it runs: its pool and the GPU devices it was given. */
  pool?: string;
  devices: string[];
  /** The pod it is, on a pool of a cluster. */
  pod?: string;
  startedAt: string;
  lastCallAt: string | null;
}

/** A started replica: what serves, and what stops it (its place on the pool goes with it). */
export interface StartedReplica<R> {
  runtime: R;
  pool?: string;
  devices?: string[];
  /** The pod it is, on a pool of a cluster. */
  pod?: string;
  stop(): Promise<void>;
}

interface Replica<R> {
  id: number;
  state: ReplicaState;
  started?: StartedReplica<R>;
  calls: number;
  startedAt: Date;
  readyAt?: number;
  lastCallAt?: Date;
  /** When it last took or finished a call (or became ready): the budget's LRU order. */
  lastUsed: number;
  idle?: ReturnType<typeof setTimeout>;
  /** Takes it out of the gateway's memory budget. */
  unbudget?: () => void;
}

interface Waiter<R> {
  grant(replica: Replica<R>): void;
  fail(err: unknown): void;
}

/** A replica lent to one call: `cold` when the call waited for it to start. */
export interface Lent<R> {
  runtime: R;
  /** How long the call waited for a replica that started for it; undefined when one was up. */
  coldStartMs?: number;
  release(): void;
  /** Gives it back as dead (its process or pod is gone): it stops, and takes no more calls. */
  discard(): void;
}

/**
 * The replicas of one deployment version, and the one lifecycle every runtime shares: calls go
 * to the least busy ready replica, up to `concurrency` each; when calls in flight and waiting
 * exceed what the replicas take, another starts (up to `maxReplicas`, and while the pool has
 * room); a call that finds no free replica waits in a bounded queue, then is a 429 with
 * `Retry-After`. A replica takes calls only once `start` resolved (its model loaded and its
 * warm-up answered), and one above `minReplicas` stops after `idleSeconds` without calls.
 */
export class ReplicaSet<R> {
  private readonly replicas: Replica<R>[] = [];
  private readonly waiting: Waiter<R>[] = [];
  private nextId = 1;
  private closed = false;
  /** Why the last start failed, until one succeeds: the deployment's status shows it. */
  private lastFailure: SlipwayError | undefined;
  private readonly changeListeners = new Set<() => void>();
  /** The next try to bring the replicas back up to `minReplicas` after a start failed. */
  private retry: ReturnType<typeof setTimeout> | undefined;
  private retryDelayMs = FIRST_RETRY_MS;

  constructor(
    private readonly settings: LifecycleSettings,
    private readonly start: () => Promise<StartedReplica<R>>,
    private readonly now: () => number = performance.now.bind(performance),
    /** The gateway's memory budget, and what one replica of this set counts in it (MiB). */
    private readonly budget?: { ledger: ReplicaBudget; memoryMb: number },
    /** Why a starting replica is not up yet (a pod the scheduler cannot place), if known. */
    private readonly startingBecause: () => string | undefined = () => undefined,
  ) {}

  /**
   * Starts replicas up to `max(minReplicas, 1)`; resolves with the first ready one's runtime,
   * or rejects with the reason none could start.
   */
  open(): Promise<R> {
    for (let n = this.live().length; n < Math.max(1, this.settings.minReplicas); n++)
      void this.startOne();
    return new Promise<R>((resolve, reject) => {
      const check = () => {
        const ready = this.replicas.find((r) => r.state === 'ready');
        if (ready) resolve(ready.started!.runtime);
        else if (this.live().length === 0)
          reject(this.lastFailure ?? new NotReadyError('no replica could start'));
        else return;
        stop();
      };
      const stop = this.onChange(check);
      check();
    });
  }

  /** A ready replica for one call: at once when one has room, else after a wait in the queue. */
  acquire(signal?: AbortSignal): Promise<Lent<R>> {
    if (this.closed) return Promise.reject(new NotReadyError('this version is stopping'));
    const free = this.leastBusy();
    if (free) return Promise.resolve(this.lend(free));
    if (this.waiting.length >= this.settings.queueSize)
      return Promise.reject(this.overloaded('its queue is full'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const lent = new Promise<Lent<R>>((resolve, reject) => {
      const since = this.now();
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
      };
      const waiter: Waiter<R> = {
        grant: (replica) => {
          leave();
          const cold = replica.readyAt !== undefined && replica.readyAt >= since;
          resolve({ ...this.lend(replica), coldStartMs: cold ? this.now() - since : undefined });
        },
        fail: (err) => {
          leave();
          reject(err);
        },
      };
      const onAbort = () => waiter.fail(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(
        () =>
          waiter.fail(
            // None up at all: not busy, still starting (a 503 saying why, not a 429).
            this.replicas.some((r) => r.state === 'ready')
              ? this.overloaded(`no replica was free within ${this.settings.queueSeconds} s`)
              : this.notUpYet(),
          ),
        this.settings.queueSeconds * 1000,
      );
      timer.unref?.();
      this.waiting.push(waiter);
    });
    this.scale();
    return lent;
  }

  /** The replicas now, for the monitor. */
  info(): ReplicaInfo[] {
    return this.replicas.map((r) => ({
      id: r.id,
      state: r.state,
      calls: r.calls,
      pool: r.started?.pool,
      devices: r.started?.devices ?? [],
      ...(r.started?.pod ? { pod: r.started.pod } : {}),
      startedAt: r.startedAt.toISOString(),
      lastCallAt: r.lastCallAt?.toISOString() ?? null,
    }));
  }

  /** Why replicas cannot start, while none has since. */
  failure(): SlipwayError | undefined {
    return this.lastFailure;
  }

  /** Calls `listener` whenever a replica starts, becomes ready or stops. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Stops every replica (calls still waiting get a 503); the set takes no more calls. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    for (const w of [...this.waiting]) w.fail(new NotReadyError('this version was stopped'));
    await Promise.allSettled(this.replicas.map((r) => this.stop(r)));
  }

  private live(): Replica<R>[] {
    return this.replicas.filter((r) => r.state !== 'stopping');
  }

  private leastBusy(): Replica<R> | undefined {
    let best: Replica<R> | undefined;
    for (const r of this.replicas)
      if (
        r.state === 'ready' &&
        r.calls < this.settings.concurrency &&
        (!best || r.calls < best.calls)
      )
        best = r;
    return best;
  }

  private lend(replica: Replica<R>): Lent<R> {
    replica.calls++;
    replica.lastUsed = this.now();
    clearTimeout(replica.idle);
    replica.idle = undefined;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      replica.calls--;
      replica.lastCallAt = new Date();
      replica.lastUsed = this.now();
      this.dispatch();
      if (replica.calls === 0) this.idleLater(replica);
    };
    return {
      runtime: replica.started!.runtime,
      release,
      discard: () => {
        // Out of the ready ones first, so no waiting call is handed to it.
        if (replica.state === 'ready') void this.stop(replica).then(() => this.keepMinimum());
        release();
      },
    };
  }

  /** Hands free slots to the calls waiting, first come first served. */
  private dispatch(): void {
    while (this.waiting.length > 0) {
      const free = this.leastBusy();
      if (!free) return;
      this.waiting[0]!.grant(free);
    }
  }

  /** Starts one more replica when calls in flight and waiting exceed what the replicas take. */
  private scale(): void {
    const live = this.live();
    const inFlight = live.reduce((n, r) => n + r.calls, 0);
    const room = live.length * this.settings.concurrency;
    if (inFlight + this.waiting.length > room && live.length < this.settings.maxReplicas)
      void this.startOne();
  }

  private async startOne(): Promise<Replica<R> | undefined> {
    const replica: Replica<R> = {
      id: this.nextId++,
      state: 'starting',
      calls: 0,
      startedAt: new Date(),
      lastUsed: this.now(),
    };
    this.replicas.push(replica);
    this.changed();
    try {
      replica.started = await this.start();
    } catch (err) {
      // Known before the replica goes: whoever waits on its going reads why.
      this.lastFailure =
        err instanceof SlipwayError
          ? err
          : new NotReadyError(`a replica could not start: ${(err as Error).message}`);
      this.remove(replica);
      // Calls waiting with nothing left that could take them get the reason now.
      if (this.live().length === 0)
        for (const w of [...this.waiting])
          w.fail(new NotReadyError(`no replica could start: ${this.lastFailure.message}`));
      this.keepMinimum();
      return undefined;
    }
    if (this.closed || replica.state === 'stopping') {
      await replica.started.stop().catch(() => {});
      this.remove(replica);
      return undefined;
    }
    this.lastFailure = undefined;
    this.retryDelayMs = FIRST_RETRY_MS;
    replica.state = 'ready';
    replica.readyAt = replica.lastUsed = this.now();
    // Counted in the gateway's budget; idle replicas elsewhere may stop to make room for it.
    replica.unbudget = this.budget?.ledger.add({
      memoryMb: this.budget.memoryMb,
      busy: () => replica.calls > 0,
      lastUsed: () => replica.lastUsed,
      evict: () => void this.stop(replica),
    });
    this.changed();
    this.dispatch();
    if (replica.calls === 0) this.idleLater(replica);
    // Calls still waiting beyond what it took may want another.
    if (this.waiting.length > 0) this.scale();
    return replica;
  }

  /**
   * Tries again, after a delay doubling up to 30 s, to start the replicas `minReplicas` keeps
   * when one failed to start (its pool full while another deployment drains, a worker that
   * could not start yet).
   */
  private keepMinimum(): void {
    if (this.closed || this.retry || this.live().length >= this.settings.minReplicas) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.closed) return;
      for (let n = this.live().length; n < this.settings.minReplicas; n++) void this.startOne();
    }, this.retryDelayMs);
    this.retry.unref?.();
    this.retryDelayMs = Math.min(LAST_RETRY_MS, this.retryDelayMs * 2);
  }

  /** Stops `replica` after `idleSeconds` without calls, unless that leaves fewer than `minReplicas`. */
  private idleLater(replica: Replica<R>): void {
    if (this.closed) return;
    clearTimeout(replica.idle);
    replica.idle = setTimeout(() => {
      replica.idle = undefined;
      if (replica.calls > 0 || replica.state !== 'ready') return;
      if (this.live().length <= this.settings.minReplicas) return;
      void this.stop(replica);
    }, this.settings.idleSeconds * 1000);
    replica.idle.unref?.();
  }

  private async stop(replica: Replica<R>): Promise<void> {
    clearTimeout(replica.idle);
    if (replica.state === 'stopping') return;
    replica.state = 'stopping';
    this.changed();
    // A starting replica is stopped by its start, once it has something to stop.
    if (!replica.started) return;
    try {
      await replica.started.stop();
    } finally {
      this.remove(replica);
    }
  }

  private remove(replica: Replica<R>): void {
    replica.unbudget?.();
    const i = this.replicas.indexOf(replica);
    if (i < 0) return;
    this.replicas.splice(i, 1);
    this.changed();
  }

  private notUpYet(): NotReadyError {
    const why = this.startingBecause();
    const err = new NotReadyError(
      `no replica became ready within ${this.settings.queueSeconds} s${why ? ` (${why})` : ''}; try again later`,
    );
    err.retryAfterSeconds = 1;
    return err;
  }

  private overloaded(why: string): OverloadedError {
    const err = new OverloadedError(
      `every replica is busy (${this.live().length} running, ${this.settings.concurrency} calls each) and ${why}; try again later`,
    );
    err.retryAfterSeconds = 1;
    return err;
  }

  private changed(): void {
    for (const l of this.changeListeners) l();
  }
}
