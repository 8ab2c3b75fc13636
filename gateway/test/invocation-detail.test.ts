import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationDetail } from '../src/protocol/invocation-detail.js';
import { notebookTracebacks } from '../src/protocol/invocation-detail.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

// GET /api/deployments/:name/invocations/:id: one call in full, through the real app. The toy
// notebook does not write an executed notebook; the test writes one where papermill would.

let gw: TestGateway;
const keys: Record<string, string> = {};

beforeAll(async () => {
  gw = await startTestGateway();
  const publish = async (name: string, bytes: string, filename: string) => {
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name }, { bytes, filename }),
    });
    expect(res.status).toBe(201);
    keys[name] = ((await res.json()) as { invokeKey: string }).invokeKey;
  };
  await publish('sum', '{"toy":"sum"}', 'm.toy.json');
  await publish(
    'echo',
    JSON.stringify({ toyNotebook: { parameters: { x: 1, fail: false } } }),
    'echo.toynb.json',
  );
});
afterAll(() => gw.stop());

/** Calls `/fn/:name` with its key; answers the call id. */
async function call(name: string, body: unknown): Promise<{ id: string; status: number }> {
  const res = await gw.app.request(`/fn/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys[name]}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { id: res.headers.get('x-request-id')!, status: res.status };
}

const detail = async (name: string, id: string) => {
  const res = await gw.admin(`/api/deployments/${name}/invocations/${id}`);
  return { status: res.status, body: (await res.json()) as InvocationDetail };
};

describe('GET /api/deployments/:name/invocations/:id', () => {
  it('answers a good call with its input, output, status, latency, version and format', async () => {
    const good = await call('sum', { a: 1, b: 2 });
    expect(good.status).toBe(200);
    const { status, body } = await detail('sum', good.id);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: good.id,
      name: 'sum',
      version: 1,
      status: 200,
      // The toy model's own format name (the test runtime's).
      format: 'toy',
      input: { a: 1, b: 2 },
      error: null,
      run: null,
    });
    expect(body.output).toBeTruthy();
    expect(body.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('answers a failed call with its error and the input it was refused for', async () => {
    const bad = await call('sum', { a: 'one', b: 2 });
    expect(bad.status).toBe(400);
    const { status, body } = await detail('sum', bad.id);
    expect(status).toBe(200);
    expect(body.status).toBe(400);
    expect(body.input).toEqual({ a: 'one', b: 2 });
    expect(body.error?.message).toMatch(/a/);
  });

  it('gives a notebook call its run, the executed notebook link and the traceback', async () => {
    const failed = await call('echo', { x: 3, fail: true });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    // What papermill leaves: the raising cell's error output, with the kernel's colours.
    const runsDir = join(gw.dataDir, 'runs');
    await mkdir(runsDir, { recursive: true });
    await writeFile(
      join(runsDir, `${failed.id}.ipynb`),
      JSON.stringify(executedNotebook('ValueError', 'told to fail')),
    );
    const { status, body } = await detail('echo', failed.id);
    expect(status).toBe(200);
    // The toy notebook's own format name (the test runtime's).
    expect(body.format).toBe('toy-notebook');
    expect(body.input).toEqual({ x: 3, fail: true });
    expect(body.error?.message).toContain('told to fail');
    expect(body.run).toEqual({
      id: failed.id,
      status: 'failed',
      statusPath: `/api/deployments/echo/runs/${failed.id}`,
      notebookPath: `/api/deployments/echo/runs/${failed.id}/notebook`,
      tracebacks: [
        {
          cell: 1,
          executionCount: 2,
          ename: 'ValueError',
          evalue: 'told to fail',
          traceback: expect.stringContaining('ValueError: told to fail'),
        },
      ],
    });
    expect(body.run!.tracebacks[0]!.traceback).not.toContain('\u001b');
    // The link opens the notebook with the admin token.
    const nb = await gw.admin(body.run!.notebookPath!);
    expect(nb.status).toBe(200);

    const ok = await call('echo', { x: 4 });
    const good = await detail('echo', ok.id);
    expect(good.body.run).toMatchObject({
      status: 'succeeded',
      notebookPath: null,
      tracebacks: [],
    });
  });

  it('is 404 for an unknown call or deployment, 400 for an id that is no UUID, 401 without the token', async () => {
    const { id } = await call('sum', { a: 1, b: 1 });
    const unknown = await gw.admin(`/api/deployments/sum/invocations/${crypto.randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.message).toMatch(/call .* not found/);
    // A call of another deployment is not this deployment's.
    expect((await gw.admin(`/api/deployments/echo/invocations/${id}`)).status).toBe(404);
    expect((await gw.admin(`/api/deployments/nope/invocations/${id}`)).status).toBe(404);
    const bad = await gw.admin('/api/deployments/sum/invocations/not-a-uuid');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/id/);
    const anonymous = await gw.app.request(`/api/deployments/sum/invocations/${id}`);
    expect(anonymous.status).toBe(401);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await (await gw.admin('/api/openapi.json')).json();
    const op = doc.paths['/api/deployments/{name}/invocations/{id}']?.get;
    expect(op).toBeDefined();
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '404', '401']));
    expect(doc.components.schemas.InvocationDetail).toBeDefined();
  });
});

describe('notebookTracebacks', () => {
  it('reads the error outputs of an executed notebook, in cell order, without colours', () => {
    expect(notebookTracebacks(executedNotebook('KeyError', "'x'"))).toEqual([
      {
        cell: 1,
        executionCount: 2,
        ename: 'KeyError',
        evalue: "'x'",
        traceback: "Traceback (most recent call last)\n  Cell In[2], line 1\nKeyError: 'x'",
      },
    ]);
  });

  it('answers [] for anything that is not a notebook', () => {
    expect(notebookTracebacks(null)).toEqual([]);
    expect(notebookTracebacks({ cells: 'no' })).toEqual([]);
    expect(notebookTracebacks({ cells: [{ outputs: [{ output_type: 'stream' }] }] })).toEqual([]);
  });
});

function executedNotebook(ename: string, evalue: string) {
  const red = (s: string) => `\u001b[0;31m${s}\u001b[0m`;
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: 'code', source: 'x = 1', metadata: {}, outputs: [], execution_count: 1 },
      {
        cell_type: 'code',
        source: 'raise',
        metadata: {},
        execution_count: 2,
        outputs: [
          {
            output_type: 'error',
            ename,
            evalue,
            traceback: [
              red('Traceback (most recent call last)'),
              '  Cell In[2], line 1',
              `${red(ename)}: ${evalue}`,
            ],
          },
        ],
      },
    ],
  };
}
