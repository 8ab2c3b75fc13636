import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedTestDatabase } from '../support/databases.js';
import { startTestGateway, type TestGateway } from '../support/test-gateway.js';
import { PageClient, publishSum } from './page-support.js';

const database = sharedTestDatabase();
let gw: TestGateway;
/** The gateway's clock: tests move it instead of sleeping. */
let clock: number;
let key: string;

beforeEach(async () => {
  clock = Date.now();
  gw = await startTestGateway({ database: database(), now: () => clock });
  key = await publishSum(gw, 'secret', false);
  await publishSum(gw, 'other', false);
});
afterEach(async () => {
  await gw.stop();
});

interface NewLink {
  id: string;
  url: string;
  state: string;
  expiresAt: string;
  ratePerMinute: number;
}

async function share(name: string, body: unknown = {}): Promise<NewLink> {
  const res = await gw.send('POST', `/api/deployments/${name}/share-links`, body);
  expect(res.status).toBe(201);
  return (await res.json()) as NewLink;
}

/** The path and query of a link's URL, as a browser would request it. */
const pathOf = (url: string) => url.replace('http://slipway.test', '');

describe('/api/deployments/:name/share-links', () => {
  it('creates a link shown once, lists links without tokens, revokes one', async () => {
    const link = await share('secret', { label: 'sales', expiresInSeconds: 3600 });
    expect(link.url).toMatch(/^http:\/\/slipway\.test\/fn\/secret\?share=ss_[A-Za-z0-9_-]{43}$/);
    expect(link).toMatchObject({ state: 'active', ratePerMinute: 30 });
    const listed = await (await gw.admin('/api/deployments/secret/share-links')).json();
    expect(listed.shareLinks).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(link.url.split('=')[1]);
    expect((await gw.send('DELETE', `/api/deployments/secret/share-links/${link.id}`)).status).toBe(
      204,
    );
    const after = await (await gw.admin('/api/deployments/secret/share-links')).json();
    expect(after.shareLinks[0].state).toBe('revoked');
    expect((await gw.send('DELETE', `/api/deployments/secret/share-links/${link.id}`)).status).toBe(
      404,
    );
    expect((await gw.send('POST', '/api/deployments/nope/share-links', {})).status).toBe(404);
    expect(
      (await gw.send('POST', '/api/deployments/secret/share-links', { expiresInSeconds: 1 }))
        .status,
    ).toBe(400);
  });

  it('needs the admin token', async () => {
    const res = await gw.app.request('/api/deployments/secret/share-links', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(401);
  });
});

describe('the page of a deployment that is not public', () => {
  it('without a share link answers a 401 page that says a link is needed', async () => {
    const res = await new PageClient(gw).get('/fn/secret');
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('This page needs a share link');
  });

  it('exchanges a share link for a page-scoped cookie, drops the token from the URL, and scores', async () => {
    const link = await share('secret');
    const token = link.url.split('share=')[1]!;
    const browser = new PageClient(gw);
    const opened = await browser.get(pathOf(link.url));
    expect(opened.status).toBe(200);
    const cookie = opened.headers.getSetCookie().find((c) => c.startsWith('slipway_share='))!;
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/fn/secret');
    expect(opened.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await opened.text()).toContain('content="0; url=/fn/secret"');

    const page = await browser.get('/fn/secret');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain(token);
    expect(html).not.toContain(key);
    expect(html).toContain('<label for="in-0">a</label>');

    const res = await browser.submit('secret', { a: '2', b: '3' });
    expect(res.status).toBe(200);
    const answer = await res.text();
    expect(answer).toContain('data-output="sum">5</p>');
    expect(answer).toContain('$SLIPWAY_KEY');
    expect(answer).not.toContain(token);
    expect(answer).not.toContain(key);
  });

  it('a link opens its own deployment only', async () => {
    const link = await share('secret');
    const token = link.url.split('share=')[1]!;
    const res = await new PageClient(gw).get(`/fn/other?share=${token}`);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('not valid for this page');
    // Nor does its token work as an invoke key.
    const call = await gw.app.request('/fn/secret', {
      method: 'POST',
      body: '{"a":1,"b":2}',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
    expect(call.status).toBe(401);
  });

  it('a revoked link answers a 401 page saying so, also to a browser holding its cookie', async () => {
    const link = await share('secret');
    const browser = new PageClient(gw);
    await browser.get(pathOf(link.url));
    expect((await browser.get('/fn/secret')).status).toBe(200);
    const csrf = await browser.csrf('/fn/secret');
    await gw.send('DELETE', `/api/deployments/secret/share-links/${link.id}`);

    const posted = await browser.post(
      '/fn/secret/page',
      new URLSearchParams({ _csrf: csrf, 'in:a': '1', 'in:b': '2' }),
    );
    expect(posted.status).toBe(401);
    expect(await posted.text()).toContain('this share link was revoked');
    const again = await new PageClient(gw).get(pathOf(link.url));
    expect(again.status).toBe(401);
    expect(await again.text()).toContain('Share link revoked');
  });

  it('an expired link answers a 401 page saying when it expired', async () => {
    const link = await share('secret', { expiresInSeconds: 60 });
    clock += 61_000;
    const res = await new PageClient(gw).get(pathOf(link.url));
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('Share link expired');
    expect(html).toContain(`expired at ${link.expiresAt}`);
  });

  it('limits the form posts a link may make a minute (429 page)', async () => {
    const link = await share('secret', { ratePerMinute: 2 });
    const browser = new PageClient(gw);
    await browser.get(pathOf(link.url));
    expect((await browser.submit('secret', { a: '1', b: '1' })).status).toBe(200);
    expect((await browser.submit('secret', { a: '1', b: '1' })).status).toBe(200);
    const res = await browser.submit('secret', { a: '1', b: '1' });
    expect(res.status).toBe(429);
    expect(await res.text()).toContain('2 predictions a minute');
  });
});
