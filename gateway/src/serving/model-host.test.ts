import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ArtifactStore } from '../artifacts/artifact-store.js';
import type { VersionRecord } from '../db/deployment-repository.js';
import { NotReadyError, UnusableArtifactError } from '../errors.js';
import type { Format } from '../protocol/deployments.js';
import { RuntimeRegistry } from '../runtimes/registry.js';
import type { ModelRuntime, RuntimeFactory } from '../runtimes/types.js';
import { ModelHost } from './model-host.js';

/** A model whose calls end when the test says so, and which records its unloads. */
function gatedModels() {
  const unloaded: number[] = [];
  const gates: (() => void)[] = [];
  const factory: RuntimeFactory<ModelRuntime> = {
    format: 'gated' as Format,
    kind: 'model',
    detect: () => false,
    create: (spec) => ({
      kind: 'model',
      format: 'gated' as Format,
      load: async () => {},
      signature: () => ({ inputs: [], outputs: [{ name: 'v', type: 'int64' }] }),
      // A replica's warm-up answers at once; calls wait for their gate.
      predict: (_records, options) =>
        options.warmup
          ? Promise.resolve([{ v: spec.version }])
          : new Promise((done) => gates.push(() => done([{ v: spec.version }]))),
      unload: async () => void unloaded.push(spec.version),
    }),
  };
  return { factory, unloaded, gates };
}

const version = (v: number): VersionRecord => ({
  deploymentName: 'm',
  version: v,
  format: 'gated' as Format,
  artifactSha256: 'a'.repeat(64),
  artifactSize: 1,
  filename: null,
  config: {},
  signature: { inputs: [], outputs: [] },
  stage: null,
  retrainRunId: null,
  gate: null,
  createdAt: new Date(),
});

describe('ModelHost: retiring a version', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-host-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('unloads a superseded version only once the calls using it are done', async () => {
    const { factory, unloaded, gates } = gatedModels();
    const host = new ModelHost(new RuntimeRegistry([factory]), new ArtifactStore(dir));
    const v1 = await host.acquire(version(1), 'cpu');
    const release = host.hold(v1);
    const call = (v1.runtime as ModelRuntime).predict([{}], { requestId: 'r' });
    await host.acquire(version(2), 'cpu');

    const retired = host.retire('m', 1);
    expect(host.peek('m', 1)).toBeUndefined();
    expect(host.loaded()).toEqual(
      expect.arrayContaining([{ name: 'm', version: 1, calls: 1, retiring: true }]),
    );
    expect(unloaded).toEqual([]);

    gates.shift()!();
    expect(await call).toEqual([{ v: 1 }]);
    release();
    await retired;
    expect(unloaded).toEqual([1]);
    expect(host.loaded()).toEqual([{ name: 'm', version: 2, calls: 0, retiring: false }]);
  });

  it('unloads at once a retired version no call is using, and loads it again when named', async () => {
    const { factory, unloaded } = gatedModels();
    const host = new ModelHost(new RuntimeRegistry([factory]), new ArtifactStore(dir));
    await host.acquire(version(1), 'cpu');
    await host.retire('m', 1);
    expect(unloaded).toEqual([1]);
    await host.retire('m', 1);
    expect(unloaded).toEqual([1]);
    expect((await host.acquire(version(1), 'cpu')).version).toBe(1);
  });

  it('a stopping gateway drains: close waits for calls under way, up to its deadline', async () => {
    const { factory, unloaded, gates } = gatedModels();
    const host = new ModelHost(new RuntimeRegistry([factory]), new ArtifactStore(dir));
    const v1 = await host.acquire(version(1), 'cpu');
    const release = host.hold(v1);
    const call = (v1.runtime as ModelRuntime).predict([{}], { requestId: 'r' });
    let drained = false;
    const draining = host.drain(60_000).then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    gates.shift()!();
    expect(await call).toEqual([{ v: 1 }]);
    release();
    await draining;
    expect(drained).toBe(true);
    await host.close();
    expect(unloaded).toEqual([1]);
    // A call that never ends does not hold the gateway past the deadline.
    const v2 = await host.acquire(version(2), 'cpu');
    host.hold(v2);
    await host.drain(1);
  });

  it('deleting a deployment retires its versions: an idle one now, a busy one once its call ends', async () => {
    const { factory, unloaded, gates } = gatedModels();
    const host = new ModelHost(new RuntimeRegistry([factory]), new ArtifactStore(dir));
    await host.acquire(version(1), 'cpu');
    const v2 = await host.acquire(version(2), 'cpu');
    const release = host.hold(v2);
    const call = (v2.runtime as ModelRuntime).predict([{}], { requestId: 'r' });
    await host.retireAll('m');
    expect(unloaded).toEqual([1]);
    gates.shift()!();
    expect(await call).toEqual([{ v: 2 }]);
    release();
    await vi.waitFor(() => expect(unloaded).toEqual([1, 2]));
  });

  it('a version whose replicas cannot start again is failed, with the reason', async () => {
    const { factory } = gatedModels();
    let starts = 0;
    const failing: RuntimeFactory<ModelRuntime> = {
      ...factory,
      create: (spec) => {
        const runtime = factory.create(spec);
        return {
          ...runtime,
          load: async () => {
            if (++starts > 1) throw new UnusableArtifactError('CUDA is not available here');
          },
        };
      },
    };
    const host = new ModelHost(new RuntimeRegistry([failing]), new ArtifactStore(dir));
    const served = await host.acquire({ ...version(1), config: { idleSeconds: 0.01 } }, 'cpu');
    expect(host.health('m', 1)).toEqual({ status: 'ready', reason: null });
    // Scaled to zero once idle; the next call cannot start a replica.
    await vi.waitFor(() => expect(host.replicas('m')[0]!.replicas).toEqual([]));
    const err = await (served.runtime as ModelRuntime)
      .predict([{}], { requestId: 'r' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotReadyError);
    expect((err as Error).message).toContain('CUDA is not available here');
    expect(host.health('m', 1)).toEqual({
      status: 'failed',
      reason: 'CUDA is not available here',
    });
  });
});
