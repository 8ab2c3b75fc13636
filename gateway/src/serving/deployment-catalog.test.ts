import { describe, expect, it } from 'vitest';
import type { CatalogNotices } from '../db/catalog-notices.js';
import type { DeploymentRecord } from '../db/deployment-repository.js';
import type { Format } from '../protocol/deployments.js';
import { DeploymentCatalog } from './deployment-catalog.js';
import { followCatalogNotices } from './follow-catalog.js';

const CREATED = new Date('2026-01-01T00:00:00Z');

function record(
  name: string,
  over: Partial<
    Pick<DeploymentRecord, 'liveVersion' | 'traffic' | 'shadowVersion' | 'createdAt'>
  > = {},
): DeploymentRecord {
  const liveVersion = over.liveVersion ?? 1;
  return {
    name,
    pool: 'cpu',
    public: false,
    liveVersion,
    traffic: over.traffic ?? null,
    shadowVersion: over.shadowVersion ?? null,
    createdAt: over.createdAt ?? CREATED,
    updatedAt: CREATED,
    live: {
      deploymentName: name,
      version: liveVersion,
      format: 'toy' as Format,
      artifactSha256: 'a'.repeat(64),
      artifactSize: 1,
      filename: null,
      config: {},
      signature: { inputs: [], outputs: [] },
      stage: null,
      retrainRunId: null,
      gate: null,
      createdAt: CREATED,
    },
  };
}

/** A repository whose `get` answers what `rows` holds now, or waits while `hold` is set. */
function fakeRepo() {
  const rows = new Map<string, DeploymentRecord>();
  let held: { release: () => void; done: Promise<void> } | undefined;
  return {
    rows,
    reads: 0,
    /** The next reads wait until `release()`; answers the function that lets them go. */
    hold(): () => void {
      let release!: () => void;
      held = { release: () => release(), done: new Promise<void>((r) => (release = r)) };
      return held.release;
    },
    async get(name: string): Promise<DeploymentRecord | undefined> {
      this.reads++;
      const value = rows.get(name);
      if (held) await held.done;
      held = undefined;
      return value;
    },
  };
}

const noKeys = { ownerOfHash: () => Promise.resolve(undefined) };

describe('DeploymentCatalog', () => {
  it('does not keep a read that was under way when its deployment was invalidated', async () => {
    const repo = fakeRepo();
    const catalog = new DeploymentCatalog({ repo, keys: noKeys, ttlMs: 600_000 });
    repo.rows.set('m', record('m', { liveVersion: 1 }));
    const release = repo.hold();
    const before = catalog.get('m');
    // The change commits and is announced while the old row is on its way back.
    repo.rows.set('m', record('m', { liveVersion: 2 }));
    catalog.invalidate('m');
    release();
    expect((await before)?.liveVersion).toBe(1);
    expect((await catalog.get('m'))?.liveVersion).toBe(2);
    expect(repo.reads).toBe(2);
  });

  it('changed() forgets the deployment here and announces it; a failed announcement is reported', async () => {
    const repo = fakeRepo();
    const announced: string[] = [];
    const errors: unknown[] = [];
    let fail = false;
    const notices: CatalogNotices = {
      announce: (name) => {
        if (fail) return Promise.reject(new Error('connection lost'));
        announced.push(name);
        return Promise.resolve();
      },
      subscribe: () => Promise.resolve(() => Promise.resolve()),
    };
    const catalog = new DeploymentCatalog({
      repo,
      keys: noKeys,
      ttlMs: 600_000,
      notices,
      onError: (err) => errors.push(err),
    });
    repo.rows.set('m', record('m', { liveVersion: 1 }));
    await catalog.get('m');
    repo.rows.set('m', record('m', { liveVersion: 2 }));
    await catalog.changed('m');
    expect(announced).toEqual(['m']);
    expect(catalog.peek('m')).toBeUndefined();
    expect((await catalog.get('m'))?.liveVersion).toBe(2);
    fail = true;
    await expect(catalog.changed('m')).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as Error).message)).toContain('m changed');
  });

  it('invalidateAll() forgets every deployment', async () => {
    const repo = fakeRepo();
    const catalog = new DeploymentCatalog({ repo, keys: noKeys, ttlMs: 600_000 });
    repo.rows.set('a', record('a'));
    repo.rows.set('b', record('b'));
    await catalog.get('a');
    await catalog.get('b');
    expect(catalog.peekAll().map((r) => r.name)).toEqual(['a', 'b']);
    catalog.invalidateAll();
    expect(catalog.peekAll()).toEqual([]);
  });
});

/** Notices this test sends by hand: `notify` answers once the follower has dealt with one. */
function handNotices() {
  let onChange: ((name: string | undefined) => void | Promise<void>) | undefined;
  let stopped = false;
  const notices: CatalogNotices = {
    announce: () => Promise.resolve(),
    subscribe: (f) => {
      onChange = f;
      return Promise.resolve(() => {
        stopped = true;
        return Promise.resolve();
      });
    },
  };
  return {
    notices,
    get stopped() {
      return stopped;
    },
    notify: async (name: string | undefined) => {
      await onChange!(name);
    },
  };
}

describe('followCatalogNotices', () => {
  async function setUp() {
    const repo = fakeRepo();
    const catalog = new DeploymentCatalog({ repo, keys: noKeys, ttlMs: 600_000 });
    const retired: string[] = [];
    const host = {
      retire: (name: string, version: number) => {
        retired.push(`${name}@${version}`);
        return Promise.resolve();
      },
    };
    const hand = handNotices();
    const stop = await followCatalogNotices({ notices: hand.notices, catalog, host });
    return { repo, catalog, retired, hand, stop };
  }

  it('forgets the deployment named and retires what it no longer routes to', async () => {
    const { repo, catalog, retired, hand } = await setUp();
    repo.rows.set(
      'm',
      record('m', {
        liveVersion: 1,
        shadowVersion: 3,
        traffic: {
          shares: [
            { version: 1, percent: 90 },
            { version: 2, percent: 10 },
          ],
          sticky: null,
        },
      }),
    );
    repo.rows.set('other', record('other'));
    await catalog.get('m');
    await catalog.get('other');
    // Another gateway promoted version 2 (which clears the split and the shadow).
    repo.rows.set('m', record('m', { liveVersion: 2 }));
    await hand.notify('m');
    expect(retired.sort()).toEqual(['m@1', 'm@3']);
    expect(catalog.peek('m')?.liveVersion).toBe(2);
    expect(catalog.peek('other')).toBeDefined();
  });

  it('retires every version routed before when the deployment is gone or was made again', async () => {
    const { repo, catalog, retired, hand } = await setUp();
    repo.rows.set('gone', record('gone', { liveVersion: 4 }));
    repo.rows.set('again', record('again', { liveVersion: 1 }));
    await catalog.get('gone');
    await catalog.get('again');
    repo.rows.delete('gone');
    repo.rows.set('again', record('again', { liveVersion: 1, createdAt: new Date() }));
    await hand.notify('gone');
    await hand.notify('again');
    expect(retired).toEqual(['gone@4', 'again@1']);
    expect(catalog.peek('gone')).toBeUndefined();
  });

  it('takes a (re)connection as a notice for every deployment held', async () => {
    const { repo, catalog, retired, hand } = await setUp();
    repo.rows.set('a', record('a', { liveVersion: 1 }));
    repo.rows.set('b', record('b', { liveVersion: 1 }));
    await catalog.get('a');
    await catalog.get('b');
    repo.rows.set('a', record('a', { liveVersion: 2 }));
    const reads = repo.reads;
    await hand.notify(undefined);
    expect(retired).toEqual(['a@1']);
    // Both read again at once: the next calls find them warm.
    expect(repo.reads).toBe(reads + 2);
    expect(catalog.peekAll().map((r) => [r.name, r.liveVersion])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('does nothing for a deployment it never held', async () => {
    const { repo, retired, hand, stop } = await setUp();
    await hand.notify('unknown');
    expect(retired).toEqual([]);
    expect(repo.reads).toBe(0);
    await stop();
    expect(hand.stopped).toBe(true);
  });
});
