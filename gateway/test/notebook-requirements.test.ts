import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPython } from './support/python.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

/**
 * A notebook's `config.requirements`: installed once at publish into a venv layered on the
 * worker's, which its kernels then run on, instead of a `%pip install` cell on every call.
 * `humanize` (pure Python, not in the worker venv) comes from the package index, as a
 * publisher's would.
 */
const python = await testPython();

const code = (id: string, source: string, tags: string[] = []) => ({
  cell_type: 'code',
  id,
  metadata: { tags },
  execution_count: null,
  outputs: [],
  source,
});

/** A notebook formatting `n` with humanize, and saying where humanize came from. */
const NOTEBOOK = JSON.stringify({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
    language_info: { name: 'python' },
  },
  cells: [
    code('params', 'n = 1234567', ['parameters']),
    code('use', 'import humanize\nimport sys'),
    code('out', '{"text": humanize.intcomma(n), "prefix": sys.prefix}', ['output']),
  ],
});

describe.skipIf(!python)('notebook requirements (needs the worker venv and the index)', () => {
  let gw: TestGateway;
  const keys: Record<string, string> = {};

  async function publish(name: string, config: Record<string, unknown>) {
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name, config: JSON.stringify(config) },
        { bytes: NOTEBOOK, filename: `${name}.ipynb` },
      ),
    });
    const body = await res.json();
    if (body.invokeKey) keys[name] = body.invokeKey;
    return { status: res.status, body };
  }
  const call = (name: string, body: unknown) =>
    gw.app.request(`/fn/${name}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { authorization: `Bearer ${keys[name]}`, 'content-type': 'application/json' },
    });

  beforeAll(async () => {
    gw = await startTestGateway({ config: { python } });
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it('runs the kernels on a venv with the requirements, made once per set', async () => {
    const first = await publish('humane', { requirements: ['humanize'], warmKernels: 1 });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const second = await publish('humane-too', { requirements: 'humanize  # same set\n' });
    expect(second.status, JSON.stringify(second.body)).toBe(201);

    const root = join(gw.dataDir, 'python', 'models');
    const venvs = (await readdir(root)).filter((d) => existsSync(join(root, d, '.slipway-ready')));
    expect(venvs).toHaveLength(1);
    for (const name of ['humane', 'humane-too']) {
      const res = await call(name, { n: 9876543 });
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.outputs).toEqual([{ text: '9,876,543', prefix: join(root, venvs[0]!) }]);
    }
  }, 300_000);

  it('fails the call at the import without them, naming the cell', async () => {
    const { status, body } = await publish('inhumane', {});
    expect(status, JSON.stringify(body)).toBe(201);
    const res = await call('inhumane', { n: 1 });
    expect(res.status).toBe(500);
    const { error } = await res.json();
    expect(error.code).toBe('notebook_failed');
    expect(error.message).toContain("raised ModuleNotFoundError: No module named 'humanize'");
    expect(error.cell).toMatchObject({ firstLine: 'import humanize' });
  }, 120_000);

  it('refuses requirements pip cannot install with 422 requirements_failed, creating nothing', async () => {
    const { status, body } = await publish('unmet', {
      // A local path that is not there: pip fails without asking any index.
      requirements: ['slipway-absent @ file:///nonexistent/slipway'],
    });
    expect(status, JSON.stringify(body)).toBe(422);
    expect(body.error.code).toBe('requirements_failed');
    expect(body.error.message).toContain('config.requirements');
    expect(body.error.message).not.toContain(gw.dataDir);
    expect((await gw.admin('/api/deployments/unmet')).status).toBe(404);
  }, 120_000);
});
