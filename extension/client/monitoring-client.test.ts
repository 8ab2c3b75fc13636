import { nullTranslator } from '@jupyterlab/translation';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MonitoringEvent } from '../../gateway/src/protocol/monitoring.js';
import {
  ADMIN_TOKEN,
  startTestGateway,
  type TestGateway,
} from '../../gateway/test/support/test-gateway.js';
import { UNTIL } from '../testing/until.js';
import { LiveEvents } from './live-events.js';
import {
  accuracyRule,
  driftReport,
  monitoringFetch,
  qualityReport,
  referenceSummary,
  type SeenRequest,
} from '../testing/monitoring.js';
import { GatewayAuthError, GatewayRequestError, GatewayUnreachableError } from './errors.js';
import { GatewayClient } from './gateway-client.js';
import type { Uploader } from './upload.js';

const trans = nullTranslator.load('slipway');
const BASE = 'http://gw.test';

function client(seen: SeenRequest[] = [], opts: { upload?: Uploader } = {}) {
  return new GatewayClient(
    { baseUrl: `${BASE}/`, token: 'tok' },
    { trans, fetch: monitoringFetch(seen), ...opts },
  );
}

describe('the monitoring endpoints, as the client calls them', () => {
  it('asks for quality over a window, per version and bucket', async () => {
    const seen: SeenRequest[] = [];
    const from = new Date('2026-11-21T10:00:00.000Z');
    const to = new Date('2026-11-22T10:00:00.000Z');
    expect(await client(seen).quality('iris', { from, to, bucket: 'day' })).toEqual(
      qualityReport(),
    );
    expect(await client(seen).quality('iris', { version: 2 })).toEqual(qualityReport(2));
    expect(seen.map((s) => [s.method, s.path, s.query, s.headers.authorization])).toEqual([
      [
        'GET',
        '/api/deployments/iris/quality',
        { from: from.toISOString(), to: to.toISOString(), bucket: 'day' },
        'Bearer tok',
      ],
      ['GET', '/api/deployments/iris/quality', { version: '2' }, 'Bearer tok'],
    ]);
  });

  it('asks for drift over a window', async () => {
    const seen: SeenRequest[] = [];
    const to = new Date('2026-11-22T10:00:00.000Z');
    expect(await client(seen).drift('iris', { to, version: 1 })).toEqual({
      ...driftReport,
      version: 1,
    });
    expect(seen[0]).toMatchObject({
      path: '/api/deployments/iris/drift',
      query: { to: to.toISOString(), version: '1' },
    });
  });

  it('lists alerts and rules; creates, replaces and deletes a rule', async () => {
    const seen: SeenRequest[] = [];
    const c = client(seen);
    expect((await c.alerts('iris')).map((a) => a.id)).toEqual(['a1', 'a2']);
    expect((await c.alertRules('iris')).map((r) => r.id)).toEqual(['r1', 'r2']);
    const input = {
      name: 'slow',
      condition: { kind: 'latency_p95' as const, aboveMs: 200 },
      windowMinutes: 15,
    };
    expect(await c.createAlertRule('iris', input)).toMatchObject({ id: 'r3', name: 'slow' });
    expect(await c.updateAlertRule('iris', 'r 1', input)).toMatchObject({ name: 'slow' });
    expect(await c.deleteAlertRule('iris', 'r1')).toBeUndefined();
    expect(seen.slice(2).map((s) => [s.method, s.path, s.headers['content-type'], s.body])).toEqual(
      [
        ['POST', '/api/deployments/iris/alert-rules', 'application/json', JSON.stringify(input)],
        [
          'PUT',
          '/api/deployments/iris/alert-rules/r%201',
          'application/json',
          JSON.stringify(input),
        ],
        ['DELETE', '/api/deployments/iris/alert-rules/r1', undefined, null],
      ],
    );
  });

  it('sends ground truth and a reference as the raw file with its type, reporting progress', async () => {
    const seen: SeenRequest[] = [];
    const progress: number[] = [];
    const c = client(seen);
    const csv = 'id,actual\nc1,setosa\n';
    const result = await c.sendFeedback(
      'iris',
      { file: new Blob([csv]), contentType: 'text/csv' },
      (f) => progress.push(f),
    );
    expect(result).toMatchObject({ accepted: 2, rejected: 1 });
    expect(progress).toEqual([1]);
    const parquet = new Uint8Array([0x50, 0x41, 0x52, 0x31]);
    expect(
      await c.setReference('iris', {
        file: new Blob([parquet]),
        contentType: 'application/vnd.apache.parquet',
      }),
    ).toEqual(referenceSummary);
    expect(seen.map((s) => [s.method, s.path, s.headers['content-type'], s.body])).toEqual([
      ['POST', '/api/deployments/iris/feedback', 'text/csv', csv],
      ['PUT', '/api/deployments/iris/reference', 'application/vnd.apache.parquet', 'PAR1'],
    ]);
    expect(seen[0]!.headers.authorization).toBe('Bearer tok');
  });

  it("passes a malformed file's row and column on, as the gateway wrote them", async () => {
    const upload: Uploader = async () => ({
      status: 400,
      body: JSON.stringify({
        error: { code: 'invalid_input', message: 'row 3, column actual: empty', field: 'file' },
      }),
    });
    const err = await client([], { upload })
      .sendFeedback('iris', { file: new Blob(['x']), contentType: 'text/csv' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayRequestError);
    expect(err).toMatchObject({ status: 400, code: 'invalid_input', field: 'file' });
    expect((err as Error).message).toBe('row 3, column actual: empty (field "file")');
  });

  it('says when the upload never reached the gateway', async () => {
    const upload: Uploader = () => Promise.reject(new TypeError('network error'));
    const err = await client([], { upload })
      .setReference('iris', { file: new Blob(['x']), contentType: 'application/x-ndjson' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayUnreachableError);
  });

  it("answers a missing deployment with the gateway's typed error", async () => {
    const err = await client()
      .drift('missing')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 404, code: 'not_found', message: 'no deployment missing' });
  });
});

describe('the event stream request', () => {
  it('sends the token and asks for one deployment, and hands the body over', async () => {
    let asked: { url: string; headers: Headers; signal?: AbortSignal | null } | null = null;
    const body = new ReadableStream<Uint8Array>();
    const c = new GatewayClient(
      { baseUrl: BASE, token: 'tok' },
      {
        trans,
        fetch: async (input, init) => {
          asked = { url: String(input), headers: new Headers(init?.headers), signal: init?.signal };
          return new Response(body, { headers: { 'Content-Type': 'text/event-stream' } });
        },
      },
    );
    const controller = new AbortController();
    expect(await c.events('iris', controller.signal)).toBe(body);
    expect(asked!.url).toBe(`${BASE}/api/events?deployment=iris`);
    expect(asked!.headers.get('authorization')).toBe('Bearer tok');
    expect(asked!.headers.get('accept')).toBe('text/event-stream');
    expect(asked!.signal).toBe(controller.signal);
  });

  it('rejects with the typed error of a refused stream', async () => {
    const c = new GatewayClient(
      { baseUrl: BASE, token: 'bad' },
      {
        trans,
        fetch: async () =>
          new Response(JSON.stringify({ error: { code: 'unauthorized', message: 'bad token' } }), {
            status: 401,
          }),
      },
    );
    await expect(c.events('iris')).rejects.toBeInstanceOf(GatewayAuthError);
  });

  it('lets an abort through as it is, not as an unreachable gateway', async () => {
    const controller = new AbortController();
    controller.abort();
    const c = new GatewayClient(
      { baseUrl: BASE, token: 't' },
      { trans, fetch: () => Promise.reject(new DOMException('aborted', 'AbortError')) },
    );
    const err = await c.events('iris', controller.signal).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(GatewayUnreachableError);
  });
});

describe('a rule round trip keeps what the form does not show', () => {
  it('sends the rule input as given', async () => {
    const seen: SeenRequest[] = [];
    await client(seen).updateAlertRule('iris', accuracyRule.id, {
      name: accuracyRule.name,
      condition: accuracyRule.condition,
      windowMinutes: 60,
      version: 2,
      webhook: { url: 'https://hooks.example.test/x', secret: '0123456789abcdef' },
    });
    expect(JSON.parse(seen[0]!.body!)).toMatchObject({
      version: 2,
      webhook: { secret: '0123456789abcdef' },
    });
  });
});

describe('the monitoring endpoints against the real gateway app', () => {
  let gw: TestGateway;
  let c: GatewayClient;
  const viaApp: typeof fetch = (input, init) =>
    Promise.resolve(gw.app.request(String(input), init));
  const iris = new URL('../../gateway/test/fixtures/onnx/classifier_zipmap.onnx', import.meta.url);
  /** Calls iris; answers the prediction id (the call's X-Request-Id) and the class it answered. */
  const callIris = async (X: number[]) => {
    const res = await gw.app.request('/fn/iris', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ X }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { prediction: { output_label: number } };
    return { id: res.headers.get('x-request-id')!, label: body.prediction.output_label };
  };

  beforeAll(async () => {
    gw = await startTestGateway({ version: '0.1.0' });
    c = new GatewayClient({ baseUrl: BASE, token: ADMIN_TOKEN }, { fetch: viaApp, trans });
    await c.publish({
      name: 'iris',
      file: new Blob([await readFile(iris)]),
      filename: 'iris.onnx',
      public: true,
    });
  });
  afterAll(() => gw.stop());

  it('sends labels from a CSV and reads the accuracy they make, live on the event stream', async () => {
    const events: MonitoringEvent[] = [];
    const live = new LiveEvents({ connect: (signal) => c.events('iris', signal) });
    live.received.connect((_, e) => events.push(e));
    void live.start();
    await vi.waitFor(() => expect(live.state).toBe('open'), UNTIL);
    try {
      const a = await callIris([5.1, 3.5, 1.4, 0.2]);
      const b = await callIris([6.7, 3.0, 5.2, 2.3]);
      const csv = `id,actual\n${a.id},${a.label}\n${b.id},${(b.label + 1) % 3}\nnope,1\n`;
      const result = await c.sendFeedback('iris', {
        file: new Blob([csv]),
        contentType: 'text/csv',
      });
      expect(result).toMatchObject({ accepted: 2, rejected: 1 });
      expect(result.items?.[0]).toMatchObject({ id: 'nope', status: 'not_found' });
      const report = await c.quality('iris', { bucket: 'day' });
      expect(report.overall).toMatchObject({ task: 'classification', labelled: 2, accuracy: 0.5 });
      expect(report.versions.map((v) => v.version)).toEqual([1]);
      await vi.waitFor(
        () => expect(events).toContainEqual(expect.objectContaining({ type: 'feedback' })),
        UNTIL,
      );
    } finally {
      live.dispose();
    }
  });

  it('names the missing column of a malformed file', async () => {
    const err = await c
      .sendFeedback('iris', { file: new Blob(['id\nx\n']), contentType: 'text/csv' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400 });
    expect((err as Error).message).toMatch(/no column "actual"/);
  });

  it('measures drift only once a reference is set, and a drift rule fires', async () => {
    const none = await c.drift('iris').catch((e: unknown) => e);
    expect(none).toMatchObject({ status: 409, code: 'no_reference' });
    const flowers = Array.from(
      { length: 30 },
      (_, i) =>
        `${4.5 + (i % 10) * 0.2},${3 + (i % 5) * 0.1},${1.4 + (i % 3)},${0.2 + (i % 4) * 0.5}`,
    );
    const rows = ['X[0],X[1],X[2],X[3]', ...flowers];
    const summary = await c.setReference('iris', {
      file: new Blob([rows.join('\n')]),
      contentType: 'text/csv',
    });
    expect(summary).toMatchObject({ name: 'iris', rows: 30, source: 'upload' });
    expect(summary.features.map((f) => f.name)).toEqual(['X[0]', 'X[1]', 'X[2]', 'X[3]']);
    for (let i = 0; i < 20; i++) await callIris([15 + i * 0.1, 13, 11, 12]);
    const report = await c.drift('iris');
    expect(report.referenceRows).toBe(30);
    expect(report.features.map((f) => f.name)).toEqual(['X[0]', 'X[1]', 'X[2]', 'X[3]']);
    // Flowers three times the size of any in the reference.
    expect(report.features[0]!.drift).toBe(true);

    const rule = await c.createAlertRule('iris', {
      name: 'inputs drifted',
      condition: { kind: 'drift' },
      windowMinutes: 60,
    });
    expect(rule).toMatchObject({ deployment: 'iris', enabled: true });
    const changed = await c.updateAlertRule('iris', rule.id, {
      name: 'inputs drifted',
      condition: { kind: 'drift', feature: 'X[0]' },
      windowMinutes: 30,
    });
    expect(changed).toMatchObject({ id: rule.id, windowMinutes: 30 });
    expect((await c.alertRules('iris')).map((r) => r.id)).toEqual([rule.id]);
    await vi.waitFor(
      async () => expect((await c.alerts('iris')).map((a) => a.ruleId)).toContain(rule.id),
      UNTIL,
    );
    await c.deleteAlertRule('iris', rule.id);
    expect(await c.alertRules('iris')).toEqual([]);
  });
});
