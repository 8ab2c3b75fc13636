import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { testPython } from './support/python.js';
import { defaultPool, type PoolSpec } from '../src/pools/pool-spec.js';
import {
  publishForm,
  startTestGateway,
  toyModel,
  type TestGateway,
} from './support/test-gateway.js';

/** Pools through the management API: capacity, use, and what a publish that does not fit gets. */
const machine = { memoryMb: 8192, gpus: [] };
const cpu: PoolSpec = { ...defaultPool('cpu', machine), maxReplicas: 3, memoryMb: 6144 };
// No GPU here: the placement logic runs on configured fake device ids.
const gpu: PoolSpec = { ...defaultPool('gpu', machine), devices: ['fake-0', 'fake-1'] };

describe('pools', () => {
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.stop();
  });

  const publish = (name: string, pool: string, config: object = {}) =>
    gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name, pool, config: JSON.stringify(config) }, toyModel()),
    });

  it('GET /api/pools: capacity, what is used and free, and the deployments on each', async () => {
    gw = await startTestGateway({ config: { pools: [cpu, gpu] } });
    expect((await publish('small', 'cpu', { memoryMb: 1024 })).status).toBe(201);
    expect((await publish('default', 'cpu')).status).toBe(201);
    expect((await publish('on-gpu', 'gpu')).status).toBe(201);
    const { pools } = await (await gw.admin('/api/pools')).json();
    expect(pools).toEqual([
      {
        name: 'cpu',
        backend: 'local',
        capacity: {
          replicas: 3,
          memoryMb: 6144,
          gpus: 0,
          memoryMbPerReplica: 2048,
          gpusPerReplica: 0,
          cpuShares: 1024,
        },
        used: { replicas: 2, memoryMb: 1024, gpus: 0 },
        free: { replicas: 1, memoryMb: 5120, gpus: 0 },
        deployments: ['default', 'small'],
        status: 'available',
      },
      expect.objectContaining({
        name: 'gpu',
        used: { replicas: 1, memoryMb: 0, gpus: 1 },
        free: { replicas: 9999, memoryMb: 8192, gpus: 1 },
        deployments: ['on-gpu'],
      }),
    ]);
  });

  it('a publish the pool cannot hold now is a 409 naming the pool and what is free', async () => {
    gw = await startTestGateway({ config: { pools: [cpu, gpu] } });
    expect((await publish('a', 'cpu', { memoryMb: 4096 })).status).toBe(201);
    const res = await publish('b', 'cpu', { memoryMb: 3000 });
    expect(res.status).toBe(409);
    const { error } = await res.json();
    expect(error.code).toBe('pool_full');
    expect(error.message).toContain('cpu pool');
    expect(error.message).toContain('3000 MiB wanted, 2048 MiB free');
    // Nothing was made of it.
    expect((await gw.admin('/api/deployments/b')).status).toBe(404);
    // A new version of a deployment replaces what the old one held.
    expect((await publish('a', 'cpu', { memoryMb: 6000 })).status).toBe(201);
    // The devices run out as replicas take them.
    expect((await publish('g1', 'gpu')).status).toBe(201);
    expect((await publish('g2', 'gpu')).status).toBe(201);
    const full = await publish('g3', 'gpu');
    expect(full.status).toBe(409);
    expect((await full.json()).error.message).toContain('1 GPU device(s) wanted, 0 free');
    // A dry run says the same before anything is sent for good.
    const dry = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: 'g3', pool: 'gpu', dryRun: 'true' }, toyModel()),
    });
    expect(dry.status).toBe(409);
  });

  it('a gpu pool with no GPU on this machine is a 422 at publish, never a silent CPU', async () => {
    gw = await startTestGateway({ config: { pools: [cpu, defaultPool('gpu', machine)] } });
    const res = await publish('x', 'gpu');
    expect(res.status).toBe(422);
    const { error } = await res.json();
    expect(error).toMatchObject({ code: 'pool_unavailable' });
    expect(error.message).toContain('gpu pool has no GPU devices');
    // A pool the gateway does not have at all: 422 naming it.
    const none = await publish('y', 'highmem');
    expect(none.status).toBe(422);
    expect((await none.json()).error.message).toContain('no highmem pool');
  });
});

describe('cold starts', () => {
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.stop();
  });

  it('a call that waits for its version to load says so, and is counted and timed in /metrics', async () => {
    gw = await startTestGateway({ config: { pools: [cpu] } });
    const res = await publish('sum', 'cpu');
    const key = (await res.json()).invokeKey;
    const call = () =>
      gw.app.request('/fn/sum', {
        method: 'POST',
        body: JSON.stringify({ a: 1, b: 2 }),
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      });
    // Published, the version is loaded: warm.
    expect((await call()).headers.get('x-slipway-cold-start')).toBe('false');
    // Unloaded (as an idle version will be), the next call waits for the load.
    await gw.host.unload('sum');
    expect((await call()).headers.get('x-slipway-cold-start')).toBe('true');
    expect((await call()).headers.get('x-slipway-cold-start')).toBe('false');
    const text = await (await gw.admin('/metrics')).text();
    expect(text).toMatch(/slipway_cold_starts_total\{deployment="sum",version="1"\} 1/);
    expect(text).toMatch(/slipway_cold_start_seconds_count\{deployment="sum",version="1"\} 1/);
  });

  async function publish(name: string, pool: string) {
    return gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name, pool }, toyModel()),
    });
  }
});

describe('an ONNX deployment’s own worker process', () => {
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.stop();
  });

  it('runs at its pool’s CPU weight', async () => {
    gw = await startTestGateway({ config: { pools: [{ ...cpu, cpuShares: 335 }] } });
    const bytes = await readFile(new URL('./fixtures/onnx/regressor_gbr.onnx', import.meta.url));
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: 'reg' }, { bytes, filename: 'reg.onnx' }),
    });
    expect(res.status).toBe(201);
    const key = (await res.json()).invokeKey;
    const call = await gw.app.request('/fn/reg', {
      method: 'POST',
      body: JSON.stringify({ X: [-1.86, -1.91, -0.6, -1.12, 0.85, 1.49] }),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
    expect(call.status).toBe(200);
    // This test file's process (vitest forks one per file) is the worker's parent.
    const workers = execFileSync('ps', ['-o', 'ni=,args=', '--ppid', String(process.pid)], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter((line) => line.includes('onnx-worker'));
    expect(workers.length).toBeGreaterThan(0);
    // A CPU weight of 335 is nice 5.
    for (const line of workers) expect(line.trim().split(/\s+/)[0]).toBe('5');
  });
});

describe('per-format defaults of a pool', () => {
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.stop();
  });

  it('are a deployment’s config where its own says nothing, stored with the version', async () => {
    const strict = { ...cpu, formats: { pmml: { unknownFields: 'reject' } } };
    gw = await startTestGateway({ config: { pools: [strict] } });
    const pmml = await readFile(
      new URL('./fixtures/pmml/hand_anomaly_cluster.pmml', import.meta.url),
    );
    const file = { bytes: pmml, filename: 'cluster.pmml' };
    const keys: Record<string, string> = {};
    for (const [name, config] of [
      ['strict', {}],
      ['own', { unknownFields: 'ignore' }],
    ] as const) {
      const res = await gw.admin('/api/deployments', {
        method: 'POST',
        body: publishForm({ name, pool: 'cpu', config: JSON.stringify(config) }, file),
      });
      expect(res.status).toBe(201);
      keys[name] = (await res.json()).invokeKey;
    }
    const record = {
      sepal_length: 5.1,
      sepal_width: 3.5,
      petal_length: 1.4,
      petal_width: 0.2,
      extra: 1,
    };
    const call = (name: string) =>
      gw.app.request(`/fn/${name}`, {
        method: 'POST',
        body: JSON.stringify(record),
        headers: { authorization: `Bearer ${keys[name]}`, 'content-type': 'application/json' },
      });
    // Models ignore unknown fields by default; this pool's default for PMML refuses them.
    const refused = await call('strict');
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.message).toContain('extra');
    // The deployment's own config wins over the pool's.
    expect((await call('own')).status).toBe(200);
  });
});

const python = await testPython();

/** A notebook that prints what its kernel sees in CUDA_VISIBLE_DEVICES, and its nice value. */
const devicesNotebook = JSON.stringify({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  cells: [
    {
      cell_type: 'code',
      id: 'devices',
      metadata: { tags: ['output'] },
      source: "import os\nprint(os.environ.get('CUDA_VISIBLE_DEVICES', 'not set'), os.nice(0))",
      execution_count: null,
      outputs: [],
    },
  ],
});

describe.skipIf(!python)('placement on the local backend (needs the worker venv)', () => {
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.stop();
  });

  const publish = async (
    name: string,
    pool: string,
    file: { bytes: Uint8Array | string; filename: string },
    config: object = {},
  ) => {
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name, pool, config: JSON.stringify(config) }, file),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    return body.invokeKey as string;
  };
  const call = async (name: string, key: string, body: unknown) => {
    const res = await gw.app.request(`/fn/${name}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
    const answer = await res.json();
    expect(res.status, JSON.stringify(answer)).toBe(200);
    return answer;
  };

  it('a notebook’s kernels see the GPU devices of their replica and only those, at its CPU weight', async () => {
    // A CPU weight of 335 is nice 5 (the kernel's weight table).
    gw = await startTestGateway({ config: { python, pools: [{ ...cpu, cpuShares: 335 }, gpu] } });
    const nb = { bytes: devicesNotebook, filename: 'devices.ipynb' };
    const keys = {
      a: await publish('a', 'gpu', nb),
      b: await publish('b', 'gpu', nb),
      c: await publish('c', 'cpu', nb),
    };
    expect((await call('a', keys.a, {})).outputs).toEqual(['fake-0 0\n']);
    expect((await call('b', keys.b, {})).outputs).toEqual(['fake-1 0\n']);
    // A replica on a pool without GPUs sees none at all.
    expect((await call('c', keys.c, {})).outputs).toEqual([' 5\n']);
    // The devices come back when the replica stops: a deployment deleted, another placed.
    expect((await gw.admin('/api/deployments/a', { method: 'DELETE' })).status).toBe(204);
    const d = await publish('d', 'gpu', nb);
    expect((await call('d', d, {})).outputs).toEqual(['fake-0 0\n']);
  });

  it('a pickle’s worker sees the GPU devices of its replica, at its CPU weight', async () => {
    gw = await startTestGateway({ config: { python, pools: [cpu, { ...gpu, cpuShares: 335 }] } });
    const bytes = await readFile(new URL('./fixtures/pickle/decision_tree.pkl', import.meta.url));
    const predict =
      "import os\ndef predict(model, data):\n    return [f\"{os.environ.get('CUDA_VISIBLE_DEVICES', 'not set')} {os.nice(0)}\"] * len(data)";
    const key = await publish('tree', 'gpu', { bytes, filename: 'model.pkl' }, { predict });
    const record = { age: 40, income: 20000, city: 'nice', plan: 'basic' };
    expect((await call('tree', key, record)).prediction).toBe('fake-0 5');
  });
});
