import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultPool, type PoolSpec } from '../src/pools/pool-spec.js';
import type { Format } from '../src/protocol/deployments.js';
import { defaultRuntimes } from '../src/runtimes/default-runtimes.js';
import { toyRuntimeFactory } from '../src/runtimes/testing/toy-runtime.js';
import type { ModelRuntime, RuntimeFactory } from '../src/runtimes/types.js';
import type { ReplicasView } from '../src/protocol/deployments.js';
import {
  publishForm,
  startTestGateway,
  toyModel,
  type TestGateway,
} from './support/test-gateway.js';

/** The shared lifecycle through the API: replicas, readiness, scale to zero, drain, bad settings. */
const machine = { memoryMb: 8192, gpus: [] };
const cpu: PoolSpec = { ...defaultPool('cpu', machine), maxReplicas: 10, memoryMb: 6144 };
/** A GPU pool on configured fake device ids: the placement without a GPU. */
const gpu: PoolSpec = { ...defaultPool('gpu', machine), devices: ['fake-0', 'fake-1'] };

describe('one lifecycle for every runtime', () => {
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.stop();
  });

  const publish = (name: string, pool: string, config: object = {}, model = toyModel()) =>
    gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name, pool, config: JSON.stringify(config) }, model),
    });
  const replicas = async (name: string): Promise<ReplicasView> =>
    (await gw.admin(`/api/deployments/${name}/replicas`)).json();
  const call = (name: string, key: string, body: object = { a: 1, b: 2 }) =>
    gw.app.request(`/fn/${name}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });

  it('lists each replica with its state, calls, pool and devices, and the settings it follows', async () => {
    gw = await startTestGateway({ config: { pools: [cpu, gpu] } });
    const res = await publish('g', 'gpu', { maxReplicas: 2, concurrency: 3 });
    expect(res.status).toBe(201);
    const view = await replicas('g');
    expect(view).toMatchObject({
      name: 'g',
      pool: 'gpu',
      status: 'ready',
      statusReason: null,
      // A toy (a test runtime) on gpu keeps none however idle: the default off cpu.
      lifecycle: { minReplicas: 0, maxReplicas: 2, concurrency: 3 },
      versions: [
        {
          version: 1,
          live: true,
          retiring: false,
          calls: 0,
          replicas: [{ id: 1, state: 'ready', calls: 0, pool: 'gpu', devices: ['fake-0'] }],
        },
      ],
    });
    expect(view.lifecycle.idleSeconds).toBe(900);
    expect((await gw.admin('/api/deployments/nope/replicas')).status).toBe(404);
  });

  it('scales to zero after idleSeconds; the next call starts a replica and says it was cold', async () => {
    gw = await startTestGateway({ config: { pools: [cpu, gpu] } });
    const res = await publish('z', 'gpu', { idleSeconds: 0.05 });
    const key = (await res.json()).invokeKey;
    await vi.waitFor(async () => expect((await replicas('z')).versions[0]!.replicas).toEqual([]), {
      timeout: 30_000,
      interval: 20,
    });
    // Its device went back to the pool with it.
    const pools = await (await gw.admin('/api/pools')).json();
    expect(pools.pools.find((p: { name: string }) => p.name === 'gpu').deployments).toEqual(['z']);
    const cold = await call('z', key);
    expect(cold.status).toBe(200);
    expect(await cold.json()).toMatchObject({ prediction: 3 });
    expect(cold.headers.get('x-slipway-cold-start')).toBe('true');
    const text = await (await gw.admin('/metrics')).text();
    expect(text).toMatch(/slipway_cold_starts_total\{deployment="z",version="1"\} 1/);
    // And in what the monitor reads.
    const { coldStarts } = await replicas('z');
    expect(coldStarts).toMatchObject({ count: 1 });
    expect(coldStarts.p50Ms).toBeGreaterThan(0);
  });

  it('readiness: a replica whose warm-up prediction fails never takes calls', async () => {
    gw = await startTestGateway({ config: { pools: [cpu, gpu] } });
    // config.warmup names the record: the toy refuses a = 0, so no replica is ever ready.
    const refused = await publish(
      'w',
      'cpu',
      { warmup: { a: 0, b: 1 } },
      toyModel({ failWhen: 0 }),
    );
    expect(refused.status).toBe(422);
    const { error } = await refused.json();
    expect(error.code).toBe('warmup_failed');
    expect(error.message).toContain('toy model refuses a=0');
    expect((await gw.admin('/api/deployments/w')).status).toBe(404);
    const ok = await publish('w', 'cpu', { warmup: { a: 1, b: 1 } }, toyModel({ failWhen: 0 }));
    expect(ok.status).toBe(201);
    expect((await ok.json()).warnings ?? []).toEqual([]);
  });

  it('readiness without config.warmup: a model that refuses the made-up record has answered, and the publisher is told', async () => {
    gw = await startTestGateway({ config: { pools: [cpu, gpu] } });
    // The record built from the signature sends a = 0, which this toy refuses.
    const res = await publish('e', 'cpu', {}, toyModel({ failWhen: 0 }));
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.warnings).toEqual([
      expect.stringContaining('set config.warmup to a record it answers'),
    ]);
    expect(body.warnings[0]).toContain('toy model refuses a=0');
    expect((await call('e', body.invokeKey)).status).toBe(200);
  });

  it('settings outside the pool’s limits are a 400 naming the field', async () => {
    gw = await startTestGateway({ config: { pools: [cpu, gpu] } });
    const cases: [object, string, RegExp][] = [
      [
        { minReplicas: 3, maxReplicas: 2 },
        'config.minReplicas',
        /3 is more than config.maxReplicas \(2\)/,
      ],
      [{ maxReplicas: 50 }, 'config.maxReplicas', /cpu pool runs at most 10 replicas/],
      [{ memoryMb: 7000 }, 'config.memoryMb', /at most 6144 MiB/],
      [{ concurrency: 0 }, 'config.concurrency', /expected|>=|too small/i],
      [{ idleSeconds: -1 }, 'config.idleSeconds', /expected|>|too small/i],
    ];
    for (const [config, field, message] of cases) {
      const res = await publish('bad', 'cpu', config);
      expect(res.status, JSON.stringify(config)).toBe(400);
      const { error } = await res.json();
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
    }
    // The same through PATCH.
    expect((await publish('good', 'cpu')).status).toBe(201);
    const patched = await gw.send('PATCH', '/api/deployments/good', {
      config: { minReplicas: 5, maxReplicas: 1 },
    });
    expect(patched.status).toBe(400);
    expect((await patched.json()).error.field).toBe('config.minReplicas');
    // More replicas kept than the GPU pool has devices for.
    const gpus = await publish('many', 'gpu', { minReplicas: 3 });
    expect(gpus.status).toBe(400);
    expect((await gpus.json()).error.message).toContain('the gpu pool has 2');
  });

  it('delete drains: a call under way finishes on its version, then its replicas stop', async () => {
    // A model whose calls end when the test opens the gate: "under way" by order, not by clock.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const gated: RuntimeFactory<ModelRuntime> = {
      format: 'gated' as Format,
      kind: 'model',
      detect: ({ filename }) => filename?.endsWith('.gated') ?? false,
      create: () => ({
        kind: 'model',
        format: 'gated' as Format,
        load: async () => {},
        signature: () => ({
          inputs: [{ name: 'a', type: 'float64', shape: [] }],
          outputs: [{ name: 'v', type: 'float64', shape: [] }],
        }),
        predict: async (records, options) => {
          if (!options.warmup) await gate;
          return records.map(() => ({ v: 1 }));
        },
        unload: async () => {},
      }),
    };
    gw = await startTestGateway({
      config: { pools: [cpu, gpu] },
      runtimes: (services) => [...defaultRuntimes(services), toyRuntimeFactory(), gated],
    });
    const res = await publish('slow', 'gpu', {}, { bytes: '{}', filename: 'm.gated' });
    const key = (await res.json()).invokeKey;
    const inFlight = call('slow', key, { a: 1 });
    await vi.waitFor(async () => expect((await replicas('slow')).versions[0]!.calls).toBe(1), {
      timeout: 30_000,
      interval: 10,
    });
    expect((await gw.admin('/api/deployments/slow', { method: 'DELETE' })).status).toBe(204);
    // Its replica, and so its device, is still held while the call runs.
    expect((await publish('next', 'gpu')).status).toBe(201);
    const devices = async (name: string) =>
      (await replicas(name)).versions[0]?.replicas.map((r) => r.devices);
    expect(await devices('next')).toEqual([['fake-1']]);
    open();
    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(await answered.json()).toMatchObject({ prediction: 1 });
    // Then its device is free again.
    await vi.waitFor(
      async () => {
        const res = await publish('other', 'gpu');
        expect(res.status).toBe(201);
      },
      { timeout: 30_000, interval: 20 },
    );
    expect(await devices('other')).toEqual([['fake-0']]);
  });
});
