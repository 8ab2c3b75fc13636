import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedTestDatabase } from './support/databases.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

const database = sharedTestDatabase();
let gw: TestGateway;
/** What the split's random draws return next; each test sets its own source. */
let draw: () => number = () => 0;

beforeEach(async () => {
  draw = () => 0;
  gw = await startTestGateway({ database: database(), random: () => draw() });
  // Versions 1, 2 and 3 of one toy model; 3 is live.
  for (let i = 0; i < 3; i++) await publish('m', `{"toy":"sum","delayMs":${i}}`);
});
afterEach(async () => {
  await gw.stop();
});

async function publish(name: string, artifact = '{"toy":"sum"}') {
  const res = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm({ name }, { bytes: artifact, filename: 'm.toy.json' }),
  });
  expect(res.status).toBe(201);
  return res.json();
}

const send = (method: string, path: string, body?: unknown) => gw.send(method, path, body);

const call = (headers: Record<string, string> = {}, path = '/fn/m') =>
  gw.admin(path, {
    method: 'POST',
    body: '{"a":1,"b":2}',
    headers: { 'content-type': 'application/json', ...headers },
  });

/** Every logged call of `m` by id (the route flushes the log first). */
async function loggedVersions(): Promise<Map<string, { version: number; protocol: string }>> {
  const body = await (await gw.admin('/api/deployments/m/invocations?limit=1000')).json();
  return new Map(
    body.invocations.map((r: { id: string; version: number; protocol: string }) => [r.id, r]),
  );
}

/** A source cycling through the 100 buckets in order: exact proportions over 100 calls. */
function everyBucket(): () => number {
  let i = 0;
  return () => ((i++ % 100) + 0.5) / 100;
}

describe('PUT/GET/DELETE /api/deployments/:name/traffic', () => {
  it('stores a split, answers it, shows it in the detail, and clears it', async () => {
    const put = await send('PUT', '/api/deployments/m/traffic', {
      '2': 90,
      '3': 10,
      sticky: 'X-User-Id',
    });
    expect(put.status).toBe(200);
    const expected = {
      name: 'm',
      liveVersion: 3,
      split: { '2': 90, '3': 10 },
      sticky: 'x-user-id',
    };
    expect(await put.json()).toEqual(expected);
    expect(await (await gw.admin('/api/deployments/m/traffic')).json()).toEqual(expected);
    const detail = await (await gw.admin('/api/deployments/m')).json();
    expect(detail.traffic).toEqual({ split: { '2': 90, '3': 10 }, sticky: 'x-user-id' });
    expect(detail.shadow).toBeNull();

    const del = await send('DELETE', '/api/deployments/m/traffic');
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ name: 'm', liveVersion: 3, split: null, sticky: null });
    expect((await (await gw.admin('/api/deployments/m')).json()).traffic).toBeNull();
  });

  it.each([
    [{ '2': 50, '3': 40 }, /sum to 90, not 100/],
    [{ '2': 60, '3': 60 }, /sum to 120, not 100/],
    [{ '3': 50, '7': 50, '9': 0 }, /unknown versions 7, 9 \(deployment m has 1, 2, 3\)/],
    [{ '8': 50, '3': 40 }, /unknown version 8 .*; the percentages sum to 90/],
    [{}, /at least one version/],
    [{ abc: 100 }, /abc: expected a version number/],
    [{ '02': 100 }, /02: expected a version number/],
    [{ '0': 100 }, /0: expected a version number/],
    [{ '2': 50.5, '3': 49.5 }, /^2: /],
    [{ '2': 101 }, /^2: /],
    [{ '2': '100' }, /^2: /],
    [{ '3': 100, sticky: 'x user' }, /sticky: expected a request header name/],
    [{ '3': 100, sticky: '' }, /sticky: expected a request header name/],
    [{ '3': 100, sticky: 5 }, /sticky/],
  ])('refuses %j with 400 saying why', async (body, message) => {
    const res = await send('PUT', '/api/deployments/m/traffic', body);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(message);
    // Nothing was stored.
    expect((await (await gw.admin('/api/deployments/m/traffic')).json()).split).toBeNull();
  });

  it('answers 404 for an unknown deployment and 401 without the admin token', async () => {
    expect((await send('PUT', '/api/deployments/nope/traffic', { '1': 100 })).status).toBe(404);
    expect((await gw.admin('/api/deployments/nope/traffic')).status).toBe(404);
    expect((await send('DELETE', '/api/deployments/nope/shadow')).status).toBe(404);
    for (const [method, path] of [
      ['GET', '/api/deployments/m/traffic'],
      ['PUT', '/api/deployments/m/traffic'],
      ['DELETE', '/api/deployments/m/traffic'],
      ['GET', '/api/deployments/m/shadow'],
      ['PUT', '/api/deployments/m/shadow'],
      ['DELETE', '/api/deployments/m/shadow'],
    ] as const) {
      const res = await gw.app.request(path, { method });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  it('is in the OpenAPI document with its 400, 401 and 404 answers', async () => {
    const doc = await (await gw.admin('/api/openapi.json')).json();
    for (const path of ['/api/deployments/{name}/traffic', '/api/deployments/{name}/shadow'])
      for (const method of ['get', 'put', 'delete']) {
        const op = doc.paths[path]?.[method];
        expect(op, `${method} ${path}`).toBeDefined();
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '401', '404']));
      }
    const body =
      doc.paths['/api/deployments/{name}/traffic'].put.requestBody.content['application/json']
        .schema;
    expect(body.additionalProperties).toBeTruthy();
  });
});

describe('PUT/GET/DELETE /api/deployments/:name/shadow', () => {
  it('stores a shadow, shows it in the detail, and stops it', async () => {
    const put = await send('PUT', '/api/deployments/m/shadow', { version: 2 });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({
      name: 'm',
      liveVersion: 3,
      version: 2,
      sent: 0,
      dropped: 0,
      inFlight: 0,
    });
    expect((await (await gw.admin('/api/deployments/m')).json()).shadow).toEqual({ version: 2 });
    expect((await (await gw.admin('/api/deployments/m/shadow')).json()).version).toBe(2);
    const del = await send('DELETE', '/api/deployments/m/shadow');
    expect((await del.json()).version).toBeNull();
    expect((await (await gw.admin('/api/deployments/m')).json()).shadow).toBeNull();
  });

  it.each([
    [{ version: 9 }, 'unknown_version', /unknown version 9 \(deployment m has 1, 2, 3\)/],
    [{ version: 3 }, 'shadow_is_live', /3 is the live version/],
    [{ version: 0 }, 'invalid_input', /version/],
    [{ version: '2' }, 'invalid_input', /version/],
    [{}, 'invalid_input', /version/],
  ])('refuses %j with 400 (%s)', async (body, code, message) => {
    const res = await send('PUT', '/api/deployments/m/shadow', body);
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect((await (await gw.admin('/api/deployments/m/shadow')).json()).version).toBeNull();
  });
});

describe('a change of live version', () => {
  beforeEach(async () => {
    await send('PUT', '/api/deployments/m/traffic', { '2': 50, '3': 50, sticky: 'x-user' });
    await send('PUT', '/api/deployments/m/shadow', { version: 1 });
  });

  it('by a publish clears the split and the shadow: the new version answers every call', async () => {
    const published = await publish('m');
    expect(published.version).toBe(4);
    const detail = await (await gw.admin('/api/deployments/m')).json();
    expect(detail.traffic).toBeNull();
    expect(detail.shadow).toBeNull();
    draw = () => 0;
    expect((await call()).headers.get('x-slipway-version')).toBe('4');
  });

  it('by a rollback clears them too; a rollback to the live version keeps them', async () => {
    const same = await send('POST', '/api/deployments/m/rollback', { version: 3 });
    expect((await same.json()).traffic).toEqual({
      split: { '2': 50, '3': 50 },
      sticky: 'x-user',
    });
    const back = await send('POST', '/api/deployments/m/rollback', { version: 1 });
    expect(back.status).toBe(200);
    const detail = await back.json();
    expect(detail.version).toBe(1);
    expect(detail.traffic).toBeNull();
    expect(detail.shadow).toBeNull();
  });
});

describe('calls under a split', () => {
  it('land on each version in proportion, each answer saying the version its row has', async () => {
    expect(
      (await send('PUT', '/api/deployments/m/traffic', { '1': 20, '2': 70, '3': 10 })).status,
    ).toBe(200);
    draw = everyBucket();
    const served = new Map<string, string>();
    for (let i = 0; i < 200; i++) {
      const res = await call();
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.prediction).toBe(3);
      const header = res.headers.get('x-slipway-version')!;
      expect(String(body.version)).toBe(header);
      served.set(body.id, header);
    }
    const counts = { '1': 0, '2': 0, '3': 0 } as Record<string, number>;
    for (const v of served.values()) counts[v]!++;
    expect(counts).toEqual({ '1': 40, '2': 140, '3': 20 });
    // The log has each call under the version that answered it (monitoring per version).
    const rows = await loggedVersions();
    for (const [id, version] of served) expect(String(rows.get(id)?.version)).toBe(version);
  });

  it('keep a caller on one version by its sticky header, and spread different callers', async () => {
    await send('PUT', '/api/deployments/m/traffic', { '1': 50, '3': 50, sticky: 'X-User' });
    // Every random draw would pick version 1: a version 3 answer can only come from the hash.
    draw = () => 0;
    const seen = new Map<string, string>();
    for (let round = 0; round < 3; round++)
      for (let u = 0; u < 40; u++) {
        const res = await call({ 'x-user': `user-${u}` });
        const version = res.headers.get('x-slipway-version')!;
        if (round === 0) seen.set(`user-${u}`, version);
        else expect(version, `user-${u} in round ${round}`).toBe(seen.get(`user-${u}`));
      }
    const versions = [...seen.values()];
    expect(new Set(versions)).toEqual(new Set(['1', '3']));
    // 40 callers into two halves: far from all on one side.
    const ones = versions.filter((v) => v === '1').length;
    expect(ones).toBeGreaterThan(8);
    expect(ones).toBeLessThan(32);
    // A call without the header is drawn.
    expect((await call()).headers.get('x-slipway-version')).toBe('1');
    draw = () => 0.99;
    expect((await call()).headers.get('x-slipway-version')).toBe('3');
  });

  it('follow the split through Open Inference Protocol, but an explicit version stays explicit', async () => {
    await send('PUT', '/api/deployments/m/traffic', { '2': 100 });
    const oip = {
      inputs: [
        { name: 'a', datatype: 'FP64', shape: [1], data: [1] },
        { name: 'b', datatype: 'FP64', shape: [1], data: [2] },
      ],
    };
    const post = (path: string) =>
      gw.admin(path, {
        method: 'POST',
        body: JSON.stringify(oip),
        headers: { 'content-type': 'application/json' },
      });
    const split = await post('/v2/models/m/infer');
    expect(split.status).toBe(200);
    expect(split.headers.get('x-slipway-version')).toBe('2');
    expect((await split.json()).model_version).toBe('2');
    const explicit = await post('/v2/models/m/versions/1/infer');
    expect((await explicit.json()).model_version).toBe('1');
    expect((await post('/v2/models/m/versions/3/infer')).headers.get('x-slipway-version')).toBe(
      '3',
    );
  });

  it('go to the live version again once the split is deleted', async () => {
    await send('PUT', '/api/deployments/m/traffic', { '1': 100 });
    expect((await call()).headers.get('x-slipway-version')).toBe('1');
    await send('DELETE', '/api/deployments/m/traffic');
    expect((await call()).headers.get('x-slipway-version')).toBe('3');
  });
});
