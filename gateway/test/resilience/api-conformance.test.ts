import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishForm, startTestGateway, type TestGateway } from '../support/test-gateway.js';

// What schemathesis (schemathesis.test.ts) found in the gateway, each kept here as a plain
// route test so that it holds in the fast tier too.

let gw: TestGateway;
let key: string;
beforeAll(async () => {
  gw = await startTestGateway();
  const res = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm({ name: 'sum' }, { bytes: '{"toy":"sum"}', filename: 'm.toy.json' }),
  });
  key = (await res.json()).invokeKey;
});
afterAll(async () => {
  await gw?.stop();
});

const call = (path: string, body: string) =>
  gw.app.request(path, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  });

describe('methods a route does not take', () => {
  it.each([
    // (TRACE, which schemathesis sends too, is one no fetch Request can carry.)
    ['PUT', '/api/health', 'GET, HEAD'],
    ['PUT', '/api/deployments', 'POST, GET, HEAD'],
    ['PUT', '/api/deployments/sum', 'GET, PATCH, DELETE, HEAD'],
    ['GET', '/api/deployments/sum/rollback', 'POST'],
    // GET answers a browser the end-user page.
    ['DELETE', '/fn/sum', 'GET, HEAD, POST'],
    ['PUT', '/v2/models/sum', 'GET, HEAD'],
    ['POST', '/fn/sum/runs/0f6c3cbb-1a5e-4c43-9b8e-6a3a2b7f9d10', 'GET, HEAD'],
  ])('%s %s is 405 naming the methods it takes', async (method, path, allow) => {
    const res = await gw.admin(path, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')?.split(', ').sort()).toEqual(allow.split(', ').sort());
    expect((await res.json()).error.code).toBe('method_not_allowed');
  });

  it('leaves an unknown path a 404', async () => {
    const res = await gw.admin('/api/nothing-here', { method: 'PUT' });
    expect(res.status).toBe(404);
  });
});

describe('names no deployment can have', () => {
  it('answers 400 on the management API and 404 on the data plane, never 500', async () => {
    const nul = encodeURIComponent('a\0b');
    expect((await gw.admin(`/api/deployments/${nul}`)).status).toBe(400);
    expect((await gw.admin(`/api/deployments/Not-A-Label/metrics`)).status).toBe(400);
    expect((await gw.admin(`/v2/models/${nul}`)).status).toBe(404);
    expect((await gw.admin(`/fn/${nul}`, { method: 'POST', body: '{}' })).status).toBe(404);
    const run = '0f6c3cbb-1a5e-4c43-9b8e-6a3a2b7f9d10';
    expect((await gw.admin(`/api/deployments/${nul}/runs/${run}`)).status).toBe(404);
    expect((await gw.admin(`/fn/${nul}/runs/${run}`)).status).toBe(404);
    // Without a token the data plane says 401 first, whatever the name.
    expect((await gw.app.request(`/v2/models/${nul}`)).status).toBe(401);
  });
});

describe('fields a caller names with any character', () => {
  it('lists ignored fields in visible ASCII, percent-encoding the rest', async () => {
    const res = await call('/fn/sum', JSON.stringify({ a: 1, b: 2, été: 1, 'x\0,y': 2, '𡺟': 3 }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-slipway-ignored-fields')?.split(', ').sort()).toEqual([
      '%C3%A9t%C3%A9',
      '%F0%A1%BA%9F',
      'x%00%2Cy',
    ]);
  });

  it('keeps logging, and answering the log, after calls whose names and errors hold a NUL', async () => {
    // Postgres' jsonb takes no \u0000: the log keeps such a call without the caller's values.
    expect((await call('/fn/sum', JSON.stringify({ a: 1, b: 2, 'n\0': 1 }))).status).toBe(200);
    const refused = await call('/fn/sum/invocations', JSON.stringify({ 'k\0': 1 }));
    expect(refused.status).toBe(400);
    for (const path of ['/api/deployments/sum/invocations', '/api/deployments/sum/metrics'])
      expect((await gw.admin(path)).status, path).toBe(200);
    const { invocations } = await (await gw.admin('/api/deployments/sum/invocations')).json();
    const mlflow = invocations.find((i: { protocol: string }) => i.protocol === 'mlflow');
    expect(mlflow).toMatchObject({ status: 400, input: null, ignoredFields: null });
    expect(mlflow.error.message).toContain('k\uFFFD');
    expect(mlflow.truncated).toMatch(/the database refused the row/);
  });
});
