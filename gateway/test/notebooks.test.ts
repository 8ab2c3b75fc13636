import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPython } from './support/python.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

/** Notebooks published and called through the real gateway, papermill and ipykernel. */
const python = await testPython();
const fixtures = new URL('./fixtures/notebooks/', import.meta.url);

/** Child processes of `pid`. */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter(Boolean);
  } catch {
    return [];
  }
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!python)('notebooks (needs the worker venv: npm test makes it)', () => {
  let gw: TestGateway;
  const keys: Record<string, string> = {};

  /** The worker's kernels: its children, and the children of the zygotes it forks them from. */
  async function kernelsOf(workerPid: number): Promise<number[]> {
    const { zygotePids } = await gw.python.call<{ zygotePids: number[] }>('stats');
    return childrenOf(workerPid).flatMap((p) => (zygotePids.includes(p) ? childrenOf(p) : [p]));
  }

  async function publish(file: string, name: string, config?: object) {
    const bytes = await readFile(new URL(`${file}.ipynb`, fixtures));
    const fields: Record<string, string> = { name };
    if (config) fields.config = JSON.stringify(config);
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(fields, { bytes, filename: `${file}.ipynb` }),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    if (body.invokeKey) keys[name] = body.invokeKey;
    return body;
  }

  const call = (
    name: string,
    body?: unknown,
    init: { query?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ) =>
    gw.app.request(`/fn/${name}${init.query ?? ''}`, {
      method: 'POST',
      signal: init.signal,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      headers: {
        authorization: `Bearer ${keys[name]}`,
        ...(body === undefined || typeof body === 'string'
          ? {}
          : { 'content-type': 'application/json' }),
        ...init.headers,
      },
    });

  beforeAll(async () => {
    gw = await startTestGateway({ config: { python } });
    await publish('typed', 'typed');
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it('reads the parameters cell: names, types from the defaults, defaults and comments', async () => {
    const d = await (await gw.admin('/api/deployments/typed')).json();
    expect(d.format).toBe('notebook');
    expect(d.signature.inputs).toEqual([
      {
        name: 'count',
        type: 'int64',
        shape: [],
        required: false,
        default: 3,
        help: 'how many items',
      },
      {
        name: 'rate',
        type: 'float64',
        shape: [],
        required: false,
        default: 0.5,
        help: 'a float',
      },
      {
        name: 'enabled',
        type: 'bool',
        shape: [],
        required: false,
        default: true,
      },
      {
        name: 'label',
        type: 'string',
        shape: [],
        required: false,
        default: 'hello',
        help: 'some text',
      },
      {
        name: 'items',
        type: 'json',
        required: false,
        default: [1, 2, 3],
      },
      {
        name: 'options',
        type: 'json',
        required: false,
        default: { mode: 'fast' },
      },
    ]);
  });

  it('runs with typed JSON parameters and answers the tagged outputs', async () => {
    const res = await call('typed', {
      count: 7,
      rate: 2,
      enabled: false,
      label: 'hi',
      items: ['a'],
      options: { k: 1 },
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({
      id: expect.any(String),
      version: 1,
      durationMs: expect.any(Number),
    });
    expect(body.outputs).toEqual([
      {
        count: 7,
        rate: 2,
        enabled: false,
        label: 'hi',
        items: ['a'],
        options: { k: 1 },
        types: ['int', 'int', 'bool', 'str', 'list', 'dict'],
      },
    ]);
  });

  it('uses the notebook defaults for missing parameters', async () => {
    const body = await (await call('typed', {})).json();
    expect(body.outputs[0]).toMatchObject({
      count: 3,
      rate: 0.5,
      enabled: true,
      label: 'hello',
      items: [1, 2, 3],
      options: { mode: 'fast' },
    });
    expect(body.outputs[0].types).toEqual(['int', 'float', 'bool', 'str', 'list', 'dict']);
  });

  it('converts form and query-string values as papermill -p does', async () => {
    const form = await call('typed', 'count=12&rate=1.5&enabled=False&label=42', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect((await form.json()).outputs[0]).toMatchObject({
      count: 12,
      rate: 1.5,
      enabled: false,
      label: '42',
      types: ['int', 'float', 'bool', 'str', 'list', 'dict'],
    });
    const query = await call('typed', undefined, { query: '?count=5&items=[4,5]&label=x' });
    expect((await query.json()).outputs[0]).toMatchObject({ count: 5, items: [4, 5], label: 'x' });
  });

  it.each([
    [{ count: 'many' }, 'count', 'expected int64'],
    [{ count: 1.5 }, 'count', 'expected int64'],
    [{ enabled: 'yes' }, 'enabled', 'expected bool'],
    [{ nope: 1 }, 'nope', 'unknown field nope'],
  ])('refuses %j with 400 naming %s', async (params, field, message) => {
    const res = await call('typed', params);
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.field).toBe(field);
    expect(error.message).toContain(message);
  });

  it('injects the parameters as papermill does and keeps the executed notebook', async () => {
    const { id } = await (await call('typed', { count: 9 })).json();
    const run = await (await gw.admin(`/api/deployments/typed/runs/${id}`)).json();
    expect(run).toMatchObject({ id, status: 'succeeded', parameters: { count: 9 }, error: null });
    const nbRes = await gw.admin(`/api/deployments/typed/runs/${id}/notebook`);
    expect(nbRes.headers.get('content-type')).toContain('ipynb');
    const nb = await nbRes.json();
    const tags = nb.cells.map((c: { metadata: { tags?: string[] } }) => c.metadata.tags ?? []);
    const at = tags.findIndex((t: string[]) => t.includes('parameters'));
    expect(tags[at + 1]).toContain('injected-parameters');
    expect([nb.cells[at + 1].source].flat().join('')).toContain('count = 9');
    // The invoke key reaches the same run (what an async caller polls).
    expect(
      (
        await gw.app.request(`/fn/typed/runs/${id}`, {
          headers: { authorization: `Bearer ${keys.typed}` },
        })
      ).status,
    ).toBe(200);
    expect((await gw.app.request(`/fn/typed/runs/${id}`)).status).toBe(401);
  });

  it('answers JSON, text and images, and the last cell when none is tagged', async () => {
    await publish('outputs', 'outputs');
    const body = await (await call('outputs', { n: 3 })).json();
    expect(body.outputs[0]).toEqual({ n: 3, square: 9 });
    // A string result is the string, not its repr.
    expect(body.outputs[1]).toBe('text 3');
    expect(body.outputs[2]).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(body.outputs).toHaveLength(3);
    await publish('untagged', 'untagged');
    expect((await (await call('untagged', { x: 4 })).json()).outputs).toEqual(['10\n']);
  });

  it('publishes a notebook without parameters with no inputs, and says so', async () => {
    const d = await publish('no_parameters', 'no-params');
    expect(d.signature.inputs).toEqual([]);
    expect(d.warnings?.[0]).toContain('no cell tagged "parameters"');
    expect((await (await call('no-params', {})).json()).outputs[0]).toBe(3.141592653589793);
  });

  it('answers 500 notebook_failed naming the cell as JupyterLab shows it, with where to read the run', async () => {
    await publish('failing', 'failing');
    // Passed, the divisor is injected in a cell of its own, as papermill injects it.
    const res = await call('failing', { divisor: 0 });
    expect(res.status).toBe(500);
    const id = res.headers.get('x-request-id')!;
    const { error } = await res.json();
    const statusUrl = `http://slipway.test/fn/failing/runs/${id}`;
    // parameters [1], a = 1 [2], the failing cell [3]: Run All's numbers in JupyterLab.
    expect(error).toEqual({
      code: 'notebook_failed',
      message:
        'cell [3] (3rd cell, “value = 10 / divisor”) raised ZeroDivisionError: division by zero',
      cell: { position: 3, executionCount: 3, firstLine: 'value = 10 / divisor' },
      runId: id,
      statusUrl,
      notebookUrl: `${statusUrl}/notebook`,
    });
    // The links work with the deployment's invoke key: the run, and its executed notebook.
    const withKey = (url: string) =>
      gw.app.request(new URL(url).pathname, {
        headers: { authorization: `Bearer ${keys.failing}` },
      });
    const run = await (await withKey(error.statusUrl)).json();
    expect(run).toMatchObject({ id, status: 'failed', error: { ...error } });
    const nb = await (await withKey(error.notebookUrl)).json();
    const failed = nb.cells.find(
      (c: { metadata: { papermill?: { status?: string } } }) =>
        c.metadata.papermill?.status === 'failed',
    );
    expect(failed.execution_count).toBe(4);
    const errorOutput = failed.outputs.find(
      (o: { output_type: string }) => o.output_type === 'error',
    );
    expect(errorOutput.traceback.join('\n')).toContain('ZeroDivisionError');
    // The executed notebook is numbered as papermill numbers it: the injected parameters
    // take [2], so the cell the message calls [3] is [4] there. papermill's markers say so:
    // a red line at the top, linking to an anchor just before the failed cell.
    const cells = nb.cells as {
      cell_type: string;
      source: string[];
      execution_count?: number | null;
    }[];
    expect(cells.map((c) => (c.cell_type === 'code' ? c.execution_count : c.cell_type))).toEqual([
      'markdown',
      1,
      2,
      3,
      'markdown',
      4,
      null,
    ]);
    expect(cells[0]!.source.join('')).toContain(
      'An Exception was encountered at \'<a href="#papermill-error-cell">In [4]</a>\'',
    );
    expect(cells[4]!.source.join('')).toContain('id="papermill-error-cell"');
  });

  it('answers results as JSON: dicts, strings, numbers, numpy and pandas values; the rest as text', async () => {
    await publish('values', 'values');
    const res = await call('values', { label: 'demo' });
    expect(res.status).toBe(200);
    expect((await res.json()).outputs).toEqual([
      { label: 'demo', n: 3, ratio: null, nested: [1, [2.5, null]] },
      'demo',
      [1.5, [0, 1, 2]],
      [
        { x: 1, y: 0.5 },
        { x: 2, y: null },
      ],
      [
        { x: 1, y: 0.5 },
        { x: 2, y: null },
      ],
      '{1, 2}',
    ]);
  });

  it('stops a run at its timeout with 504, kills its kernel, and leaves no process behind', async () => {
    await publish('slow', 'slow', { timeoutSeconds: 1, warmKernels: 0 });
    const workerPid = gw.python.pid!;
    // Other deployments keep warm kernels; every child of the worker must be one of those.
    const onlyWarmKernels = async () => {
      const { idleKernelPids } = await gw.python.call<{ idleKernelPids: number[] }>('stats');
      return (await kernelsOf(workerPid)).every((p) => idleKernelPids.includes(p))
        ? true
        : undefined;
    };
    const res = await call('slow', { seconds: 60 });
    expect(res.status).toBe(504);
    expect((await res.json()).error.code).toBe('deadline_exceeded');
    await until('the kernel to be gone', onlyWarmKernels, 15_000);
    const ok = await call('slow', { seconds: 0.1 });
    expect(ok.status).toBe(200);
    await until('the kernel to be gone', onlyWarmKernels, 15_000);
  });

  it('cancels a synchronous run when its caller goes away, and logs 499', async () => {
    await publish('slow', 'abandoned', { timeoutSeconds: 60, warmKernels: 0 });
    const workerPid = gw.python.pid!;
    const kernelsBefore = (await kernelsOf(workerPid)).length;
    const caller = new AbortController();
    const pending = Promise.resolve(
      gw.app.request('/fn/abandoned', {
        method: 'POST',
        body: JSON.stringify({ seconds: 60 }),
        headers: {
          authorization: `Bearer ${keys.abandoned}`,
          'content-type': 'application/json',
        },
        signal: caller.signal,
      }),
    ).catch((err: unknown) => err);
    await until('the run to start', async () => {
      const stats = await gw.python.call<{ activeRuns: number }>('stats');
      return stats.activeRuns > 0 ? true : undefined;
    });
    caller.abort();
    await pending;
    await until(
      'the run to be cancelled',
      async () => {
        const stats = await gw.python.call<{ activeRuns: number }>('stats');
        return stats.activeRuns === 0 ? true : undefined;
      },
      15_000,
    );
    await until('its kernel to be gone', async () =>
      (await kernelsOf(workerPid)).length <= kernelsBefore ? true : undefined,
    );
    const calls = await (await gw.admin('/api/deployments/abandoned/invocations')).json();
    expect(calls.invocations[0]).toMatchObject({
      status: 499,
      error: { code: 'client_closed' },
    });
    const run = await (
      await gw.admin(`/api/deployments/abandoned/runs/${calls.invocations[0].id}`)
    ).json();
    expect(run).toMatchObject({ status: 'failed', error: { code: 'client_closed' } });
    // The deployment serves the next caller as usual.
    expect((await call('abandoned', { seconds: 0.1 })).status).toBe(200);
  });

  it('runs each call in a fresh kernel: nothing leaks from one call to the next', async () => {
    await publish('isolation', 'isolation');
    const first = (await (await call('isolation', { value: 'a' })).json()).outputs[0];
    const second = (await (await call('isolation', { value: 'b' })).json()).outputs[0];
    expect(first).toMatchObject({ seen_before: false, file_before: false, value: 'a' });
    expect(second).toMatchObject({ seen_before: false, file_before: false, value: 'b' });
    expect(first.pid).not.toBe(second.pid);
  });

  it('runs calls in parallel up to the limit and answers 429 past the queue', async () => {
    await publish('slow', 'parallel', { maxConcurrency: 2, queueSize: 1, warmKernels: 2 });
    const callers = [0, 1, 2, 3].map(() => new AbortController());
    const calls = callers
      .slice(0, 2)
      .map((c) =>
        Promise.resolve(call('parallel', { seconds: 600 }, { signal: c.signal })).catch(
          (e: unknown) => e,
        ),
      );
    // Two side by side, for ten minutes each.
    await until('two runs side by side', async () =>
      (await gw.python.call<{ activeRuns: number }>('stats')).activeRuns === 2 ? true : undefined,
    );
    // Of two more calls one waits in the queue, and the other finds it full.
    const more = callers
      .slice(2)
      .map((c) =>
        Promise.resolve(call('parallel', { seconds: 0 }, { signal: c.signal })).catch(
          (e: unknown) => e,
        ),
      );
    const refused = (await Promise.race(more)) as Response;
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.code).toBe('overloaded');
    for (const c of callers) c.abort();
    await Promise.all([...calls, ...more]);
    // The callers went away: their runs are cancelled, kernels and all.
    await until('the runs to be cancelled', async () =>
      (await gw.python.call<{ activeRuns: number }>('stats')).activeRuns === 0 ? true : undefined,
    );
  });

  it('answers 202 with a status URL for async calls, and calls the callback when done', async () => {
    const received: unknown[] = [];
    const server = createServer((req, res) => {
      let data = '';
      req.on('data', (d) => (data += d));
      req.on('end', () => {
        received.push(JSON.parse(data));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const res = await call(
        'typed',
        { count: 2 },
        { query: '?async=true', headers: { 'x-callback-url': `http://127.0.0.1:${port}/done` } },
      );
      expect(res.status).toBe(202);
      const accepted = await res.json();
      expect(accepted).toMatchObject({
        id: expect.any(String),
        status: 'running',
        statusUrl: `http://slipway.test/fn/typed/runs/${accepted.id}`,
      });
      const done = await until('the run to finish', async () => {
        const run = await (
          await gw.app.request(`/fn/typed/runs/${accepted.id}`, {
            headers: { authorization: `Bearer ${keys.typed}` },
          })
        ).json();
        return run.status === 'running' ? undefined : run;
      });
      expect(done.status).toBe('succeeded');
      expect(done.outputs[0].count).toBe(2);
      await until('the callback', async () => (received.length ? true : undefined));
      expect(received[0]).toMatchObject({
        id: accepted.id,
        status: 'succeeded',
        outputs: done.outputs,
      });
      const prefer = await call('typed', { count: 1 }, { headers: { prefer: 'respond-async' } });
      expect(prefer.status).toBe(202);
      expect(
        (
          await call(
            'typed',
            {},
            { query: '?async=true', headers: { 'x-callback-url': 'ftp://x' } },
          )
        ).status,
      ).toBe(400);
    } finally {
      server.close();
    }
  });

  it('refuses a callback to an origin the operator did not list, before any run', async () => {
    const listed = await startTestGateway({
      config: { python, callbackOrigins: ['https://hooks.example.com'] },
    });
    try {
      const bytes = await readFile(new URL('typed.ipynb', fixtures));
      const published = await listed.admin('/api/deployments', {
        method: 'POST',
        body: publishForm({ name: 'typed', public: 'true' }, { bytes, filename: 'typed.ipynb' }),
      });
      expect(published.status).toBe(201);
      const res = await listed.app.request('/fn/typed?async=true', {
        method: 'POST',
        body: JSON.stringify({ count: 1 }),
        headers: {
          'content-type': 'application/json',
          'x-callback-url': 'http://169.254.169.254/latest/meta-data/',
        },
      });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatchObject({
        field: 'X-Callback-Url',
        message: expect.stringContaining('SLIPWAY_CALLBACK_ORIGINS'),
      });
      // The refusal is logged like any refused call, and no run was made for it.
      const id = res.headers.get('x-request-id');
      const calls = await (await listed.admin('/api/deployments/typed/invocations')).json();
      expect(calls.invocations).toMatchObject([{ id, status: 400 }]);
      expect((await listed.admin(`/api/deployments/typed/runs/${id}`)).status).toBe(404);
    } finally {
      await listed.stop();
    }
  });

  it('starts kernels ahead of demand, shrinks idle pools to zero, and says when a call was cold', async () => {
    await publish('trivial', 'warm', { warmKernels: 1, idleSeconds: 1 });
    type Pool = { idle: number; starting: number; target: number };
    const pool = async (): Promise<Pool> => {
      const stats = await gw.python.call<{ pools: Record<string, Pool> }>('stats');
      const found = Object.entries(stats.pools).find(([k]) => k.startsWith('warm@'))?.[1];
      return found ?? { idle: 0, starting: 0, target: 0 };
    };
    const idle = async () => (await pool()).idle;
    await until('a warm kernel', async () => ((await idle()) >= 1 ? true : undefined));
    const warm = await call('warm', { x: 1 });
    expect(warm.headers.get('x-slipway-cold-start')).toBe('false');
    expect((await warm.json()).outputs).toEqual([2]);
    // Idle past idleSeconds: the pool wants no kernel, has none and starts none. (Its idle count
    // alone is 0 right after the call too, while the refill starts: a call then may find the
    // refilled kernel.)
    await until(
      'the pool to shrink to zero',
      async () => {
        const p = await pool();
        return p.target === 0 && p.idle === 0 && p.starting === 0 ? true : undefined;
      },
      120_000,
    );
    const cold = await call('warm', { x: 2 });
    expect(cold.headers.get('x-slipway-cold-start')).toBe('true');
    expect((await cold.json()).outputs).toEqual([3]);
    // Two kernel starts and the idle time: the shrink's wait alone may take two minutes.
  }, 180_000);

  it('answers 502 when the worker dies mid-call, and the next call works', async () => {
    // A deployment of its own with a long timeout, so the kill (not the timeout) ends the run.
    await publish('slow', 'crash', { timeoutSeconds: 60, warmKernels: 1 });
    const pending = call('crash', { seconds: 20 });
    await until('the run to start', async () => {
      const stats = await gw.python.call<{ activeRuns: number }>('stats');
      return stats.activeRuns > 0 ? true : undefined;
    });
    gw.python.kill();
    const res = await pending;
    expect(res.status).toBe(502);
    expect((await res.json()).error.code).toBe('worker_crashed');
    const again = await call('typed', { count: 1 });
    expect(again.status, await again.clone().text()).toBe(200);
  });

  it('serves the same notebooks after a gateway restart', async () => {
    await gw.stop({ keepData: true });
    gw = await startTestGateway({
      config: { python },
      reuse: { database: gw.database, dataDir: gw.dataDir },
    });
    const res = await call('typed', { count: 4 });
    expect(res.status).toBe(200);
    expect((await res.json()).outputs[0].count).toBe(4);
  });
});
