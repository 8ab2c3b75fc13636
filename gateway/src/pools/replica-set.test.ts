import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConflictError, NotReadyError, OverloadedError } from '../errors.js';
import type { LifecycleSettings } from './lifecycle-settings.js';
import { ReplicaSet, type StartedReplica } from './replica-set.js';

const settings = (over: Partial<LifecycleSettings> = {}): LifecycleSettings => ({
  minReplicas: 0,
  maxReplicas: 3,
  concurrency: 1,
  idleSeconds: 60,
  queueSize: 10,
  queueSeconds: 30,
  ...over,
});

/** Replicas whose starts finish when the test says so; each runtime is its number. */
function replicas() {
  const pending: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  const stopped: number[] = [];
  let made = 0;
  const start = () =>
    new Promise<StartedReplica<number>>((resolve, reject) => {
      const n = ++made;
      pending.push({
        resolve: () =>
          resolve({
            runtime: n,
            pool: 'gpu',
            devices: [`fake-${n}`],
            stop: async () => void stopped.push(n),
          }),
        reject,
      });
    });
  /** Finishes the oldest start still under way. */
  const finish = async () => {
    pending.shift()!.resolve();
    await settle();
  };
  return { start, pending, stopped, finish, made: () => made };
}

/** Lets promise callbacks run (no timer involved, so it works under fake timers too). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** Resolves once `set` has replicas in exactly these states. */
const states = (set: ReplicaSet<number>, wanted: string[]) =>
  new Promise<void>((done) => {
    const check = () => {
      if (JSON.stringify(set.info().map((r) => r.state)) !== JSON.stringify(wanted)) return;
      stop();
      done();
    };
    const stop = set.onChange(check);
    check();
  });

afterEach(() => {
  vi.useRealTimers();
});

describe('ReplicaSet', () => {
  it('a replica takes calls only once its start (load and warm-up) is done', async () => {
    const r = replicas();
    const set = new ReplicaSet(settings(), r.start);
    const opened = set.open();
    let lent = false;
    const call = set.acquire().then((l) => ((lent = true), l));
    await settle();
    expect(set.info().map((i) => i.state)).toEqual(['starting']);
    expect(lent).toBe(false);
    await r.finish();
    expect(await opened).toBe(1);
    const got = await call;
    expect(got.runtime).toBe(1);
    // It waited for the replica that started for it: a cold start, timed.
    expect(got.coldStartMs).toBeGreaterThanOrEqual(0);
    got.release();
    // A call that finds a ready replica is warm.
    expect((await set.acquire()).coldStartMs).toBeUndefined();
  });

  it('adds a replica when calls in flight and waiting exceed what the replicas take, up to maxReplicas', async () => {
    const r = replicas();
    const set = new ReplicaSet(settings({ maxReplicas: 2 }), r.start);
    const opening = set.open();
    await r.finish();
    await opening;
    const first = await set.acquire();
    const second = set.acquire();
    const third = set.acquire();
    await states(set, ['ready', 'starting']);
    // Two waiting, one more replica: never more than maxReplicas.
    expect(r.made()).toBe(2);
    await r.finish();
    expect((await second).runtime).toBe(2);
    first.release();
    expect((await third).runtime).toBe(1);
    expect(set.info().map((i) => ({ id: i.id, calls: i.calls, devices: i.devices }))).toEqual([
      { id: 1, calls: 1, devices: ['fake-1'] },
      { id: 2, calls: 1, devices: ['fake-2'] },
    ]);
  });

  it('sends each call to the least busy ready replica', async () => {
    const r = replicas();
    const set = new ReplicaSet(settings({ minReplicas: 2, concurrency: 4 }), r.start);
    const opening = set.open();
    await r.finish();
    await r.finish();
    await opening;
    await states(set, ['ready', 'ready']);
    const lent = [await set.acquire(), await set.acquire(), await set.acquire()];
    expect(lent.map((l) => l.runtime).sort()).toEqual([1, 1, 2]);
    // Replica 1 has two calls, replica 2 one: the next goes to replica 2.
    expect((await set.acquire()).runtime).toBe(2);
    expect(set.info().map((i) => i.calls)).toEqual([2, 2]);
  });

  it('a full queue is a 429 with Retry-After, and so is a wait past queueSeconds', async () => {
    vi.useFakeTimers();
    const r = replicas();
    const set = new ReplicaSet(
      settings({ maxReplicas: 1, queueSize: 1, queueSeconds: 5 }),
      r.start,
    );
    const opening = set.open();
    await r.finish();
    await opening;
    await set.acquire();
    const waiting = set.acquire();
    const refused = await set.acquire().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OverloadedError);
    expect((refused as OverloadedError).retryAfterSeconds).toBeGreaterThan(0);
    expect((refused as Error).message).toMatch(/queue is full/);
    const late = waiting.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await late).toBeInstanceOf(OverloadedError);
    expect(((await late) as Error).message).toMatch(/within 5 s/);
  });

  it('a replica given back as dead stops and takes no more calls; the next call starts another', async () => {
    const r = replicas();
    const set = new ReplicaSet(settings({ minReplicas: 1 }), r.start);
    const opening = set.open();
    await r.finish();
    await opening;
    const lent = await set.acquire();
    lent.discard();
    await settle();
    expect(r.stopped).toEqual([1]);
    // minReplicas brings one back; calls meanwhile wait for it.
    const next = set.acquire();
    await states(set, ['starting']);
    await r.finish();
    expect((await next).runtime).toBe(2);
  });

  it('a wait past queueSeconds while no replica is up yet is a 503 saying why, not a 429', async () => {
    vi.useFakeTimers();
    const r = replicas();
    const set = new ReplicaSet(
      settings({ minReplicas: 0, queueSeconds: 5 }),
      r.start,
      undefined,
      undefined,
      () => 'pod p waits: Unschedulable: 0/3 nodes are available',
    );
    const late = set.acquire().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5_000);
    const err = (await late) as NotReadyError;
    expect(err).toBeInstanceOf(NotReadyError);
    expect(err.retryAfterSeconds).toBeGreaterThan(0);
    expect(err.message).toBe(
      'no replica became ready within 5 s (pod p waits: Unschedulable: 0/3 nodes are available); try again later',
    );
  });

  it('a replica above minReplicas stops after idleSeconds without calls; minReplicas stay', async () => {
    vi.useFakeTimers();
    const r = replicas();
    const set = new ReplicaSet(settings({ minReplicas: 1, idleSeconds: 10 }), r.start);
    const opening = set.open();
    await r.finish();
    await opening;
    const a = await set.acquire();
    const b = set.acquire();
    await r.finish();
    const second = await b;
    a.release();
    second.release();
    await vi.advanceTimersByTimeAsync(9_000);
    expect(set.info()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(set.info()).toHaveLength(1);
    expect(r.stopped).toHaveLength(1);
    // The one left is minReplicas: it stays however long it is idle.
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(set.info()).toHaveLength(1);
  });

  it('scales to zero with minReplicas 0, and the next call starts a replica (a cold start)', async () => {
    vi.useFakeTimers();
    const r = replicas();
    const set = new ReplicaSet(settings({ idleSeconds: 10 }), r.start);
    const opening = set.open();
    await r.finish();
    await opening;
    (await set.acquire()).release();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(set.info()).toEqual([]);
    const call = set.acquire();
    await vi.advanceTimersByTimeAsync(0);
    expect(set.info().map((i) => i.state)).toEqual(['starting']);
    await r.finish();
    const lent = await call;
    expect(lent.runtime).toBe(2);
    expect(lent.coldStartMs).toBeDefined();
  });

  it('when no replica can start, waiting calls get a 503 with the reason, and failure() says it until one starts', async () => {
    const r = replicas();
    const set = new ReplicaSet(settings(), r.start);
    const call = set.acquire().catch((e: unknown) => e);
    await settle();
    r.pending
      .shift()!
      .reject(
        new ConflictError(
          'pool: the gpu pool has 0 GPU device(s) free and a replica takes 1',
          'pool_full',
        ),
      );
    const err = await call;
    expect(err).toBeInstanceOf(NotReadyError);
    expect((err as Error).message).toMatch(/no replica could start: pool: the gpu pool has 0 GPU/);
    expect(set.failure()?.message).toMatch(/gpu pool has 0 GPU/);
    const again = set.acquire();
    await settle();
    await r.finish();
    (await again).release();
    expect(set.failure()).toBeUndefined();
  });

  it('close stops every replica; calls still waiting get a 503', async () => {
    const r = replicas();
    const set = new ReplicaSet(settings({ maxReplicas: 1 }), r.start);
    const opening = set.open();
    await r.finish();
    await opening;
    const busy = await set.acquire();
    const waiting = set.acquire().catch((e: unknown) => e);
    expect(busy.runtime).toBe(1);
    await set.close();
    expect(await waiting).toBeInstanceOf(NotReadyError);
    expect(r.stopped).toEqual([1]);
    await expect(set.acquire()).rejects.toBeInstanceOf(NotReadyError);
  });

  it('keeps trying to start the replicas minReplicas keeps, waiting longer each time', async () => {
    vi.useFakeTimers();
    const r = replicas();
    const set = new ReplicaSet(settings({ minReplicas: 2 }), r.start);
    const opening = set.open();
    await r.finish();
    expect(await opening).toBe(1);
    r.pending.shift()!.reject(new ConflictError('pool: full now', 'pool_full'));
    await settle();
    expect(set.info()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(r.made()).toBe(3);
    r.pending.shift()!.reject(new ConflictError('pool: full now', 'pool_full'));
    await settle();
    // The second try waits twice as long.
    await vi.advanceTimersByTimeAsync(1_999);
    expect(r.made()).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.made()).toBe(4);
    await r.finish();
    expect(set.info().map((i) => i.state)).toEqual(['ready', 'ready']);
    await set.close();
  });
});
