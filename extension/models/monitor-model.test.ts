import { nullTranslator } from '@jupyterlab/translation';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ADMIN_TOKEN,
  startTestGateway,
  type TestGateway,
} from '../../gateway/test/support/test-gateway.js';
import { GatewayClient } from '../client/gateway-client.js';
import { MonitorModel } from './monitor-model.js';
import { UNTIL } from '../testing/until.js';

const trans = nullTranslator.load('slipway');
const iris = new URL('../../gateway/test/fixtures/onnx/classifier_zipmap.onnx', import.meta.url);

describe('MonitorModel against the real gateway app', () => {
  let gw: TestGateway;
  let client: GatewayClient;

  beforeAll(async () => {
    gw = await startTestGateway({ version: '0.1.0' });
    client = new GatewayClient(
      { baseUrl: 'http://slipway.test', token: ADMIN_TOKEN },
      { fetch: (i, init) => Promise.resolve(gw.app.request(String(i), init)), trans },
    );
    await client.publish({
      name: 'iris',
      file: new Blob([await readFile(iris)]),
      filename: 'iris.onnx',
      public: true,
    });
  });
  afterAll(() => gw.stop());

  const call = (body: unknown) =>
    gw.app.request('/fn/iris', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('shows new calls, errors included, after a refresh', async () => {
    const model = new MonitorModel('iris', client);
    let changes = 0;
    model.changed.connect(() => changes++);
    await model.refresh();
    expect(model.error).toBeNull();
    expect(model.snapshot?.metrics.count).toBe(0);

    expect((await call({ X: [5.1, 3.5, 1.4, 0.2] })).status).toBe(200);
    expect((await call({ X: 'not numbers' })).status).toBe(400);
    // A call is logged just after its answer is sent: the panel sees it on a later refresh.
    await vi.waitFor(async () => {
      await model.refresh();
      expect(model.snapshot?.metrics.count).toBe(2);
    }, UNTIL);
    const snap = model.snapshot!;
    expect(snap.metrics.errors).toBe(1);
    expect(snap.invocations.map((i) => i.status).sort()).toEqual([200, 400]);
    expect(snap.deployment.versions).toHaveLength(1);
    expect(changes).toBeGreaterThanOrEqual(2);
  });

  it('keeps the last figures and shows the error when the gateway goes away', async () => {
    let up = true;
    const flaky = new GatewayClient(
      { baseUrl: 'http://slipway.test', token: ADMIN_TOKEN },
      {
        fetch: (i, init) =>
          up
            ? Promise.resolve(gw.app.request(String(i), init))
            : Promise.reject(new TypeError('down')),
        trans,
      },
    );
    const model = new MonitorModel('iris', flaky);
    await model.refresh();
    const before = model.snapshot;
    up = false;
    await model.refresh();
    expect(model.snapshot).toBe(before);
    expect(model.error).toMatch(/not reachable at http:\/\/slipway\.test/);
  });

  it('rolls back and shows the live version', async () => {
    await client.publish({
      name: 'iris',
      file: new Blob([await readFile(iris)]),
      filename: 'iris.onnx',
    });
    const model = new MonitorModel('iris', client);
    await model.rollback(1);
    expect(model.snapshot?.deployment.version).toBe(1);
    await expect(model.rollback(7)).rejects.toThrow(/7/);
  });
});
