import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifySignature } from '../src/alerts/webhook-sender.js';
import type { Alert, AlertRule } from '../src/protocol/monitoring.js';
import { openEvents } from './support/event-stream.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

const fixture = (name: string) => new URL(`./fixtures/onnx/${name}`, import.meta.url);
const SECRET = 'webhook-secret-0123456789';

let gw: TestGateway;
let key: string;
let records: { X: number[] }[];

/** A receiver of webhooks: each POST's body and headers, in order, awaited one by one. */
function receiver() {
  const got: { body: string; headers: Record<string, string | string[] | undefined> }[] = [];
  const waiting: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push({ body, headers: req.headers });
      res.writeHead(204).end();
      waiting.splice(0).forEach((w) => w());
    });
  });
  return {
    server,
    got,
    async listen() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    },
    async next(n: number) {
      while (got.length < n) await new Promise<void>((r) => waiting.push(r));
      return got[n - 1]!;
    },
  };
}

/** The event stream of the iris deployment. */
const events = (path = '/api/events?deployment=iris') => openEvents(gw, path);

async function invoke(): Promise<{ ids: string[]; predictions: { output_label: number }[] }> {
  const res = await gw.app.request('/fn/iris', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(records),
  });
  return res.json();
}

async function label(ids: string[], actual: (i: number) => number) {
  const res = await gw.app.request('/fn/iris/feedback', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(ids.map((id, i) => ({ id, actual: actual(i) }))),
  });
  expect(res.status).toBe(200);
}

beforeEach(async () => {
  // No timer: rules are evaluated when created, changed, and when labels arrive.
  gw = await startTestGateway({ config: { alertIntervalMs: 3_600_000 } });
  const res = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm(
      { name: 'iris' },
      { bytes: await readFile(fixture('classifier_zipmap.onnx')), filename: 'iris.onnx' },
    ),
  });
  key = (await res.json()).invokeKey;
  records = JSON.parse(await readFile(fixture('classifier_zipmap.expected.json'), 'utf8')).records;
});

afterEach(async () => {
  await gw.stop();
});

describe('alerts', () => {
  it('fires once when accuracy drops, delivers it signed and live, and resolves when it recovers', async () => {
    const hooks = receiver();
    const url = await hooks.listen();
    try {
      const stream = await events();
      const created = await gw.admin('/api/deployments/iris/alert-rules', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'accuracy',
          condition: { kind: 'quality', metric: 'accuracy', threshold: 0.9, minLabels: 4 },
          windowMinutes: 60,
          webhook: { url, secret: SECRET },
        }),
      });
      expect(created.status).toBe(201);
      const rule: AlertRule = await created.json();
      expect(rule).toMatchObject({ state: 'insufficient_data', webhook: { url } });
      expect(JSON.stringify(rule)).not.toContain(SECRET);

      const { ids, predictions } = await invoke();
      // Every label wrong: accuracy 0.
      await label(ids, (i) => (predictions[i]!.output_label + 1) % 3);
      const fired = ((await stream.next('alert')) as { alert: Alert }).alert;
      expect(fired).toMatchObject({ ruleId: rule.id, state: 'firing', value: 0 });
      const hook = await hooks.next(1);
      expect(hook.headers['x-slipway-event']).toBe('alert.firing');
      expect(verifySignature(hook.body, SECRET, String(hook.headers['x-slipway-signature']))).toBe(
        true,
      );
      expect(JSON.parse(hook.body)).toMatchObject({ id: fired.id, state: 'firing' });

      // Still wrong: no second alert.
      await label(ids.slice(0, 2), (i) => (predictions[i]!.output_label + 2) % 3);
      // Right again: resolved.
      await label(ids, (i) => predictions[i]!.output_label);
      const resolved = ((await stream.next('alert')) as { alert: Alert }).alert;
      expect(resolved).toMatchObject({ id: fired.id, state: 'resolved' });
      expect((await hooks.next(2)).headers['x-slipway-event']).toBe('alert.resolved');
      const list: { alerts: Alert[] } = await (
        await gw.admin('/api/deployments/iris/alerts')
      ).json();
      expect(list.alerts).toHaveLength(1);
      expect(list.alerts[0]).toMatchObject({ id: fired.id, state: 'resolved' });
      const rules: { rules: AlertRule[] } = await (
        await gw.admin('/api/deployments/iris/alert-rules')
      ).json();
      expect(rules.rules[0]).toMatchObject({ state: 'ok', lastValue: 1 });
      await stream.close();
    } finally {
      hooks.server.close();
    }
  });

  it('refuses a rule that names no known condition, and a webhook without a secret', async () => {
    const post = (body: unknown) =>
      gw.admin('/api/deployments/iris/alert-rules', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const unknown = await post({ name: 'x', condition: { kind: 'vibes' }, windowMinutes: 5 });
    expect(unknown.status).toBe(400);
    const noSecret = await post({
      name: 'x',
      condition: { kind: 'traffic', below: 1 },
      windowMinutes: 5,
      webhook: { url: 'http://127.0.0.1:9/x' },
    });
    expect(noSecret.status).toBe(400);
    expect((await noSecret.json()).error.field).toMatch(/webhook/);
  });

  it('fires a traffic rule on a window without calls, changes and deletes rules', async () => {
    const created = await gw.admin('/api/deployments/iris/alert-rules', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'quiet',
        condition: { kind: 'traffic', below: 1 },
        windowMinutes: 5,
      }),
    });
    const rule: AlertRule = await created.json();
    expect(rule).toMatchObject({ state: 'firing', lastValue: 0 });
    const changed = await gw.admin(`/api/deployments/iris/alert-rules/${rule.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'quiet',
        condition: { kind: 'error_rate', above: 0.5 },
        windowMinutes: 5,
      }),
    });
    expect(await changed.json()).toMatchObject({ state: 'insufficient_data' });
    const alerts: { alerts: Alert[] } = await (
      await gw.admin('/api/deployments/iris/alerts')
    ).json();
    expect(alerts.alerts.map((a) => a.state)).toEqual(['resolved']);
    expect(
      (await gw.admin(`/api/deployments/iris/alert-rules/${rule.id}`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect(
      (await gw.admin(`/api/deployments/iris/alert-rules/${rule.id}`, { method: 'DELETE' })).status,
    ).toBe(404);
  });
});

describe('/metrics', () => {
  it('counts calls by deployment, version and status, with quality and alert gauges, behind the token', async () => {
    const { ids, predictions } = await invoke();
    await label(ids, (i) => predictions[i]!.output_label);
    await gw.admin('/api/deployments/iris/quality');
    expect((await gw.app.request('/metrics')).status).toBe(401);
    const text = await (await gw.admin('/metrics')).text();
    expect(text).toMatch(/slipway_requests_total\{deployment="iris",version="1",status="200"\} 1/);
    expect(text).toMatch(
      /slipway_request_duration_seconds_count\{deployment="iris",version="1"\} 1/,
    );
    expect(text).toMatch(/slipway_quality\{deployment="iris",version="1",metric="accuracy"\} 1/);
  });
});
