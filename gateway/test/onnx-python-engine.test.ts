import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPool, type PoolSpec } from '../src/pools/pool-spec.js';
import { testPython } from './support/python.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

/**
 * ONNX through onnxruntime's Python package (`config.engine: python`, the gpu pool's engine):
 * the same files, the same records, the same answers as the gateway's onnxruntime-node path,
 * within 1e-5. Here both run on the CPU (no GPU on this machine); on a GPU machine the python
 * engine runs them through the CUDA execution provider (bench/RESULTS.md says where that ran).
 */
const MODELS = [
  'classifier_zipmap',
  'classifier_nozipmap',
  'regressor_gbr',
  'mixed_columns',
  'spark_logistic',
  'spark_random_forest',
];
const fixture = (file: string) => new URL(`./fixtures/onnx/${file}`, import.meta.url);
const machine = { memoryMb: 8192, gpus: [] };
const cpu: PoolSpec = defaultPool('cpu', machine);
const gpu: PoolSpec = { ...defaultPool('gpu', machine), devices: ['fake-0'] };

/** Numbers within `tolerance` (relative above 1), everything else equal. */
function close(a: unknown, b: unknown, tolerance = 1e-5): boolean {
  if (typeof a === 'number' && typeof b === 'number')
    return Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => close(x, b[i], tolerance));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return (
      close(ka, kb) &&
      ka.every((k) =>
        close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], tolerance),
      )
    );
  }
  return a === b;
}

describe('ONNX on the python engine (needs the worker venv)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ config: { python: await testPython(), pools: [cpu, gpu] } });
  }, 300_000);
  afterAll(async () => {
    await gw?.stop();
  });

  const publish = async (name: string, file: string, config: object, pool = 'cpu') =>
    gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name, pool, config: JSON.stringify(config) },
        { bytes: await readFile(fixture(`${file}.onnx`)), filename: `${file}.onnx` },
      ),
    });
  const call = async (name: string, key: string, records: unknown[]) => {
    const res = await gw.app.request(`/fn/${name}`, {
      method: 'POST',
      body: JSON.stringify(records),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()).predictions;
  };

  it.each(MODELS)(
    '%s: the same signature and answers as onnxruntime-node, within 1e-5',
    async (model) => {
      const { records } = JSON.parse(await readFile(fixture(`${model}.expected.json`), 'utf8')) as {
        records: unknown[];
      };
      const viaNode = await publish(`${model.replace(/_/g, '-')}-node`, model, {});
      const viaPython = await publish(`${model.replace(/_/g, '-')}-py`, model, {
        engine: 'python',
      });
      expect(viaNode.status).toBe(201);
      expect(viaPython.status, await viaPython.clone().text()).toBe(201);
      const node = await viaNode.json();
      const python = await viaPython.json();
      expect(python.signature).toEqual(node.signature);
      const a = await call(node.name, node.invokeKey, records);
      const b = await call(python.name, python.invokeKey, records);
      expect(a).toHaveLength(records.length);
      expect(close(a, b), `${JSON.stringify(a)}\n${JSON.stringify(b)}`).toBe(true);
    },
    180_000,
  );

  it('on the gpu pool, a worker whose onnxruntime has no CUDA provider is refused naming it, never run on the CPU', async () => {
    const res = await publish('on-gpu', 'classifier_nozipmap', {}, 'gpu');
    expect(res.status).toBe(422);
    const { error } = await res.json();
    expect(error.message).toContain('CUDAExecutionProvider is not available');
    expect(error.message).toContain('onnxruntime-gpu');
    expect((await gw.admin('/api/deployments/on-gpu')).status).toBe(404);
  }, 120_000);

  it('a bad engine is a 400 naming config.engine', async () => {
    const res = await publish('bad', 'classifier_nozipmap', { engine: 'cuda' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.field).toBe('config.engine');
  });
});
