import { nullTranslator } from '@jupyterlab/translation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  publishForm,
  startTestGateway,
  type TestGateway,
} from '../../gateway/test/support/test-gateway.js';
import { GatewayRequestError } from './errors.js';
import { GatewayClient } from './gateway-client.js';

const trans = nullTranslator.load('slipway');

describe('GatewayClient: invoke keys, against the real gateway app', () => {
  let gw: TestGateway;
  let client: GatewayClient;
  const viaApp: typeof fetch = (input, init) =>
    Promise.resolve(gw.app.request(String(input), init));

  beforeAll(async () => {
    gw = await startTestGateway();
    client = new GatewayClient(
      { baseUrl: 'http://slipway.test', token: ADMIN_TOKEN },
      { fetch: viaApp, trans },
    );
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: 'm' }, { bytes: '{"toy":"sum"}', filename: 'm.toy.json' }),
    });
    expect(res.status).toBe(201);
  });
  afterAll(() => gw.stop());

  it('issues a key, lists keys without it, and revokes one', async () => {
    const [first] = await client.invokeKeys('m');
    const created = await client.issueInvokeKey('m', { revokeOthersAfterSeconds: 3600 });
    expect(created.key).toMatch(/^sk_/);
    const keys = await client.invokeKeys('m');
    expect(keys.map((k) => k.id)).toContain(created.id);
    expect(JSON.stringify(keys)).not.toContain(created.key);
    expect(keys.find((k) => k.id === first!.id)?.expiresAt).not.toBeNull();

    await client.revokeInvokeKey('m', first!.id);
    expect((await client.invokeKeys('m')).map((k) => k.id)).toEqual([created.id]);
    const last = await client.revokeInvokeKey('m', created.id).catch((e: unknown) => e);
    expect(last).toBeInstanceOf(GatewayRequestError);
    expect((last as GatewayRequestError).code).toBe('last_key');
  });
});
