import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedTestDatabase } from './support/databases.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

const toy = (over: object = {}): { bytes: Uint8Array | string; filename: string } => ({
  bytes: JSON.stringify({ toy: 'sum', ...over }),
  filename: 'm.toy.json',
});

const database = sharedTestDatabase();
let gw: TestGateway;
beforeEach(async () => {
  gw = await startTestGateway({ database: database() });
});
afterEach(async () => {
  await gw.stop();
});

async function publish(fields: Record<string, string>, file = toy()) {
  return gw.admin('/api/deployments', { method: 'POST', body: publishForm(fields, file) });
}

describe('health', () => {
  it('answers without a token with the database kind and version', async () => {
    const res = await gw.app.request('/api/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      database: gw.database.kind,
      version: '0.0.0-test',
    });
  });
});

describe('auth', () => {
  it.each([
    ['GET', '/api/deployments'],
    ['GET', '/api/deployments/x'],
    ['DELETE', '/api/deployments/x'],
    ['POST', '/api/deployments/x/rollback'],
    ['GET', '/api/deployments/x/metrics'],
    ['GET', '/api/deployments/x/invocations'],
    ['GET', '/api/pools'],
    ['GET', '/api/openapi.json'],
    ['GET', '/api/docs'],
  ])('%s %s needs the admin token', async (method, path) => {
    for (const authorization of [undefined, 'Bearer wrong-token', 'Basic abc']) {
      const headers: Record<string, string> = authorization ? { authorization } : {};
      const res = await gw.app.request(path, { method, headers });
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('unauthorized');
    }
  });

  it('refuses an invoke key on the management API', async () => {
    const { invokeKey } = await (await publish({ name: 'sum' })).json();
    const res = await gw.app.request('/api/deployments', {
      headers: { authorization: `Bearer ${invokeKey}` },
    });
    expect(res.status).toBe(401);
  });
});

describe('publish', () => {
  it('creates version 1 with a key shown once, a signature, a URL and a curl command', async () => {
    const res = await publish({ name: 'sum' });
    expect(res.status).toBe(201);
    const d = await res.json();
    expect(d).toMatchObject({
      name: 'sum',
      version: 1,
      format: 'toy',
      pool: 'cpu',
      status: 'ready',
      public: false,
      invokeUrl: 'http://slipway.test/fn/sum',
    });
    expect(d.invokeKey).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(d.signature.inputs.map((f: { name: string }) => f.name)).toEqual(['a', 'b']);
    expect(d.curl).toContain(`Authorization: Bearer ${d.invokeKey}`);
    expect(d.curl).toContain('-d \'{"a":0,"b":0}\'');
    const again = await (await gw.admin('/api/deployments/sum')).json();
    expect(again.invokeKey).toBeUndefined();
    expect(again.curl).toContain('$SLIPWAY_KEY');
  });

  it('makes the same name the next version, live, without a new key', async () => {
    await publish({ name: 'sum' });
    const res = await publish({ name: 'sum' }, toy({ delayMs: 1 }));
    expect(res.status).toBe(201);
    const d = await res.json();
    expect(d.version).toBe(2);
    expect(d.invokeKey).toBeUndefined();
    const detail = await (await gw.admin('/api/deployments/sum')).json();
    expect(
      detail.versions.map((v: { version: number; live: boolean }) => [v.version, v.live]),
    ).toEqual([
      [2, true],
      [1, false],
    ]);
  });

  it.each([
    [{ name: 'Bad_Name' }, 'name'],
    [{ name: '-x' }, 'name'],
    [{ name: 'a'.repeat(64) }, 'name'],
    [{ name: 'ok', pool: 'tpu' }, 'pool'],
    [{ name: 'ok', format: 'tflite' }, 'format'],
    [{ name: 'ok', config: '[1]' }, 'config'],
    [{ name: 'ok', config: '{nope' }, 'config'],
    [{ name: 'ok', public: 'yes' }, 'public'],
  ])('refuses %j with 400 naming %s', async (fields, field) => {
    const res = await publish(fields);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.field).toBe(field);
    expect(body.error.message).toContain(field);
  });

  it('refuses a missing file with 400 naming file', async () => {
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: 'sum' }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.field).toBe('file');
  });

  it('refuses a body that is not multipart', async () => {
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect([400, 415]).toContain(res.status);
    expect((await res.json()).error).toBeDefined();
  });

  it('answers 422 for a pool this gateway does not have, and creates nothing', async () => {
    const res = await publish({ name: 'sum', pool: 'gpu' });
    expect(res.status).toBe(422);
    expect((await res.json()).error.code).toBe('pool_unavailable');
    expect((await (await gw.admin('/api/deployments')).json()).deployments).toEqual([]);
  });

  it('answers 422 for an unusable artifact and leaves no row and no file behind', async () => {
    const res = await publish({ name: 'sum' }, { bytes: '{"toy":"nope"}', filename: 'm.toy.json' });
    expect(res.status).toBe(422);
    expect((await res.json()).error.message).toContain('not a toy model');
    expect((await gw.admin('/api/deployments/sum')).status).toBe(404);
    expect(await readdir(join(gw.dataDir, 'artifacts'))).toEqual([]);
  });

  it('leaves no file behind when a runtime refuses its config as it is made', async () => {
    const notebook = await readFile(
      new URL('./fixtures/notebooks/typed.ipynb', import.meta.url),
      'utf8',
    );
    const res = await publish(
      { name: 'typed', config: '{"timeoutSeconds": -1}' },
      { bytes: notebook, filename: 'typed.ipynb' },
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await res.json()).error.message).toContain('timeoutSeconds');
    expect((await gw.admin('/api/deployments/typed')).status).toBe(404);
    expect(await readdir(join(gw.dataDir, 'artifacts'))).toEqual([]);
  });

  it('answers 422 naming the formats when it cannot tell the format', async () => {
    const res = await publish({ name: 'sum' }, { bytes: 'hello', filename: 'notes.txt' });
    expect(res.status).toBe(422);
    expect((await res.json()).error.message).toMatch(/format=/);
  });

  it('answers 413 for an upload over the limit', async () => {
    const big = new Uint8Array(9 * 1024 * 1024);
    const res = await publish({ name: 'big' }, { bytes: big, filename: 'm.toy.json' });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('too_large');
    expect(await readdir(join(gw.dataDir, 'artifacts'))).toEqual([]);
  });

  it('stores identical artifacts once', async () => {
    await publish({ name: 'one' });
    await publish({ name: 'two' });
    expect(await readdir(join(gw.dataDir, 'artifacts'))).toHaveLength(1);
  });
});

describe('list, get, rollback, delete', () => {
  it('lists deployments and answers 404 for an unknown one', async () => {
    await publish({ name: 'b' });
    await publish({ name: 'a' });
    const { deployments } = await (await gw.admin('/api/deployments')).json();
    expect(deployments.map((d: { name: string }) => d.name)).toEqual(['a', 'b']);
    const res = await gw.admin('/api/deployments/nope');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
  });

  it('rolls back to an earlier version, which then answers', async () => {
    const { invokeKey } = await (await publish({ name: 'sum' })).json();
    await publish({ name: 'sum' }, toy({ failWhen: 1 }));
    const call = () =>
      gw.app.request('/fn/sum', {
        method: 'POST',
        body: '{"a":1,"b":2}',
        headers: { authorization: `Bearer ${invokeKey}`, 'content-type': 'application/json' },
      });
    expect((await call()).status).toBe(500);
    const res = await gw.admin('/api/deployments/sum/rollback', {
      method: 'POST',
      body: '{"version":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect((await res.json()).version).toBe(1);
    const ok = await call();
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ version: 1, prediction: 3 });
  });

  it('refuses a rollback to an unknown version (404) or a bad one (400)', async () => {
    await publish({ name: 'sum' });
    const post = (body: string) =>
      gw.admin('/api/deployments/sum/rollback', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
    expect((await post('{"version":7}')).status).toBe(404);
    const bad = await post('{"version":"one"}');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.field).toBe('version');
    expect(
      (
        await gw.admin('/api/deployments/nope/rollback', {
          method: 'POST',
          body: '{"version":1}',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(404);
  });

  it('deletes a deployment with its key and files', async () => {
    const { invokeKey } = await (await publish({ name: 'sum' })).json();
    expect((await gw.admin('/api/deployments/sum', { method: 'DELETE' })).status).toBe(204);
    expect((await gw.admin('/api/deployments/sum')).status).toBe(404);
    expect((await gw.admin('/api/deployments/sum', { method: 'DELETE' })).status).toBe(404);
    expect(await readdir(join(gw.dataDir, 'artifacts'))).toEqual([]);
    const res = await gw.app.request('/fn/sum', {
      method: 'POST',
      body: '{"a":1,"b":2}',
      headers: { authorization: `Bearer ${invokeKey}` },
    });
    expect(res.status).toBe(401);
  });
});

describe('pools and docs', () => {
  it('lists the configured pools', async () => {
    await publish({ name: 'sum' });
    expect(await (await gw.admin('/api/pools')).json()).toEqual({
      pools: [{ name: 'cpu', backend: 'local', deployments: 1 }],
    });
  });

  it('serves an OpenAPI 3 document covering the management API and the data plane', async () => {
    const doc = await (await gw.admin('/api/openapi.json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/deployments',
      '/api/deployments/{name}',
      '/api/deployments/{name}/rollback',
      '/api/deployments/{name}/metrics',
      '/api/deployments/{name}/invocations',
      '/api/health',
      '/fn/{name}',
      '/v2/models/{name}/infer',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(
      doc.paths['/api/deployments'].post.requestBody.content['multipart/form-data'],
    ).toBeDefined();
  });

  it('serves the interactive docs page, token in the query', async () => {
    const res = await gw.app.request('/api/docs?token=sa_test-admin-token-0123456789');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('SwaggerUI');
    expect(html).toContain('/api/openapi.json?token=');
  });
});
