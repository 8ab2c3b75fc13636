import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedTestDatabase } from './support/databases.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

const database = sharedTestDatabase();
let gw: TestGateway;
/** The gateway's clock: tests move it instead of sleeping. */
let clock = Date.parse('2026-01-01T00:00:00Z');
/** The key the publish that created `m` answered with. */
let firstKey: string;

beforeEach(async () => {
  clock = Date.parse('2026-01-01T00:00:00Z');
  gw = await startTestGateway({ database: database(), now: () => clock });
  const res = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm({ name: 'm' }, { bytes: '{"toy":"sum"}', filename: 'm.toy.json' }),
  });
  expect(res.status).toBe(201);
  firstKey = (await res.json()).invokeKey;
  expect(firstKey).toMatch(/^sk_/);
});
afterEach(async () => {
  await gw.stop();
});

const send = (method: string, path: string, body?: unknown) => gw.send(method, path, body);

/** Calls `m` with an invoke key; answers the status. */
const callWith = async (key: string) =>
  (
    await gw.app.request('/fn/m', {
      method: 'POST',
      body: '{"a":1,"b":2}',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    })
  ).status;

async function issue(body: unknown = {}) {
  const res = await send('POST', '/api/deployments/m/keys', body);
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; key: string; createdAt: string };
}

async function listKeys() {
  const res = await gw.admin('/api/deployments/m/keys');
  expect(res.status).toBe(200);
  return (await res.json()) as {
    keys: { id: string; createdAt: string; lastUsedAt: string | null; expiresAt: string | null }[];
  };
}

describe('POST/GET /api/deployments/:name/keys', () => {
  it('issues a key shown once, lists keys without secrets, and keeps the old key by default', async () => {
    const created = await issue();
    expect(created.key).toMatch(/^sk_/);
    expect(created.key).not.toBe(firstKey);
    expect(created.createdAt).toBe('2026-01-01T00:00:00.000Z');

    const listed = await listKeys();
    expect(listed.keys).toHaveLength(2);
    expect(listed.keys.map((k) => Object.keys(k).sort())).toEqual([
      ['createdAt', 'expiresAt', 'id', 'lastUsedAt'],
      ['createdAt', 'expiresAt', 'id', 'lastUsedAt'],
    ]);
    expect(listed.keys.map((k) => k.expiresAt)).toEqual([null, null]);
    expect(listed.keys.some((k) => k.id === created.id)).toBe(true);
    const text = JSON.stringify(listed);
    expect(text).not.toContain(created.key);
    expect(text).not.toContain(firstKey);

    expect(await callWith(created.key)).toBe(200);
    expect(await callWith(firstKey)).toBe(200);
  });

  it('keeps the old keys working through the grace period and refuses them after it', async () => {
    const created = await issue({ revokeOthersAfterSeconds: 60 });
    expect(await callWith(firstKey)).toBe(200);
    const old = (await listKeys()).keys.find((k) => k.id !== created.id);
    expect(old?.expiresAt).toBe('2026-01-01T00:01:00.000Z');

    clock += 59_999;
    expect(await callWith(firstKey)).toBe(200);
    clock += 1;
    const refused = await gw.app.request('/fn/m', {
      method: 'POST',
      body: '{"a":1,"b":2}',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${firstKey}` },
    });
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.code).toBe('unauthorized');
    expect(await callWith(created.key)).toBe(200);
    expect((await listKeys()).keys.map((k) => k.id)).toEqual([created.id]);
  });

  it('revokes the others at once with revokeOthersAfterSeconds 0', async () => {
    expect(await callWith(firstKey)).toBe(200); // cached by the catalog
    const created = await issue({ revokeOthersAfterSeconds: 0 });
    expect(await callWith(firstKey)).toBe(401);
    expect(await callWith(created.key)).toBe(200);
    expect((await listKeys()).keys.map((k) => k.id)).toEqual([created.id]);
  });

  it('records when a key was last used', async () => {
    const [only] = (await listKeys()).keys;
    expect(only?.lastUsedAt).toBeNull();
    expect(await callWith(firstKey)).toBe(200);
    // The write is off the call's path: wait for it to land, not for a time.
    await expect
      .poll(async () => (await listKeys()).keys[0]?.lastUsedAt)
      .toBe('2026-01-01T00:00:00.000Z');
  });

  it('accepts a request without a body', async () => {
    const res = await gw.admin('/api/deployments/m/keys', { method: 'POST' });
    expect(res.status).toBe(201);
    expect((await listKeys()).keys).toHaveLength(2);
  });

  it('answers 400 naming the field, and 404 naming the deployment', async () => {
    for (const value of [-1, 1.5, 'soon', 366 * 86_400 + 1]) {
      const res = await send('POST', '/api/deployments/m/keys', {
        revokeOthersAfterSeconds: value,
      });
      expect(res.status).toBe(400);
      expect((await res.json()).error.field).toBe('revokeOthersAfterSeconds');
    }
    const unknown = await send('POST', '/api/deployments/m/keys', { revokeOthers: 1 });
    expect(unknown.status).toBe(400);
    for (const res of [
      await send('POST', '/api/deployments/nope/keys', {}),
      await gw.admin('/api/deployments/nope/keys'),
    ]) {
      expect(res.status).toBe(404);
      expect((await res.json()).error.message).toContain('deployment nope');
    }
  });

  it('is for the admin only', async () => {
    const res = await gw.app.request('/api/deployments/m/keys', {
      headers: { authorization: `Bearer ${firstKey}` },
    });
    expect(res.status).toBe(401);
  });
});

describe('DELETE /api/deployments/:name/keys/:id', () => {
  it('revokes one key at once', async () => {
    const [old] = (await listKeys()).keys;
    const created = await issue();
    expect(await callWith(firstKey)).toBe(200);
    const res = await send('DELETE', `/api/deployments/m/keys/${old!.id}`);
    expect(res.status).toBe(204);
    expect(await callWith(firstKey)).toBe(401);
    expect(await callWith(created.key)).toBe(200);
    expect((await listKeys()).keys.map((k) => k.id)).toEqual([created.id]);
  });

  it('refuses to revoke the last key that does not expire (409 last_key)', async () => {
    const [only] = (await listKeys()).keys;
    const res = await send('DELETE', `/api/deployments/m/keys/${only!.id}`);
    expect(res.status).toBe(409);
    const body = await res.json();
    expect(body.error.code).toBe('last_key');
    expect(body.error.message).toContain('POST /api/deployments/m/keys');
    expect(await callWith(firstKey)).toBe(200);

    // A key in its grace period does not count as one to move to.
    const created = await issue({ revokeOthersAfterSeconds: 600 });
    const last = await send('DELETE', `/api/deployments/m/keys/${created.id}`);
    expect(last.status).toBe(409);
    expect((await send('DELETE', `/api/deployments/m/keys/${only!.id}`)).status).toBe(204);
  });

  it('answers 404 naming the key or the deployment, and 400 naming a malformed id', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const missing = await send('DELETE', `/api/deployments/m/keys/${id}`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.message).toContain(`key ${id} of deployment m`);
    const nope = await send('DELETE', `/api/deployments/nope/keys/${id}`);
    expect(nope.status).toBe(404);
    expect((await nope.json()).error.message).toContain('deployment nope');
    const bad = await send('DELETE', '/api/deployments/m/keys/not-a-uuid');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.field).toBe('id');
  });
});
