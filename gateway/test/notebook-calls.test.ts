import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

// The notebook path of /fn/:name on the toy notebook: what every notebook runtime gets from the
// data plane (parameters, runs, ids, logging), without Python. Real papermill runs are in
// notebooks.test.ts.

let gw: TestGateway;
let key: string;
let modelKey: string;
beforeAll(async () => {
  gw = await startTestGateway();
  const publish = async (name: string, bytes: string, filename: string) =>
    (
      await (
        await gw.admin('/api/deployments', {
          method: 'POST',
          body: publishForm({ name }, { bytes, filename }),
        })
      ).json()
    ).invokeKey as string;
  key = await publish(
    'echo',
    JSON.stringify({ toyNotebook: { parameters: { x: 1, label: 'hi', seconds: 0, fail: false } } }),
    'echo.toynb.json',
  );
  modelKey = await publish('sum', '{"toy":"sum"}', 'm.toy.json');
});
afterAll(async () => {
  await gw.stop();
});

const call = (path: string, init: RequestInit & { key?: string | null } = {}) => {
  const headers = new Headers(init.headers);
  if (init.key !== null) headers.set('authorization', `Bearer ${init.key ?? key}`);
  return gw.app.request(path, { method: 'POST', ...init, headers });
};
const json = (body: unknown) => ({
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});
const invocations = async (name = 'echo') =>
  (await (await gw.admin(`/api/deployments/${name}/invocations`)).json()).invocations as {
    id: string;
    status: number;
    protocol: string;
    input: unknown;
    error: { code: string } | null;
  }[];

describe('notebook calls through the data plane', () => {
  it('runs under the call id: X-Request-Id is the run id, and the run is readable with the key', async () => {
    const res = await call('/fn/echo?label=query', json({ x: 7 }));
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id')!;
    expect(await res.json()).toMatchObject({
      id,
      version: 1,
      outputs: [{ x: 7, label: 'query', seconds: 0, fail: false }],
    });
    expect(res.headers.get('x-slipway-cold-start')).toBe('false');
    const run = await gw.app.request(`/fn/echo/runs/${id}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(await run.json()).toMatchObject({ id, status: 'succeeded' });
    // The runs of a deployment are not readable with another deployment's key.
    const other = await gw.app.request(`/fn/echo/runs/${id}`, {
      headers: { authorization: `Bearer ${modelKey}` },
    });
    expect(other.status).toBe(401);
    // The management API's runs route takes the admin token, not the invoke key.
    expect((await gw.admin(`/api/deployments/echo/runs/${id}`)).status).toBe(200);
    const keyed = await gw.app.request(`/api/deployments/echo/runs/${id}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(keyed.status).toBe(401);
  });

  it('takes a form, typed as papermill -p types text', async () => {
    const res = await call('/fn/echo', {
      body: new URLSearchParams({ x: '3', fail: 'False', label: '12' }),
    });
    expect((await res.json()).outputs).toEqual([{ x: 3, label: '12', seconds: 0, fail: false }]);
  });

  it('answers 202 with a status URL for an asynchronous call', async () => {
    const res = await call('/fn/echo?async=true', json({ x: 2 }));
    expect(res.status).toBe(202);
    const id = res.headers.get('x-request-id')!;
    const body = await res.json();
    expect(body).toEqual({
      id,
      version: 1,
      status: 'running',
      statusUrl: `http://slipway.test/fn/echo/runs/${id}`,
    });
    expect(res.headers.get('location')).toBe(body.statusUrl);
  });

  it('answers a failed run with its cell and where to read the run: runId, statusUrl, notebookUrl', async () => {
    const res = await call('/fn/echo', json({ fail: true }));
    expect(res.status).toBe(500);
    const id = res.headers.get('x-request-id')!;
    const links = {
      runId: id,
      statusUrl: `http://slipway.test/fn/echo/runs/${id}`,
      notebookUrl: `http://slipway.test/fn/echo/runs/${id}/notebook`,
    };
    const cell = {
      position: 2,
      executionCount: 2,
      firstLine: 'if fail: raise ValueError("told to fail")',
    };
    expect((await res.json()).error).toEqual({
      code: 'notebook_failed',
      message: 'cell 2 raised ValueError: told to fail',
      cell,
      ...links,
    });
    // The status URL answers the same error, with the same links, to the deployment's key.
    const run = await (
      await gw.app.request(new URL(links.statusUrl).pathname, {
        headers: { authorization: `Bearer ${key}` },
      })
    ).json();
    expect(run).toMatchObject({
      id,
      status: 'failed',
      statusUrl: links.statusUrl,
      notebookUrl: links.notebookUrl,
      error: { code: 'notebook_failed', cell, ...links },
    });
  });

  it('gives the error of an asynchronous run the same links, at its status URL', async () => {
    const res = await call('/fn/echo?async=true', json({ fail: true }));
    expect(res.status).toBe(202);
    const { id, statusUrl } = await res.json();
    const path = new URL(statusUrl).pathname;
    const read = async () =>
      (await gw.app.request(path, { headers: { authorization: `Bearer ${key}` } })).json();
    await expect.poll(async () => (await read()).status).toBe('failed');
    expect((await read()).error).toEqual({
      code: 'notebook_failed',
      message: 'cell 2 raised ValueError: told to fail',
      cell: {
        position: 2,
        executionCount: 2,
        firstLine: 'if fail: raise ValueError("told to fail")',
      },
      runId: id,
      statusUrl,
      notebookUrl: `${statusUrl}/notebook`,
    });
  });

  it('puts the run links in errors other than a failed cell too (a run past its timeout)', async () => {
    const published = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name: 'echo-timeout', config: JSON.stringify({ timeoutSeconds: 1 }) },
        {
          bytes: JSON.stringify({ toyNotebook: { parameters: { seconds: 0 } } }),
          filename: 'e.toynb.json',
        },
      ),
    });
    const { invokeKey } = await published.json();
    const res = await call('/fn/echo-timeout', { ...json({ seconds: 60 }), key: invokeKey });
    expect(res.status).toBe(504);
    const id = res.headers.get('x-request-id')!;
    const { error } = await res.json();
    expect(error).toMatchObject({
      code: 'deadline_exceeded',
      runId: id,
      statusUrl: `http://slipway.test/fn/echo-timeout/runs/${id}`,
      notebookUrl: `http://slipway.test/fn/echo-timeout/runs/${id}/notebook`,
    });
    expect(error.cell).toBeUndefined();
  });

  it('logs every refused call as a model call is logged: 400, 401, 415 and a failed run', async () => {
    const calls = [
      await call('/fn/echo', json({ x: 'many' })),
      await call('/fn/echo', json({ nope: 1 })),
      await call('/fn/echo', { ...json({ x: 1 }), key: null }),
      await call('/fn/echo', { ...json({ x: 1 }), key: 'sk_wrong' }),
      await call('/fn/echo', { body: 'x=1', headers: { 'content-type': 'text/plain' } }),
      await call('/fn/echo', json({ fail: true })),
    ];
    expect(calls.map((r) => r.status)).toEqual([400, 400, 401, 401, 415, 500]);
    expect((await calls[1]!.json()).error.field).toBe('nope');
    const byId = new Map((await invocations()).map((r) => [r.id, r]));
    const rows = calls.map((r) => byId.get(r.headers.get('x-request-id')!));
    expect(rows.map((r) => [r?.status, r?.protocol, r?.error?.code])).toEqual([
      [400, 'notebook', 'invalid_input'],
      [400, 'notebook', 'invalid_input'],
      [401, 'notebook', 'unauthorized'],
      [401, 'notebook', 'unauthorized'],
      [415, 'notebook', 'unsupported_media_type'],
      [500, 'notebook', 'notebook_failed'],
    ]);
    // A refused caller's body is never read, so nothing of it is kept.
    expect([rows[2]?.input, rows[3]?.input]).toEqual([null, null]);
  });

  it('refuses a JSON array: a notebook takes one object of parameters', async () => {
    const res = await call('/fn/echo', json([{ x: 1 }]));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain('one JSON object of parameters');
  });

  it('refuses the MLflow and OIP routes for a notebook, naming its URL', async () => {
    const mlflow = await call('/fn/echo/invocations', json({ dataframe_records: [{ x: 1 }] }));
    expect(mlflow.status).toBe(400);
    expect((await mlflow.json()).error).toMatchObject({ code: 'not_a_model' });
    const oip = await call('/v2/models/echo/infer', json({ inputs: [] }));
    expect(oip.status).toBe(400);
  });
});
