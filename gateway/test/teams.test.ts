// Users, roles, owners, shares, personal tokens and the audit log (issue 21): who the gateway
// takes a caller to be (the admin token, the Jupyter server's proxy with its user, a personal
// token), and what each role may do, route by route over every route the gateway serves.
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedTestDatabase } from './support/databases.js';
import {
  ADMIN_TOKEN,
  publishForm,
  startTestGateway,
  toyModel,
  type TestGateway,
} from './support/test-gateway.js';

const PROXY_TOKEN = 'sa_jupyter-server-proxy-credential-01';
const DAY = 86_400_000;

const database = sharedTestDatabase();
let gw: TestGateway;
let clock: number;
beforeEach(async () => {
  clock = Date.parse('2026-11-30T12:00:00Z');
  gw = await startTestGateway({
    database: database(),
    config: { proxyToken: PROXY_TOKEN, newUserRole: 'viewer' },
    now: () => clock,
  });
});
afterEach(async () => {
  await gw.stop();
});

interface AuditRow {
  actor: string;
  via: string;
  method: string;
  path: string;
  status: number;
}

/** Headers of a call through the Jupyter server's proxy, as `user`. */
const as = (user: string) => ({ authorization: `Bearer ${PROXY_TOKEN}`, 'x-slipway-user': user });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function call(
  path: string,
  headers: Record<string, string>,
  init: { method?: string; json?: unknown; body?: BodyInit } = {},
) {
  const res = await gw.app.request(path, {
    method: init.method ?? 'GET',
    headers: { ...headers, ...(init.json !== undefined && { 'content-type': 'application/json' }) },
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * A route's status for a caller, without waiting for the whole answer (an event stream never
 * ends): the body is read only when the caller was refused.
 */
async function probe(path: string, headers: Record<string, string>, method: string) {
  const res = await gw.app.request(path, { method, headers });
  if (res.status !== 401 && res.status !== 403) {
    await res.body?.cancel();
    return { status: res.status, body: { error: { code: '', message: '' } } };
  }
  return {
    status: res.status,
    body: (await res.json()) as { error: { code: string; message: string } },
  };
}

async function role(user: string, r: 'admin' | 'publisher' | 'viewer') {
  const res = await call(`/api/users/${user}`, bearer(ADMIN_TOKEN), {
    method: 'PUT',
    json: { role: r },
  });
  expect(res.status).toBe(200);
}

async function publishAs(headers: Record<string, string>, name: string) {
  return call('/api/deployments', headers, {
    method: 'POST',
    body: publishForm({ name }, toyModel()),
  });
}

describe('who the caller is', () => {
  it('the proxy names a user, who is made on first sight with the new-user role', async () => {
    const me = await call('/api/me', as('ada'));
    expect(me).toEqual({
      status: 200,
      body: { user: 'ada', role: 'viewer', via: 'proxy', permissions: ['read'] },
    });
    const users = await call('/api/users', bearer(ADMIN_TOKEN));
    expect(users.body.users).toEqual([
      expect.objectContaining({ name: 'ada', role: 'viewer', createdBy: 'proxy' }),
    ]);
  });

  it('takes X-Slipway-User only with the proxy credential, and the proxy credential only with it', async () => {
    const stray = await call('/api/me', { ...bearer(ADMIN_TOKEN), 'x-slipway-user': 'ada' });
    expect(stray.status).toBe(401);
    expect(stray.body.error.message).toMatch(
      /X-Slipway-User is taken only with the Jupyter server proxy's credential/,
    );
    const nobody = await call('/api/me', bearer(PROXY_TOKEN));
    expect(nobody.status).toBe(401);
    expect(nobody.body.error.message).toMatch(/must name its user in X-Slipway-User/);
    const wrong = await call('/api/me', {
      ...as('ada'),
      authorization: 'Bearer sa_not-the-proxy-000000000',
    });
    expect(wrong.status).toBe(401);
    const odd = await call('/api/me', as('ada/root'));
    expect(odd).toMatchObject({ status: 400, body: { error: { field: 'X-Slipway-User' } } });
    // Nothing of that made a user.
    expect((await call('/api/users', bearer(ADMIN_TOKEN))).body.users).toEqual([]);
  });

  it('the admin token is nobody, with every permission', async () => {
    expect((await call('/api/me', bearer(ADMIN_TOKEN))).body).toEqual({
      user: null,
      role: 'admin',
      via: 'admin-token',
      permissions: ['read', 'publish', 'manage', 'admin'],
    });
  });
});

/** Every route the gateway serves under /api and /metrics, with its parameters filled in. */
function managementRoutes(): { method: string; path: string }[] {
  const seen = new Set<string>();
  const fill = (path: string) =>
    path
      .replace(':name', 'owned')
      .replace(':version', '1')
      .replace(':user', 'ada')
      .replace(/:[a-zA-Z]+/g, '00000000-0000-4000-8000-000000000000');
  return gw.app.routes
    .filter((r) => r.method !== 'ALL' && (r.path.startsWith('/api/') || r.path === '/metrics'))
    .filter((r) => !r.path.startsWith('/api/health') && !r.path.startsWith('/api/artifacts'))
    .map((r) => ({ method: r.method, path: fill(r.path) }))
    .filter((r) => {
      const key = `${r.method} ${r.path}`;
      return !seen.has(key) && seen.add(key) !== undefined;
    });
}

const reads = (method: string) => method === 'GET' || method === 'HEAD';
/** Routes that are the caller's own (its profile, its tokens) or an admin's alone. */
const own = (path: string) => path === '/api/me' || path.startsWith('/api/tokens');
const adminOnly = (method: string, path: string) =>
  path.startsWith('/api/users') ||
  path === '/api/audit' ||
  (!reads(method) && path.startsWith('/api/approvals/'));
const exported = (path: string) => path.endsWith('/export');

describe('roles, route by route', () => {
  beforeEach(async () => {
    await role('alice', 'publisher');
    await role('bob', 'publisher');
    await role('victor', 'viewer');
    expect((await publishAs(as('alice'), 'owned')).status).toBe(201);
  });

  it('covers the routes', () => {
    // The table below is built from the app's own routes: a route added later is checked too.
    expect(managementRoutes().length).toBeGreaterThan(60);
  });

  it('a viewer reads everything, and every change is a 403 naming the permission it needs', async () => {
    for (const { method, path } of managementRoutes()) {
      const res = await probe(path, as('victor'), method);
      const what = `${method} ${path}`;
      if ((reads(method) && !adminOnly(method, path) && !exported(path)) || own(path)) {
        expect([401, 403], what).not.toContain(res.status);
        continue;
      }
      expect(res.status, what).toBe(403);
      expect(res.body.error.code, what).toBe('forbidden');
      expect(res.body.error.message, what).toMatch(/needs the "(publish|manage|admin)" permission/);
    }
  });

  it("a publisher manages their own deployments, not another's", async () => {
    const managing: { method: string; path: string }[] = [];
    for (const { method, path } of managementRoutes()) {
      const what = `${method} ${path}`;
      const bob = await probe(path, as('bob'), method);
      if (adminOnly(method, path)) {
        expect(bob.status, what).toBe(403);
        continue;
      }
      const manages =
        (!reads(method) || exported(path)) && path.startsWith('/api/deployments/owned');
      if (!manages) {
        expect([401, 403], what).not.toContain(bob.status);
        continue;
      }
      expect(bob.status, what).toBe(403);
      expect(bob.body.error.message, what).toMatch(
        /bob may not change deployment owned: it needs the "manage" permission on it, which its owner \(alice\) has/,
      );
      managing.push({ method, path });
    }
    // Then its owner, on the same routes (her DELETE goes last: it would end the rest).
    const ends = (r: { method: string; path: string }) =>
      Number(r.method === 'DELETE' && r.path === '/api/deployments/owned');
    managing.sort((a, b) => ends(a) - ends(b));
    for (const { method, path } of managing) {
      const alice = await probe(path, as('alice'), method);
      expect([401, 403], `alice: ${method} ${path}`).not.toContain(alice.status);
    }
  });

  it('an admin (a user with the role, or the admin token) may do anything', async () => {
    await role('root', 'admin');
    for (const { method, path } of managementRoutes())
      for (const headers of [as('root'), bearer(ADMIN_TOKEN)]) {
        const res = await probe(path, headers, method);
        expect([401, 403], `${method} ${path}`).not.toContain(res.status);
      }
  });
});

describe('owners and shares', () => {
  beforeEach(async () => {
    await role('alice', 'publisher');
    await role('bob', 'publisher');
  });

  it('the first publisher owns a deployment; another publisher cannot delete, roll back or publish over it until it is shared', async () => {
    expect((await publishAs(as('alice'), 'churn')).status).toBe(201);
    expect((await publishAs(as('alice'), 'churn')).status).toBe(201);
    expect((await call('/api/deployments/churn/shares', as('bob'))).body).toEqual({
      owner: 'alice',
      sharedWith: [],
    });
    const over = await publishAs(as('bob'), 'churn');
    expect(over.status).toBe(403);
    expect(over.body.error.message).toMatch(/bob may not change deployment churn/);
    const rollback = await call('/api/deployments/churn/rollback', as('bob'), {
      method: 'POST',
      json: { version: 1 },
    });
    expect(rollback.status).toBe(403);
    expect((await call('/api/deployments/churn', as('bob'), { method: 'DELETE' })).status).toBe(
      403,
    );

    const shared = await call('/api/deployments/churn/shares', as('alice'), {
      method: 'POST',
      json: { user: 'bob' },
    });
    expect(shared.body).toEqual({ owner: 'alice', sharedWith: ['bob'] });
    expect((await publishAs(as('bob'), 'churn')).status).toBe(201);
    expect(
      (
        await call('/api/deployments/churn/rollback', as('bob'), {
          method: 'POST',
          json: { version: 1 },
        })
      ).status,
    ).toBe(200);
    // Bob may not share it on: sharing is a change too, and it is his now as well (he manages it).
    expect(
      (await call('/api/deployments/churn/shares/bob', as('alice'), { method: 'DELETE' })).status,
    ).toBe(204);
    expect((await call('/api/deployments/churn', as('bob'), { method: 'DELETE' })).status).toBe(
      403,
    );
    expect((await call('/api/deployments/churn', as('alice'), { method: 'DELETE' })).status).toBe(
      204,
    );
  });

  it('a deployment published with the admin token has no owner: only admins manage it', async () => {
    expect((await publishAs(bearer(ADMIN_TOKEN), 'shared-infra')).status).toBe(201);
    expect((await call('/api/deployments/shared-infra/shares', as('alice'))).body.owner).toBeNull();
    expect(
      (await call('/api/deployments/shared-infra', as('alice'), { method: 'DELETE' })).status,
    ).toBe(403);
  });
});

describe('personal tokens', () => {
  beforeEach(async () => {
    await role('alice', 'publisher');
    expect((await publishAs(as('alice'), 'mine')).status).toBe(201);
  });

  it('made for curl: shown once, stored hashed, scoped within the role, listed and revoked', async () => {
    const made = await call('/api/tokens', as('alice'), {
      method: 'POST',
      json: { name: 'laptop', scopes: ['read'], expiresInDays: 30 },
    });
    expect(made.status).toBe(201);
    const { token, id } = made.body;
    expect(token).toMatch(/^sp_/);
    expect(made.body).toMatchObject({
      user: 'alice',
      scopes: ['read'],
      state: 'active',
      expiresAt: new Date(clock + 30 * DAY).toISOString(),
    });
    // Only its hash is kept.
    // Whatever the driver answers (PGlite and postgres.js differ in shape), as text.
    const stored = JSON.stringify(await gw.database.db.execute(sql`select * from api_tokens`));
    expect(stored).not.toContain(token);
    expect(stored).toContain(createHash('sha256').update(token).digest('hex'));

    expect((await call('/api/me', bearer(token))).body).toMatchObject({
      user: 'alice',
      via: `token:${id}`,
      permissions: ['read'],
    });
    expect((await call('/api/deployments', bearer(token))).status).toBe(200);
    // The scopes narrow the role: alice may delete her deployment, this token may not.
    const narrow = await call('/api/deployments/mine', bearer(token), { method: 'DELETE' });
    expect(narrow.status).toBe(403);
    expect(narrow.body.error.message).toMatch(
      /the personal token's scopes \(read\) do not include "manage"/,
    );
    // It calls the deployment too, as a key would (outside JupyterLab, with the Python client).
    expect(
      (await call('/fn/mine', bearer(token), { method: 'POST', json: { a: 1, b: 2 } })).status,
    ).toBe(200);

    const listed = await call('/api/tokens', as('alice'));
    expect(listed.body.tokens).toEqual([
      expect.objectContaining({ id, name: 'laptop', state: 'active' }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(token);

    expect((await call(`/api/tokens/${id}`, as('alice'), { method: 'DELETE' })).status).toBe(204);
    const revoked = await call('/api/deployments', bearer(token));
    expect(revoked.status).toBe(401);
    expect(revoked.body.error).toMatchObject({ code: 'token_revoked' });
    expect(revoked.body.error.message).toMatch(
      /the personal token "laptop" was revoked at 2026-11-30T12:00:00.000Z/,
    );
    expect(
      (await call('/fn/mine', bearer(token), { method: 'POST', json: { a: 1, b: 2 } })).body.error
        .code,
    ).toBe('token_revoked');
  });

  it('an expired token says so, with when', async () => {
    const { token } = (
      await call('/api/tokens', as('alice'), {
        method: 'POST',
        json: { name: 'ci', expiresInDays: 1 },
      })
    ).body;
    expect((await call('/api/me', bearer(token))).status).toBe(200);
    clock += DAY;
    const expired = await call('/api/me', bearer(token));
    expect(expired.status).toBe(401);
    expect(expired.body.error).toMatchObject({ code: 'token_expired' });
    expect(expired.body.error.message).toMatch(
      /the personal token "ci" expired at 2026-12-01T12:00:00.000Z/,
    );
  });

  it('never holds more than its maker may do, and only its owner (or an admin) sees or revokes it', async () => {
    await role('victor', 'viewer');
    const wider = await call('/api/tokens', as('victor'), {
      method: 'POST',
      json: { name: 'x', scopes: ['read', 'publish'] },
    });
    expect(wider.status).toBe(403);
    expect(wider.body.error.message).toMatch(/needs the "publish" permission/);
    const { id } = (await call('/api/tokens', as('alice'), { method: 'POST', json: { name: 'a' } }))
      .body;
    expect((await call('/api/tokens', as('victor'))).body.tokens).toEqual([]);
    expect((await call(`/api/tokens/${id}`, as('victor'), { method: 'DELETE' })).status).toBe(404);
    expect((await call('/api/tokens?user=alice', as('victor'))).status).toBe(403);
    expect((await call('/api/tokens?user=alice', bearer(ADMIN_TOKEN))).body.tokens).toHaveLength(1);
  });
});

describe('the audit log', () => {
  it('keeps every management action: who, what, when, from where, the result — refusals too', async () => {
    await role('alice', 'publisher');
    await role('victor', 'viewer');
    expect((await publishAs(as('alice'), 'audited')).status).toBe(201);
    expect(
      (await call('/api/deployments/audited', as('victor'), { method: 'DELETE' })).status,
    ).toBe(403);
    expect(
      (
        await call(
          '/api/deployments/audited',
          { authorization: 'Bearer nope' },
          { method: 'DELETE' },
        )
      ).status,
    ).toBe(401);
    // Reading is not an action.
    await call('/api/deployments', as('victor'));

    const { body, status } = await call('/api/audit?deployment=audited', bearer(ADMIN_TOKEN));
    expect(status).toBe(200);
    expect(body.entries.map((e: AuditRow) => [e.actor, e.via, e.method, e.path, e.status])).toEqual(
      [
        ['unknown', 'none', 'DELETE', '/api/deployments/audited', 401],
        ['victor', 'proxy', 'DELETE', '/api/deployments/audited', 403],
      ],
    );
    const all = await call('/api/audit?actor=alice', bearer(ADMIN_TOKEN));
    expect(all.body.entries).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/api/deployments',
        status: 201,
        deploymentName: null,
      }),
    ]);
    expect(all.body.entries[0].requestId).toBeTruthy();
    expect(Date.parse(all.body.entries[0].time)).not.toBeNaN();
    // The role changes are there, by the admin token.
    const roles = await call('/api/audit?actor=admin%20token', bearer(ADMIN_TOKEN));
    expect(roles.body.entries.map((e: AuditRow) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'PUT /api/users/victor 200',
      'PUT /api/users/alice 200',
    ]);
    // Only admins read it.
    expect((await call('/api/audit', as('alice'))).status).toBe(403);
  });
});
