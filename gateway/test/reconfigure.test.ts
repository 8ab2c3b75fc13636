import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPool } from '../src/pools/pool-spec.js';
import {
  publishForm,
  startTestGateway,
  toyModel,
  type TestGateway,
} from './support/test-gateway.js';

/** PATCH /api/deployments/:name: settings changed after publish, as a new version of the same file. */
describe('changing a deployment’s settings after publish', () => {
  let gw: TestGateway;
  let key: string;
  const pool = { ...defaultPool('cpu', { memoryMb: 8192, gpus: [] }), memoryMb: 4096 };

  beforeAll(async () => {
    gw = await startTestGateway({ config: { pools: [pool] } });
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: 'sum', config: JSON.stringify({ timeoutSeconds: 5 }) }, toyModel()),
    });
    expect(res.status).toBe(201);
    key = (await res.json()).invokeKey;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const patch = (body: unknown, name = 'sum') => gw.send('PATCH', `/api/deployments/${name}`, body);
  const call = () =>
    gw.app.request('/fn/sum', {
      method: 'POST',
      body: JSON.stringify({ a: 1, b: 2 }),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
  const held = async () => {
    const { pools } = await (await gw.admin('/api/pools')).json();
    return pools[0].used.memoryMb as number;
  };

  it('makes a new version of the same file live, with the settings over the old ones', async () => {
    expect(await held()).toBe(0);
    const res = await patch({ config: { memoryMb: 512 } });
    expect(res.status).toBe(200);
    const detail = await res.json();
    expect(detail.version).toBe(2);
    expect(detail.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(
      new Set(detail.versions.map((v: { artifactSha256: string }) => v.artifactSha256)).size,
    ).toBe(1);
    // What the deployment holds of its pool follows its settings.
    expect(await held()).toBe(512);
    const answer = await call();
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-slipway-version')).toBe('2');
    // null removes a setting: back to asking for none.
    expect((await patch({ config: { memoryMb: null } })).status).toBe(200);
    expect(await held()).toBe(0);
  });

  it('refuses a bad setting with 400 naming it, and a pool that cannot hold it, making nothing', async () => {
    const before = (await (await gw.admin('/api/deployments/sum')).json()).version;
    const bad = await patch({ config: { timeoutSeconds: -1 } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.field).toBe('config.timeoutSeconds');
    const tooBig = await patch({ config: { memoryMb: 8000 } });
    expect(tooBig.status).toBe(400);
    expect((await tooBig.json()).error.field).toBe('config.memoryMb');
    const notAnObject = await patch({ config: 'fast' });
    expect(notAnObject.status).toBe(400);
    // What the database cannot store (found by schemathesis: a 500 before).
    const unstorable = await patch({ config: { note: 'a\ud800b' } });
    expect(unstorable.status).toBe(400);
    expect((await unstorable.json()).error.field).toBe('config.note');
    expect((await (await gw.admin('/api/deployments/sum')).json()).version).toBe(before);
    expect((await patch({ config: {} }, 'nope')).status).toBe(404);
  });
});
