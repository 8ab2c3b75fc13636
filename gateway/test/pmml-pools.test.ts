import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPool, type PoolSpec } from '../src/pools/pool-spec.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

/**
 * PMML off the cpu pool: on highmem a document is scored in a worker process of the pool (a
 * thread of an ONNX worker process of its own, its heap bounded by the replica's memory), with
 * the same answers as in the gateway process on cpu.
 */
const machine = { memoryMb: 8192, gpus: [] };
const cpu: PoolSpec = defaultPool('cpu', machine);
const highmem: PoolSpec = { ...defaultPool('highmem', machine), memoryMbPerReplica: 3001 };
const fixture = (file: string) => new URL(`./fixtures/pmml/${file}`, import.meta.url);

/** Command lines of this machine's processes that mention `text`. */
async function processesWith(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(text)) found.push(cmd.replace(/\0/g, ' '));
  }
  return found;
}

describe('PMML on a pool other than cpu', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ config: { pools: [cpu, highmem] } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const send = async (name: string, pool: string, config: object = {}) =>
    gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name, pool, config: JSON.stringify(config) },
        {
          bytes: await readFile(fixture('nyoka_decision_tree.pmml')),
          filename: 'nyoka_decision_tree.pmml',
        },
      ),
    });
  const publish = async (name: string, pool: string) => {
    const res = await send(name, pool);
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as { invokeKey: string };
  };
  const call = async (name: string, key: string, records: unknown[]) => {
    const res = await gw.app.request(`/fn/${name}`, {
      method: 'POST',
      body: JSON.stringify(records),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    return (await res.json()).predictions;
  };

  it('runs in a worker process of the pool, answering as in the gateway process', async () => {
    const { records } = JSON.parse(
      await readFile(fixture('nyoka_decision_tree.expected.json'), 'utf8'),
    ) as { records: unknown[] };
    const heapFlag = '--max-old-space-size=3001';
    expect(await processesWith(heapFlag)).toEqual([]);
    const inGateway = await publish('tree-cpu', 'cpu');
    const inWorker = await publish('tree-highmem', 'highmem');
    // A worker process with the replica's memory as its heap limit, for the highmem one only.
    const workers = await processesWith(heapFlag);
    expect(workers).toHaveLength(1);
    expect(workers[0]).toContain('onnx-worker');
    expect(await call('tree-highmem', inWorker.invokeKey, records)).toEqual(
      await call('tree-cpu', inGateway.invokeKey, records),
    );
    const view = await (await gw.admin('/api/deployments/tree-highmem/replicas')).json();
    expect(view.versions[0].replicas[0]).toMatchObject({ state: 'ready', pool: 'highmem' });
    // Deleting it stops that process.
    expect((await gw.admin('/api/deployments/tree-highmem', { method: 'DELETE' })).status).toBe(
      204,
    );
    await expect.poll(() => processesWith(heapFlag), { timeout: 30_000 }).toEqual([]);
  }, 120_000);

  it('in the worker too, a document past config.maxBytes is refused naming it', async () => {
    const res = await send('too-big', 'highmem', { maxBytes: 100 });
    expect(res.status).toBe(422);
    expect((await res.json()).error.message).toContain(
      'more than the limit of 100 (config.maxBytes)',
    );
  }, 60_000);
});
