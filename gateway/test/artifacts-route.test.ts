import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveRunnerToken } from '../src/auth/tokens.js';
import {
  ADMIN_TOKEN,
  publishForm,
  startTestGateway,
  toyModel,
  type TestGateway,
} from './support/test-gateway.js';

/** `GET /api/artifacts/:sha256`: what runners on a cluster load their version from. */
let gw: TestGateway;
let invokeKey: string;
const model = toyModel();
const sha256 = createHash('sha256').update(model.bytes).digest('hex');
const get = (path: string, token?: string) =>
  gw.app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });

beforeAll(async () => {
  gw = await startTestGateway();
  const res = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm({ name: 'toy' }, model),
  });
  expect(res.status).toBe(201);
  invokeKey = ((await res.json()) as { invokeKey: string }).invokeKey;
});
afterAll(() => gw.stop());

describe('the artifacts route', () => {
  it('streams a stored version’s bytes to the admin token and to the runner token', async () => {
    for (const token of [ADMIN_TOKEN, deriveRunnerToken(ADMIN_TOKEN)]) {
      const res = await get(`/api/artifacts/${sha256}`, token);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(await res.text()).toBe(model.bytes);
    }
  });

  it('refuses any other token: an invoke key, none, a runner token of another admin token', async () => {
    for (const token of [invokeKey, undefined, deriveRunnerToken('sa_another-admin-token-01234')])
      expect((await get(`/api/artifacts/${sha256}`, token)).status).toBe(401);
  });

  it('404 for what no version stores; 400 naming the field for what is not a sha256', async () => {
    expect((await get(`/api/artifacts/${'0'.repeat(64)}`, ADMIN_TOKEN)).status).toBe(404);
    const bad = await get('/api/artifacts/..%2Fadmin-token', ADMIN_TOKEN);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('sha256');
  });
});
