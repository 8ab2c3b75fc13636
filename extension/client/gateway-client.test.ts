import { nullTranslator } from '@jupyterlab/translation';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ADMIN_TOKEN,
  startTestGateway,
  type TestGateway,
} from '../../gateway/test/support/test-gateway.js';
import { GatewayClient } from './gateway-client.js';
import {
  GatewayAuthError,
  GatewayForbiddenError,
  GatewayRequestError,
  GatewayUnreachableError,
  IncompatibleGatewayError,
} from './errors.js';
import { UNTIL } from '../testing/until.js';

const BASE = 'http://slipway.test';
const PROXY_TOKEN = 'sa_extension-tests-proxy-token-01';
const trans = nullTranslator.load('slipway');
const iris = new URL('../../gateway/test/fixtures/onnx/classifier_zipmap.onnx', import.meta.url);

describe('GatewayClient against the real gateway app', () => {
  let gw: TestGateway;
  let client: GatewayClient;
  // The gateway's own request handler stands in for the network: everything else is real.
  const viaApp: typeof fetch = (input, init) =>
    Promise.resolve(gw.app.request(String(input), init));

  beforeAll(async () => {
    gw = await startTestGateway({ version: '0.1.0', config: { proxyToken: PROXY_TOKEN } });
    client = new GatewayClient(
      { baseUrl: `${BASE}/`, token: ADMIN_TOKEN },
      { fetch: viaApp, trans },
    );
  });
  afterAll(() => gw.stop());

  it('checks a compatible gateway and reports its version', async () => {
    const health = await client.check();
    expect(health.version).toBe('0.1.0');
    expect(await client.pools()).toMatchObject([
      { name: 'cpu', backend: 'local', deployments: [] },
    ]);
  });

  it('says how to fix a wrong token', async () => {
    const bad = new GatewayClient({ baseUrl: BASE, token: 'nope' }, { fetch: viaApp, trans });
    const err = await bad.check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayAuthError);
    expect((err as Error).message).toMatch(/401.*c\.Slipway\.token/);
  });

  it("names the permission a user's role lacks", async () => {
    // As the Jupyter server's proxy sends it: its credential and the user (a viewer by default).
    const asViewer: typeof fetch = (input, init) =>
      viaApp(input, {
        ...init,
        headers: {
          ...(init?.headers as Record<string, string>),
          Authorization: `Bearer ${PROXY_TOKEN}`,
          'X-Slipway-User': 'victor',
        },
      });
    const viewer = new GatewayClient({ baseUrl: BASE, token: '' }, { fetch: asViewer, trans });
    expect(await viewer.deployments()).toEqual([]);
    const err = await viewer.deleteDeployment('any').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayForbiddenError);
    expect((err as GatewayForbiddenError).permission).toBe('manage');
    expect((err as Error).message).toMatch(
      /^Not allowed: victor \(viewer\) may not do this: it needs the "manage" permission/,
    );
  });

  it('says how to fix an unreachable gateway', async () => {
    const down = new GatewayClient(
      { baseUrl: 'http://127.0.0.1:9', token: ADMIN_TOKEN },
      { fetch: () => Promise.reject(new TypeError('fetch failed')), trans },
    );
    const err = await down.deployments().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayUnreachableError);
    expect((err as Error).message).toContain('not reachable at http://127.0.0.1:9');
    expect((err as Error).message).toContain('npm start');
  });

  it('refuses a gateway that speaks another API version', async () => {
    const other = await startTestGateway({ version: '0.9.0' });
    try {
      const c = new GatewayClient(
        { baseUrl: BASE, token: ADMIN_TOKEN },
        { fetch: (i, init) => Promise.resolve(other.app.request(String(i), init)), trans },
      );
      const err = await c.check().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IncompatibleGatewayError);
      expect((err as Error).message).toMatch(/version 0\.9\.0.*needs 0\.1\.x/);
    } finally {
      await other.stop();
    }
  });

  it('publishes a model, lists it, reads its metrics and calls, rolls back and deletes it', async () => {
    const bytes = await readFile(iris);
    const progress: number[] = [];
    const published = await client.publish(
      { name: 'iris', file: new Blob([bytes]), filename: 'iris.onnx', pool: 'cpu', public: false },
      (f) => progress.push(f),
    );
    expect(published).toMatchObject({ name: 'iris', version: 1, format: 'onnx', public: false });
    expect(published.invokeUrl).toBe(`${BASE}/fn/iris`);
    expect(published.invokeKey).toMatch(/^sk_/);
    expect(published.curl).toContain(published.invokeKey);
    expect(progress.at(-1)).toBe(1);

    const call = await gw.app.request('/fn/iris', {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${published.invokeKey}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ X: [5.1, 3.5, 1.4, 0.2] }),
    });
    expect(call.status).toBe(200);

    expect((await client.deployments()).map((d) => d.name)).toEqual(['iris']);
    // The call is logged just after its answer is sent.
    await vi.waitFor(async () => expect((await client.metrics('iris')).count).toBe(1), UNTIL);
    expect((await client.metrics('iris')).series).toHaveLength(1);
    const calls = await client.invocations('iris');
    expect(calls[0]).toMatchObject({ status: 200, input: { X: [5.1, 3.5, 1.4, 0.2] } });

    await client.publish({ name: 'iris', file: new Blob([bytes]), filename: 'iris.onnx' });
    expect((await client.deployment('iris')).version).toBe(2);
    await client.rollback('iris', 1);
    const detail = await client.deployment('iris');
    expect(detail.version).toBe(1);
    expect(detail.versions.map((v) => [v.version, v.live])).toEqual([
      [2, false],
      [1, true],
    ]);

    await client.deleteDeployment('iris');
    expect(await client.deployments()).toEqual([]);
  });

  it('names the field of a rejected publish and the problem of a rejected file', async () => {
    const badName = await client
      .publish({ name: 'Not OK', file: new Blob([await readFile(iris)]), filename: 'm.onnx' })
      .catch((e: unknown) => e);
    expect(badName).toBeInstanceOf(GatewayRequestError);
    expect(badName).toMatchObject({ status: 400, field: 'name' });
    expect((badName as Error).message).toContain('(field "name")');

    const corrupt = await client
      .publish({
        name: 'broken',
        file: new Blob(['not a model']),
        filename: 'm.onnx',
        format: 'onnx',
      })
      .catch((e: unknown) => e);
    expect(corrupt).toBeInstanceOf(GatewayRequestError);
    expect(corrupt).toMatchObject({ status: 422 });
    expect((corrupt as Error).message).toMatch(/^The gateway cannot use this file/);
    expect(await client.deployments()).toEqual([]);
  });

  it('says when the URL is not a Slipway gateway', async () => {
    const html = new GatewayClient(
      { baseUrl: BASE, token: ADMIN_TOKEN },
      {
        fetch: () => Promise.resolve(new Response('<html>proxy</html>', { status: 200 })),
        trans,
      },
    );
    await expect(html.health()).rejects.toThrow(/did not answer JSON; is it a Slipway gateway/);
  });
});
