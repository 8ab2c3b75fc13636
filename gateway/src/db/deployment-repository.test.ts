import { afterEach, describe, expect, it } from 'vitest';
import {
  openTestDatabase,
  testDatabaseKinds,
  type TestDatabase,
} from '../../test/support/databases.js';
import { DeploymentRepository, type NewVersion } from './deployment-repository.js';
import { InvocationRepository } from './invocation-repository.js';

const signature = { inputs: [{ name: 'x', type: 'float32' as const, shape: [] }], outputs: [] };

function version(name: string, sha: string, over: Partial<NewVersion> = {}): NewVersion {
  return {
    name,
    pool: 'cpu',
    public: false,
    format: 'onnx',
    artifactSha256: sha,
    artifactSize: 10,
    filename: 'm.onnx',
    config: {},
    signature,
    invokeKeyHash: `hash-${name}-${sha}`,
    invokeKeyId: crypto.randomUUID(),
    ...over,
  };
}

describe.each(testDatabaseKinds)('DeploymentRepository on %s', (kind) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });
  const open = async () => {
    database = await openTestDatabase(kind);
    return new DeploymentRepository(database.db);
  };

  it('creates version 1, then the next versions, each made live', async () => {
    const repo = await open();
    const first = await repo.publish(version('iris', 'a'));
    expect(first.created).toBe(true);
    expect(first.record.liveVersion).toBe(1);
    const second = await repo.publish(version('iris', 'b'));
    expect(second.created).toBe(false);
    expect(second.record.liveVersion).toBe(2);
    expect(second.record.live.artifactSha256).toBe('b');
    expect((await repo.versions('iris')).map((v) => v.version)).toEqual([2, 1]);
  });

  it('gives concurrent publishes of one name distinct consecutive versions', async () => {
    const repo = await open();
    await repo.publish(version('iris', 'a'));
    const results = await Promise.all(
      ['b', 'c', 'd'].map((sha) => repo.publish(version('iris', sha))),
    );
    expect(results.map((r) => r.record.live.version).sort()).toEqual([2, 3, 4]);
  });

  it('rolls back to an existing version and refuses an unknown one', async () => {
    const repo = await open();
    await repo.publish(version('iris', 'a'));
    await repo.publish(version('iris', 'b'));
    expect(await repo.setLive('iris', 1)).toBe(true);
    expect((await repo.get('iris'))?.live.artifactSha256).toBe('a');
    expect(await repo.setLive('iris', 9)).toBe(false);
    expect(await repo.setLive('nope', 1)).toBe(false);
  });

  it('finds the deployment of an invoke key hash', async () => {
    const repo = await open();
    await repo.publish(version('iris', 'a', { invokeKeyHash: 'h1' }));
    expect(await repo.deploymentForKeyHash('h1')).toBe('iris');
    expect(await repo.deploymentForKeyHash('h2')).toBeUndefined();
  });

  it('deletes everything of a deployment and reports the artifacts nobody uses', async () => {
    const repo = await open();
    const log = new InvocationRepository(database!.db);
    await repo.publish(version('one', 'shared'));
    await repo.publish(version('one', 'own'));
    await repo.publish(version('two', 'shared'));
    await log.insertMany([
      {
        id: crypto.randomUUID(),
        deploymentName: 'one',
        version: 1,
        time: new Date(),
        latencyMs: 1,
        status: 200,
        protocol: 'records',
        input: {},
        output: {},
        error: null,
      },
    ]);
    const result = await repo.delete('one');
    expect(result).toEqual({ deleted: true, orphanArtifacts: ['own'], runIds: [] });
    expect(await repo.get('one')).toBeUndefined();
    expect(await repo.deploymentForKeyHash('hash-one-shared')).toBeUndefined();
    expect(await log.recent('one', { limit: 10 })).toEqual([]);
    expect((await repo.list()).map((d) => d.name)).toEqual(['two']);
    expect(await repo.delete('one')).toEqual({ deleted: false, orphanArtifacts: [], runIds: [] });
  });
});

describe.each(testDatabaseKinds)('InvocationRepository on %s', (kind) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  it('computes counts, errors, percentiles and a per-minute series', async () => {
    database = await openTestDatabase(kind);
    const log = new InvocationRepository(database.db);
    const t0 = new Date('2026-11-22T10:00:10Z');
    const rows = Array.from({ length: 100 }, (_, i) => ({
      id: crypto.randomUUID(),
      deploymentName: 'iris',
      version: 1,
      time: new Date(t0.getTime() + (i < 60 ? 0 : 60_000)),
      latencyMs: i + 1,
      status: i % 10 === 0 ? 500 : i % 10 === 1 ? 400 : 200,
      protocol: 'records',
      input: { x: i },
      output: { y: i },
      error: null,
    }));
    await log.insertMany(rows);
    const m = await log.metrics(
      'iris',
      new Date('2026-11-22T09:00:00Z'),
      new Date('2026-11-22T11:00:00Z'),
    );
    expect(m.count).toBe(100);
    expect(m.errors).toBe(20);
    expect(m.serverErrors).toBe(10);
    expect(m.errorRate).toBeCloseTo(0.2);
    expect(m.latencyMs.p50).toBeCloseTo(50.5);
    expect(m.latencyMs.p99).toBeCloseTo(99.01);
    expect(m.series.map((p) => [p.minute, p.count])).toEqual([
      ['2026-11-22T10:00:00.000Z', 60],
      ['2026-11-22T10:01:00.000Z', 40],
    ]);
    const recent = await log.recent('iris', { limit: 3 });
    expect(recent).toHaveLength(3);
    expect(recent[0]!.time >= recent[2]!.time).toBe(true);
    const empty = await log.metrics('other', new Date(0), new Date());
    expect(empty).toMatchObject({ count: 0, errors: 0, errorRate: 0, series: [] });
    expect(empty.latencyMs.p50).toBeNull();
  });
});
