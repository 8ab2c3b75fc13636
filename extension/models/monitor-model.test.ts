import { nullTranslator } from '@jupyterlab/translation';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ADMIN_TOKEN,
  startTestGateway,
  type TestGateway,
} from '../../gateway/test/support/test-gateway.js';
import { GatewayClient } from '../client/gateway-client.js';
import { MonitorModel, versionTrafficRows } from './monitor-model.js';
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

describe('traffic per version against the real gateway app', () => {
  let gw: TestGateway;
  let client: GatewayClient;
  /** The split's draws alternate halves: of two calls in a row, one goes to each version. */
  let draws = 0;

  const toy = (artifact: object) =>
    client.publish({
      name: 'm',
      file: new Blob([JSON.stringify(artifact)]),
      filename: 'm.toy.json',
      public: true,
    });
  const call = (a: number) =>
    gw.app.request('/fn/m', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ a, b: 1 }),
    });

  beforeAll(async () => {
    gw = await startTestGateway({ version: '0.1.0', random: () => (draws++ % 2 ? 0.75 : 0.25) });
    client = new GatewayClient(
      { baseUrl: 'http://slipway.test', token: ADMIN_TOKEN },
      { fetch: (i, init) => Promise.resolve(gw.app.request(String(i), init)), trans },
    );
    // v1 and v2 refuse a = 0; v3, live, answers everything.
    await toy({ toy: 'sum', failWhen: 0 });
    await toy({ toy: 'sum', failWhen: 0 });
    await toy({ toy: 'sum' });
  });
  afterAll(() => gw.stop());

  it('asks the routed versions alone, and shows a row per version that answered', async () => {
    const asked: string[] = [];
    const seeing = new GatewayClient(
      { baseUrl: 'http://slipway.test', token: ADMIN_TOKEN },
      {
        fetch: (i, init) => {
          const url = new URL(String(i));
          if (url.pathname.endsWith('/metrics'))
            asked.push(url.searchParams.get('version') ?? 'all');
          return Promise.resolve(gw.app.request(String(i), init));
        },
        trans,
      },
    );
    const model = new MonitorModel('m', seeing);
    await model.refresh();
    // One version routed: the deployment's figures and the live version's.
    expect(asked.sort()).toEqual(['3', 'all']);
    expect(versionTrafficRows(model.snapshot!)).toEqual([]);

    await client.request('PUT', '/api/deployments/m/traffic', { json: { '2': 50, '3': 50 } });
    await client.retraining.setShadow('m', 1);
    // Of each pair, one call to v2 and one to v3; v2 refuses the second pair, v3 does not.
    for (const a of [1, 1, 0, 0]) await call(a);
    // The shadow's copies run after the answers: the three answered calls are copied to v1,
    // which refuses the one with a = 0.
    await vi.waitFor(async () => {
      await model.refresh();
      expect(model.snapshot!.perVersion.find((v) => v.role === 'shadow')?.metrics.count).toBe(3);
    }, UNTIL);
    asked.length = 0;
    await model.refresh();
    expect(asked.sort()).toEqual(['1', '2', '3', 'all']);

    const snap = model.snapshot!;
    // The shadow's copies are not the deployment's calls.
    expect(snap.metrics).toMatchObject({ count: 4, errors: 1 });
    const rows = versionTrafficRows(snap).map((r) => ({
      version: r.version,
      role: r.role,
      percent: r.percent,
      share: r.share,
      count: r.metrics.count,
      errorRate: r.metrics.errorRate,
    }));
    expect(rows).toEqual([
      { version: 3, role: 'live', percent: 50, share: 0.5, count: 2, errorRate: 0 },
      { version: 2, role: 'split', percent: 50, share: 0.5, count: 2, errorRate: 0.5 },
      { version: 1, role: 'shadow', percent: null, share: null, count: 3, errorRate: 1 / 3 },
    ]);
    expect(snap.perVersion.every((v) => v.metrics.latencyMs.p50 !== null)).toBe(true);
  });
});
