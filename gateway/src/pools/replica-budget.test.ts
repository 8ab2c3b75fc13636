import { describe, expect, it } from 'vitest';
import { ReplicaBudget, type BudgetedReplica } from './replica-budget.js';
import { ReplicaSet } from './replica-set.js';
import type { LifecycleSettings } from './lifecycle-settings.js';

/** A replica of `memoryMb`, last used at `at`, that records its eviction. */
function replica(memoryMb: number, at: number, busy = false) {
  const r = {
    memoryMb,
    evicted: false,
    busy: () => busy,
    lastUsed: () => at,
    evict: () => void (r.evicted = true),
  };
  return r satisfies BudgetedReplica;
}

describe('ReplicaBudget', () => {
  it('past the budget, stops idle replicas least recently used first, until it fits', () => {
    const budget = new ReplicaBudget(100);
    const old = replica(40, 1);
    const recent = replica(40, 2);
    budget.add(old);
    budget.add(recent);
    expect(budget.usedMb()).toBe(80);
    const fresh = replica(50, 3);
    budget.add(fresh);
    expect([old.evicted, recent.evicted, fresh.evicted]).toEqual([true, false, false]);
    expect(budget.usedMb()).toBe(90);
    expect(budget.evicted()).toBe(1);
  });

  it('never stops a replica answering a call, nor the one it makes room for', () => {
    const budget = new ReplicaBudget(50);
    const busy = replica(40, 1, true);
    budget.add(busy);
    const big = replica(60, 2);
    budget.add(big);
    expect([busy.evicted, big.evicted]).toEqual([false, false]);
    // Over the budget while every other replica is busy: counted, not hidden.
    expect(budget.usedMb()).toBe(100);
  });

  it('a replica that stopped on its own is no longer counted', () => {
    const budget = new ReplicaBudget(100);
    const remove = budget.add(replica(70, 1));
    remove();
    const next = replica(70, 2);
    budget.add(next);
    expect(next.evicted).toBe(false);
    expect(budget.usedMb()).toBe(70);
  });
});

const settings: LifecycleSettings = {
  minReplicas: 1,
  maxReplicas: 1,
  concurrency: 1,
  idleSeconds: 3600,
  queueSize: 1,
  queueSeconds: 30,
};

describe('ReplicaSet in a memory budget', () => {
  it('a replica minReplicas keeps is stopped for another deployment’s; its next call is a cold start', async () => {
    const budget = new ReplicaBudget(100);
    const stopped: string[] = [];
    const set = (name: string) =>
      new ReplicaSet<string>(
        settings,
        async () => ({ runtime: name, stop: async () => void stopped.push(name) }),
        undefined,
        { ledger: budget, memoryMb: 60 },
      );
    const a = set('a');
    const b = set('b');
    await a.open();
    (await a.acquire()).release();
    await b.open();
    expect(stopped).toEqual(['a']);
    expect(a.info()).toEqual([]);
    expect(budget.usedMb()).toBe(60);
    const again = await a.acquire();
    expect(again.runtime).toBe('a');
    expect(again.coldStartMs).toBeDefined();
    // And b, least recently used now, made room for it.
    expect(stopped).toEqual(['a', 'b']);
  });
});
