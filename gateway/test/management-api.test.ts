import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedTestDatabase } from './support/databases.js';
import {
  publishForm,
  startTestGateway,
  toyModel,
  type TestGateway,
} from './support/test-gateway.js';

const toy = toyModel;

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

  it('bounds every integer it takes by its column (int4), answering 400, never 500', async () => {
    const { invokeKey } = await (await publish({ name: 'sum' })).json();
    const json = { 'content-type': 'application/json' };
    const rollback = (version: number) =>
      gw.admin('/api/deployments/sum/rollback', {
        method: 'POST',
        body: JSON.stringify({ version }),
        headers: json,
      });
    const tooBig = await rollback(2147483648);
    expect(tooBig.status).toBe(400);
    expect((await tooBig.json()).error.field).toBe('version');
    expect((await rollback(2147483647)).status).toBe(404);
    expect((await rollback(1.5)).status).toBe(400);

    const metrics = (q: string) => gw.admin(`/api/deployments/sum/metrics?${q}`);
    expect((await metrics('version=2147483648')).status).toBe(400);
    const top = await metrics('version=2147483647');
    expect(top.status).toBe(200);
    expect((await top.json()).count).toBe(0);
    expect((await gw.admin('/api/deployments/sum/invocations?limit=1001')).status).toBe(400);
    expect((await gw.admin('/api/deployments/sum/invocations?limit=2147483648')).status).toBe(400);

    // The versioned Open Inference Protocol routes: the data plane bounds the version, after
    // the caller is known (a stranger gets 401 whatever the version).
    const oip = (path: string, authorization?: string) =>
      gw.app.request(path, {
        method: path.endsWith('/infer') ? 'POST' : 'GET',
        body: path.endsWith('/infer') ? '{"inputs":[]}' : undefined,
        headers: { ...json, ...(authorization ? { authorization } : {}) },
      });
    for (const path of [
      '/v2/models/sum/versions/2147483648/infer',
      '/v2/models/sum/versions/2147483648',
      '/v2/models/sum/versions/1.0',
      '/v2/models/sum/versions/0x1/infer',
    ]) {
      expect((await oip(path, `Bearer ${invokeKey}`)).status, path).toBe(400);
      expect((await oip(path)).status, path).toBe(401);
    }
    expect((await oip('/v2/models/sum/versions/2147483647', `Bearer ${invokeKey}`)).status).toBe(
      404,
    );
  });

  it('takes any RFC 3339 time in a query, also those outside the years the database stores', async () => {
    await publish({ name: 'sum' });
    for (const q of [
      'before=0000-01-01T00:00:00Z',
      'before=0001-01-01T00:00:00%2B01:00',
      'before=9999-12-31T23:59:59-23:59',
    ]) {
      const res = await gw.admin(`/api/deployments/sum/invocations?${q}`);
      expect(res.status, q).toBe(200);
      expect((await res.json()).invocations).toEqual([]);
    }
    for (const q of [
      'from=0000-01-01T00:00:00Z&to=0000-06-01T00:00:00Z',
      'from=9999-12-31T00:00:00Z&to=9999-12-31T23:59:59-23:59',
    ]) {
      const res = await gw.admin(`/api/deployments/sum/metrics?${q}`);
      expect(res.status, q).toBe(200);
      const body = await res.json();
      expect(body.count).toBe(0);
      // The window as asked for.
      expect(body.from).toBe(new Date(new URLSearchParams(q).get('from')!).toISOString());
    }
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
  it('lists the configured pools with the deployments on them', async () => {
    await publish({ name: 'sum' });
    const { pools } = await (await gw.admin('/api/pools')).json();
    expect(pools).toMatchObject([{ name: 'cpu', backend: 'local', deployments: ['sum'] }]);
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

  it('documents every route the gateway serves, with 401 wherever a token is needed', async () => {
    const doc = await (await gw.admin('/api/openapi.json')).json();
    const paths = Object.keys(doc.paths);
    for (const path of [
      '/v2/models/{name}',
      '/v2/models/{name}/ready',
      '/v2/models/{name}/versions/{version}',
      '/v2/models/{name}/versions/{version}/infer',
      '/fn/{name}/invocations',
      '/api/deployments/{name}/runs/{id}',
      '/api/deployments/{name}/runs/{id}/notebook',
      '/fn/{name}/runs/{id}',
      '/fn/{name}/runs/{id}/notebook',
      '/api/pools',
      '/fn/{name}/feedback',
      '/api/deployments/{name}/feedback',
      '/api/deployments/{name}/quality',
      '/api/deployments/{name}/reference',
      '/api/deployments/{name}/drift',
      '/api/deployments/{name}/monitoring',
      '/api/deployments/{name}/alert-rules',
      '/api/deployments/{name}/alert-rules/{id}',
      '/api/deployments/{name}/alerts',
      '/api/events',
      '/metrics',
    ])
      expect(paths).toContain(path);
    for (const [path, operations] of Object.entries(doc.paths) as [string, object][])
      for (const [method, op] of Object.entries(operations) as [
        string,
        { security?: unknown[]; responses: Record<string, unknown> },
      ][])
        if (path !== '/api/health') {
          expect(op.security, `${method} ${path}`).toEqual([{ bearer: [] }]);
          expect(Object.keys(op.responses), `${method} ${path}`).toContain('401');
        }
    // Integers carry their column's bounds; names their pattern.
    const rollback = doc.paths['/api/deployments/{name}/rollback'].post;
    const version = rollback.requestBody.content['application/json'].schema.properties.version;
    expect(version).toMatchObject({ type: 'integer', minimum: 1, maximum: 2147483647 });
    expect(rollback.parameters[0].schema.pattern).toBe('^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$');
    const versioned = doc.paths['/v2/models/{name}/versions/{version}'].get.parameters;
    expect(versioned.find((p: { name: string }) => p.name === 'version').schema).toMatchObject({
      type: 'integer',
      maximum: 2147483647,
    });
  });

  it('serves the interactive docs page, token in the query', async () => {
    const res = await gw.app.request('/api/docs?token=sa_test-admin-token-0123456789');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('SwaggerUI');
    expect(html).toContain('/api/openapi.json?token=');
  });
});

describe('the publish form’s bounds', () => {
  it('takes fields it ignores up to 24 parts in all, and refuses more with 413', async () => {
    const extras = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`extra${i}`, 'x']));
    // The file, name, and 22 fields of the client's own: 24 parts.
    expect((await publish({ name: 'm', ...extras(22) })).status).toBe(201);
    const res = await publish({ name: 'm', ...extras(23) });
    expect(res.status).toBe(413);
    expect((await res.json()).error.message).toBe('the form has more than 24 parts');
  });
});
