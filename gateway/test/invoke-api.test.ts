import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedTestDatabase } from './support/databases.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

const database = sharedTestDatabase();
let gw: TestGateway;
let key: string;
beforeEach(async () => {
  gw = await startTestGateway({ database: database() });
  const res = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm(
      { name: 'sum' },
      { bytes: JSON.stringify({ toy: 'sum', failWhen: 13 }), filename: 'm.toy.json' },
    ),
  });
  key = (await res.json()).invokeKey;
});
afterEach(async () => {
  await gw.stop();
});

const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  gw.app.request(path, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
  });

describe('POST /fn/:name', () => {
  it('answers one record with an id, the version and the prediction', async () => {
    const res = await post('/fn/sum', '{"a":1,"b":2}');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-slipway-version')).toBe('1');
    const body = await res.json();
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      version: 1,
      prediction: 3,
    });
  });

  it('answers an array with ids and predictions in order', async () => {
    const res = await post('/fn/sum', '[{"a":1,"b":2},{"a":10,"b":20},{"a":0.5,"b":0.25}]');
    const body = await res.json();
    expect(body.predictions).toEqual([3, 30, 0.75]);
    expect(body.ids).toHaveLength(3);
    expect(new Set(body.ids).size).toBe(3);
  });

  it('accepts the admin token too', async () => {
    const res = await post('/fn/sum', '{"a":1,"b":2}', {
      authorization: 'Bearer sa_test-admin-token-0123456789',
    });
    expect(res.status).toBe(200);
  });

  it.each([
    [undefined, 401],
    ['Bearer sk_not-a-real-key', 401],
  ])('refuses authorization %s with %i', async (authorization, status) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (authorization) headers.authorization = authorization;
    const res = await gw.app.request('/fn/sum', { method: 'POST', body: '{"a":1,"b":2}', headers });
    expect(res.status).toBe(status);
    expect((await res.json()).error.code).toBe('unauthorized');
  });

  it('refuses a key of another deployment', async () => {
    const other = await (
      await gw.admin('/api/deployments', {
        method: 'POST',
        body: publishForm({ name: 'other' }, { bytes: '{"toy":"sum"}', filename: 'x.toy.json' }),
      })
    ).json();
    const res = await post('/fn/sum', '{"a":1,"b":2}', {
      authorization: `Bearer ${other.invokeKey}`,
    });
    expect(res.status).toBe(401);
  });

  it('answers 404 for an unknown deployment', async () => {
    const res = await post('/fn/nope', '{"a":1}', {
      authorization: 'Bearer sa_test-admin-token-0123456789',
    });
    expect(res.status).toBe(404);
  });

  it('lets anyone call a public deployment', async () => {
    await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name: 'open', public: 'true' },
        { bytes: '{"toy":"sum"}', filename: 'x.toy.json' },
      ),
    });
    const res = await gw.app.request('/fn/open', {
      method: 'POST',
      body: '{"a":2,"b":2}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect((await res.json()).prediction).toBe(4);
  });

  it.each([
    ['{"a":1,"b":2', 400, 'invalid_json'],
    ['', 400, 'invalid_json'],
    ['"text"', 400, 'invalid_input'],
    ['[]', 400, 'invalid_input'],
    ['{"a":1}', 400, 'invalid_input'],
    ['{"a":1,"b":"2"}', 400, 'invalid_input'],
  ])('refuses body %s with %i %s', async (body, status, code) => {
    const res = await post('/fn/sum', body);
    expect(res.status).toBe(status);
    expect((await res.json()).error.code).toBe(code);
  });

  it('names the field and the expected type', async () => {
    const missing = await (await post('/fn/sum', '{"a":1}')).json();
    expect(missing.error.field).toBe('b');
    expect(missing.error.message).toContain('float64');
    const wrong = await (await post('/fn/sum', '[{"a":1,"b":2},{"a":1,"b":"x"}]')).json();
    expect(wrong.error.field).toContain('b');
    expect(wrong.error.field).toContain('1');
    expect(wrong.error.message).toMatch(/float64/);
    // A misspelt required field is still a 400 naming the missing one.
    const misspelt = await (await post('/fn/sum', '{"a":1,"bb":2}')).json();
    expect(misspelt.error.field).toBe('b');
  });

  it('drops fields the model does not take, says which in a header, and counts them', async () => {
    const res = await post('/fn/sum', '[{"id":7,"a":1,"b":2,"label":3},{"a":2,"b":2,"id":8}]');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-slipway-ignored-fields')).toBe('id, label');
    expect((await res.json()).predictions).toEqual([3, 4]);
    const clean = await post('/fn/sum', '{"a":1,"b":2}');
    expect(clean.headers.get('x-slipway-ignored-fields')).toBeNull();
    const one = await post('/fn/sum', '{"a":1,"b":2,"id":9}');
    const { invocations } = await (await gw.admin('/api/deployments/sum/invocations')).json();
    const ignoredBy = new Map(
      invocations.map((i: { id: string; ignoredFields: unknown }) => [i.id, i.ignoredFields]),
    );
    expect(ignoredBy.get(res.headers.get('x-request-id'))).toEqual(['id', 'label']);
    expect(ignoredBy.get(clean.headers.get('x-request-id'))).toBeNull();
    expect(ignoredBy.get(one.headers.get('x-request-id'))).toEqual(['id']);
    const m = await (await gw.admin('/api/deployments/sum/metrics')).json();
    expect(m.ignoredFields).toEqual([
      { name: 'id', calls: 2 },
      { name: 'label', calls: 1 },
    ]);
  });

  it('lists at most 50 ignored names in the header, and says how many more', async () => {
    const record: Record<string, number> = { a: 1, b: 2 };
    for (let i = 0; i < 120; i++) record[`f${String(i).padStart(3, '0')}`] = i;
    const res = await post('/fn/sum', JSON.stringify(record));
    const names = res.headers.get('x-slipway-ignored-fields')!.split(', ');
    expect(names).toHaveLength(51);
    expect(names[0]).toBe('f000');
    expect(names[50]).toBe('... (70 more)');
  });

  it('refuses unknown fields with 400 when the deployment says unknownFields: reject', async () => {
    await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name: 'strict', public: 'true', config: '{"unknownFields":"reject"}' },
        { bytes: JSON.stringify({ toy: 'sum' }), filename: 'm.toy.json' },
      ),
    });
    const res = await post('/fn/strict', '{"a":1,"b":2,"c":3}');
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({
      field: 'c',
      message: 'unknown field c; expected one of a, b',
    });
    const bad = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name: 'typo', config: '{"unknownFields":"drop"}' },
        { bytes: JSON.stringify({ toy: 'sum' }), filename: 'm.toy.json' },
      ),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.field).toBe('config.unknownFields');
  });

  it('answers a large body as it answers a small one, decoding it off the event loop', async () => {
    // Over 256 KiB: parsed, decoded and validated on a worker thread.
    // (The toy refuses a=13.)
    const records = Array.from({ length: 900 }, (_, i) => ({
      a: i + 0.5,
      b: 1,
      pad: 'x'.repeat(300),
    }));
    const body = JSON.stringify(records);
    expect(body.length).toBeGreaterThan(256 * 1024);
    const res = await post('/fn/sum', body);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('x-slipway-ignored-fields')).toBe('pad');
    const answer = await res.json();
    expect(answer.predictions).toEqual(records.map((r) => r.a + 1));
    const bad = await post('/fn/sum', JSON.stringify([...records, { a: 'x', b: 1 }]));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ field: '[900].a' });
    const notJson = await post('/fn/sum', `${body.slice(0, -1)},`);
    expect((await notJson.json()).error.code).toBe('invalid_json');
    // The log keeps the body as it was sent.
    const { invocations } = await (await gw.admin('/api/deployments/sum/invocations')).json();
    const logged = invocations.find((i: { id: string }) => i.id === answer.ids[0].split(':')[0]);
    expect(logged.input).toEqual(records);
  });

  it('answers with one id per call: the X-Request-Id is the prediction id', async () => {
    const one = await post('/fn/sum', '{"a":1,"b":2}', { 'x-request-id': 'client-chosen' });
    const id = one.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await one.json()).id).toBe(id);
    const many = await post('/fn/sum', '[{"a":1,"b":2},{"a":1,"b":3}]');
    const batchId = many.headers.get('x-request-id');
    expect((await many.json()).ids).toEqual([`${batchId}:0`, `${batchId}:1`]);
    const { invocations } = await (await gw.admin('/api/deployments/sum/invocations')).json();
    expect(invocations.map((i: { id: string }) => i.id).sort()).toEqual([id, batchId].sort());
  });

  it('refuses bytes that are not UTF-8', async () => {
    const res = await post('/fn/sum', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('invalid_encoding');
  });

  it('refuses another media type with 415', async () => {
    const res = await post('/fn/sum', 'a=1&b=2', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(415);
    expect((await res.json()).error.message).toContain('application/json');
  });

  it('refuses a body over the limit with 413 and a batch over the limit with 413', async () => {
    const big = await post(
      '/fn/sum',
      JSON.stringify({ a: 1, b: 2, pad: 'x'.repeat(2 * 1024 * 1024) }),
    );
    expect(big.status).toBe(413);
    const many = await post(
      '/fn/sum',
      JSON.stringify(Array.from({ length: 1001 }, () => ({ a: 1, b: 1 }))),
    );
    expect(many.status).toBe(413);
    expect((await many.json()).error.message).toContain('1000');
  });

  it('answers 500 with the model error and no internals', async () => {
    const res = await post('/fn/sum', '{"a":13,"b":2}');
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body.error).toEqual({ code: 'prediction_failed', message: 'toy model refuses a=13' });
  });
});

describe('invocation log and metrics', () => {
  it('records every call with id, version, status, input, output, error and latency', async () => {
    const ok = await (await post('/fn/sum', '{"a":1,"b":2}')).json();
    await post('/fn/sum', '{"a":1}');
    await post('/fn/sum', '{"a":13,"b":0}');
    const { invocations } = await (await gw.admin('/api/deployments/sum/invocations')).json();
    expect(invocations).toHaveLength(3);
    const byStatus = Object.fromEntries(invocations.map((i: { status: number }) => [i.status, i]));
    expect(byStatus[200]).toMatchObject({
      id: ok.id,
      version: 1,
      protocol: 'records',
      input: { a: 1, b: 2 },
      output: [{ sum: 3 }],
      error: null,
    });
    expect(byStatus[200].latencyMs).toBeGreaterThan(0);
    expect(byStatus[400].error.code).toBe('invalid_input');
    expect(byStatus[500].error).toEqual({
      code: 'prediction_failed',
      message: 'toy model refuses a=13',
    });
  });

  it('computes counts, errors and latency percentiles with a per-minute series', async () => {
    for (let i = 0; i < 8; i++) await post('/fn/sum', `{"a":${i},"b":1}`);
    await post('/fn/sum', '{"a":13,"b":1}');
    await post('/fn/sum', '{"a":"x","b":1}');
    const m = await (await gw.admin('/api/deployments/sum/metrics')).json();
    expect(m.count).toBe(10);
    expect(m.errors).toBe(2);
    expect(m.serverErrors).toBe(1);
    expect(m.errorRate).toBeCloseTo(0.2);
    expect(m.latencyMs.p50).toBeGreaterThan(0);
    expect(m.latencyMs.p99).toBeGreaterThanOrEqual(m.latencyMs.p95);
    expect(m.series.reduce((s: number, p: { count: number }) => s + p.count, 0)).toBe(10);
    const bad = await gw.admin('/api/deployments/sum/metrics?from=yesterday');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.field).toBe('from');
  });
});
