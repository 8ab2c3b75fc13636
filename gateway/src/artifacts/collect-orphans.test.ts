import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactStore } from './artifact-store.js';
import { collectOrphanArtifacts } from './collect-orphans.js';

describe('collectOrphanArtifacts', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-orphans-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('removes old files no version refers to, and keeps referenced and recent ones', async () => {
    const store = new ArtifactStore(dir);
    await store.init();
    const kept = await store.put(new TextEncoder().encode('referenced'));
    const orphan = await store.put(new TextEncoder().encode('left by a crash'));
    const recent = await store.put(new TextEncoder().encode('a publish under way'));
    const hourAgo = new Date(Date.now() - 3600_000);
    await utimes(orphan.path, hourAgo, hourAgo);
    await utimes(kept.path, hourAgo, hourAgo);
    const removed = await collectOrphanArtifacts(store, async () => [kept.sha256]);
    expect(removed).toEqual([orphan.sha256]);
    expect((await store.list()).sort()).toEqual([kept.sha256, recent.sha256].sort());
  });
});
