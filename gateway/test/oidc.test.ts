// Single sign-on for the API and the end-user page (issue 21, part 4): OpenID Connect bearer
// tokens of a configured issuer, verified with the issuer's own keys, mapped to users and roles
// by their claims. The issuer is a real OpenID provider started for the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.js';
import {
  ADMIN_TOKEN,
  publishForm,
  startTestGateway,
  toyModel,
  type TestGateway,
} from './support/test-gateway.js';

const AUDIENCE = 'http://slipway.test';
const HOUR = 3_600_000;

describe('OpenID Connect bearer tokens', () => {
  let issuer: OidcIssuer;
  let stranger: OidcIssuer;
  let gw: TestGateway;
  let clock = Date.now();

  beforeAll(async () => {
    issuer = await startOidcIssuer({
      audience: AUDIENCE,
      clients: {
        ada: { preferred_username: 'ada', groups: ['data-science'] },
        vic: { preferred_username: 'vic', groups: ['analysts', 'everyone'] },
        ops: { preferred_username: 'root', groups: ['ops', 'data-science'] },
        nobody: { preferred_username: 'nobody', groups: ['everyone'] },
      },
    });
    // Another provider, with the same audience and names: its keys are not the issuer's.
    stranger = await startOidcIssuer({
      audience: AUDIENCE,
      clients: { ada: { preferred_username: 'ada', groups: ['ops'] } },
    });
    gw = await startTestGateway({
      now: () => clock,
      config: {
        oidc: {
          issuer: issuer.issuer,
          audience: AUDIENCE,
          roles: { admin: ['ops'], publisher: ['data-science'], viewer: ['analysts'] },
        },
      },
    });
  });
  afterAll(async () => {
    await gw.stop();
    await issuer.stop();
    await stranger.stop();
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  async function call(path: string, headers: Record<string, string>, init: RequestInit = {}) {
    const res = await gw.app.request(path, { ...init, headers: { ...headers, ...init.headers } });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
  }

  it('names the user and the role by the claims, the highest role the groups reach', async () => {
    expect((await call('/api/me', bearer(await issuer.token('ada')))).body).toEqual({
      user: 'ada',
      role: 'publisher',
      via: 'oidc',
      permissions: ['read', 'publish', 'manage'],
    });
    expect((await call('/api/me', bearer(await issuer.token('ops')))).body.role).toBe('admin');
    const users = (await call('/api/users', bearer(ADMIN_TOKEN))).body.users;
    expect(users).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'ada', createdBy: 'oidc' })]),
    );
  });

  it('a publisher signed in publishes and calls; a viewer is refused naming the permission', async () => {
    const ada = bearer(await issuer.token('ada'));
    const published = await call('/api/deployments', ada, {
      method: 'POST',
      body: publishForm({ name: 'sso' }, toyModel()),
    });
    expect(published.status).toBe(201);
    expect((await call('/api/deployments/sso/shares', ada)).body.owner).toBe('ada');
    const answer = await call('/fn/sso', ada, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 1, b: 2 }),
    });
    expect(answer.status).toBe(200);
    // The end-user page takes the same token.
    const page = await call('/fn/sso', { ...ada, accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<form');

    const vic = bearer(await issuer.token('vic'));
    const refused = await call('/api/deployments/sso', vic, { method: 'DELETE' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(
      /vic \(viewer\) may not do this: it needs the "manage" permission/,
    );
  });

  it("refuses a token the issuer's keys did not sign, an expired one, and one without a role", async () => {
    const forged = await call('/api/me', bearer(await stranger.token('ada')));
    expect(forged.status).toBe(401);
    expect(forged.body.error.message).toMatch(
      /the OpenID Connect token is not valid for this gateway/,
    );

    const nobody = await call('/api/me', bearer(await issuer.token('nobody')));
    expect(nobody.status).toBe(403);
    expect(nobody.body.error.message).toMatch(
      /nobody has no Slipway role: no value of the token's "groups" claim/,
    );

    const token = await issuer.token('ada');
    clock += 2 * HOUR;
    try {
      const expired = await call('/api/me', bearer(token));
      expect(expired.status).toBe(401);
      expect(expired.body.error.code).toBe('token_expired');
      expect(expired.body.error.message).toMatch(/the OpenID Connect token of ada expired at /);
    } finally {
      clock -= 2 * HOUR;
    }
  });
});
