import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPython } from './support/python.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

/**
 * Papermill conformance: every call of fixtures/conformance/cases.json runs its notebook through
 * the papermill CLI and through the gateway (same interpreter, same packages, same parameters),
 * and the two must agree on the outcome and on the executed notebook: the cells, their sources
 * and tags (the injected parameters cell, papermill's error markers), execution counts and
 * outputs, normalized as nbclient's own tests normalize them. A case differs only where its
 * `differences` name a documented choice.
 */
const python = await testPython();
const folder = fileURLToPath(new URL('./fixtures/conformance/', import.meta.url));

interface Case {
  name: string;
  notebook: string;
  parameters?: Record<string, unknown>;
  /** Text values: `-p name value` to papermill, the query string to the gateway. */
  text?: Record<string, string>;
  config?: Record<string, unknown>;
  timeoutSeconds?: number;
  outputs?: unknown[];
  warnings?: string[];
  differences?: ('timeout-per-run' | 'json-values' | 'default-kernel')[];
}

const { cases } = JSON.parse(await readFile(join(folder, 'cases.json'), 'utf8')) as {
  cases: Case[];
};

interface Notebook {
  metadata: { papermill?: Record<string, unknown>; kernelspec?: unknown };
  cells: {
    cell_type: string;
    source: string | string[];
    metadata: { tags?: string[]; papermill?: { status?: string; duration?: number | null } };
    execution_count?: number | null;
    outputs?: Record<string, unknown>[];
  }[];
}

/** How a run ended, in words both sides can say. */
type Outcome = 'succeeded' | `failed: ${string}` | 'kernel died' | 'timed out';

const text = (v: unknown): string => (Array.isArray(v) ? v.join('') : String(v ?? ''));
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const HEX_ADDRESS = /0x[0-9a-f]{6,}/g;

/** An output as nbclient's tests compare them: no metadata, text joined, addresses and ANSI colours gone. */
function normalizeOutput(output: Record<string, unknown>): Record<string, unknown> {
  const { metadata: _metadata, ...rest } = output;
  const out: Record<string, unknown> = { ...rest };
  if ('text' in out) out.text = text(out.text).replace(HEX_ADDRESS, '<HEXADDR>');
  if (out.data && typeof out.data === 'object') {
    const data: Record<string, unknown> = {};
    for (const [mime, v] of Object.entries(out.data as Record<string, unknown>))
      data[mime] =
        typeof v === 'string' || Array.isArray(v) ? text(v).replace(HEX_ADDRESS, '<HEXADDR>') : v;
    out.data = data;
  }
  if (Array.isArray(out.traceback))
    out.traceback = (out.traceback as string[]).map((line) => line.replace(ANSI, ''));
  return out;
}

/** What the comparison sees of an executed notebook: every cell, as a reader sees it. */
function normalize(nb: Notebook) {
  return nb.cells.map((c) => ({
    type: c.cell_type,
    source: text(c.source),
    tags: [...(c.metadata.tags ?? [])].sort(),
    // papermill's record of each cell: pending, completed or failed, and whether it has a duration.
    status: c.metadata.papermill?.status ?? null,
    timed: typeof c.metadata.papermill?.duration === 'number',
    ...(c.cell_type === 'code' && {
      count: c.execution_count ?? null,
      outputs: (c.outputs ?? []).map(normalizeOutput),
    }),
  }));
}

/** The exception of the first error a cell shows that fails a run (papermill's rule). */
function firstError(nb: Notebook): string | undefined {
  for (const c of nb.cells)
    for (const o of c.outputs ?? [])
      if (
        o.output_type === 'error' &&
        !(o.ename === 'SystemExit' && ['', '0'].includes(text(o.evalue)))
      )
        return String(o.ename);
  return undefined;
}

function run(file: string, args: string[], cwd: string) {
  return new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(file, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, _stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

/** The case through the papermill CLI, in an empty folder (a kernel's working directory here). */
async function viaPapermill(c: Case): Promise<{ outcome: Outcome; nb: Notebook }> {
  const dir = await mkdtemp(join(tmpdir(), 'papermill-'));
  try {
    const out = join(dir, 'out.ipynb');
    const args = ['-m', 'papermill', '--no-progress-bar', '--log-level', 'ERROR'];
    args.push(join(folder, `${c.notebook}.ipynb`), out);
    if (c.parameters) args.push('-y', JSON.stringify(c.parameters));
    for (const [k, v] of Object.entries(c.text ?? {})) args.push('-p', k, v);
    // papermill's timeout is per cell, Slipway's per run: the slow cell is the only slow one.
    if (c.timeoutSeconds) args.push('--execution-timeout', String(c.timeoutSeconds));
    // papermill needs -k for a notebook that names no kernel; Slipway runs it on python3.
    if (c.differences?.includes('default-kernel')) args.push('-k', 'python3');
    const { code, stderr } = await run(python!, args, dir);
    const nb = JSON.parse(await readFile(out, 'utf8')) as Notebook;
    let outcome: Outcome = 'succeeded';
    if (code !== 0) {
      if (/DeadKernelError/.test(stderr)) outcome = 'kernel died';
      else if (/CellTimeoutError/.test(stderr)) outcome = 'timed out';
      else if (/PapermillExecutionError/.test(stderr)) outcome = `failed: ${firstError(nb)}`;
      else throw new Error(`papermill failed unexpectedly on ${c.name}:\n${stderr}`);
    }
    return { outcome, nb };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The documented difference of a run stopped at its time limit: papermill's record says the
 * interrupted cell and the ones after it completed (its timeout escapes the record); Slipway's
 * says the interrupted cell failed and the ones after it are pending.
 */
function recordedAsSlipwayDoes(cells: ReturnType<typeof normalize>) {
  const stopped = cells.findIndex((c) =>
    c.outputs?.some((o) => o.output_type === 'error' && o.ename === 'KeyboardInterrupt'),
  );
  expect(stopped).toBeGreaterThanOrEqual(0);
  return cells.map((c, i) =>
    i < stopped ? c : { ...c, status: i === stopped ? 'failed' : 'pending' },
  );
}

/**
 * Where a kernel died, whether the cell that killed it got its number depends on whether the
 * kernel's announcement of the execution reached the client first: a race in papermill too
 * (both outcomes were seen from the CLI). That one count is left out of the comparison.
 */
function withoutDyingCount(cells: ReturnType<typeof normalize>, firstLine: string) {
  return cells.map((c) =>
    c.type === 'code' && c.source.trim().split('\n')[0] === firstLine ? { ...c, count: null } : c,
  );
}

describe.skipIf(!python)('notebooks run as papermill runs them (conformance)', () => {
  let gw: TestGateway;
  const keys = new Map<string, string>();

  /** One deployment per notebook and config, published once. */
  async function deployment(c: Case): Promise<string> {
    const config = { ...c.config, ...(c.timeoutSeconds && { timeoutSeconds: c.timeoutSeconds }) };
    const name = `${c.notebook}-${Object.keys(config).length ? Object.values(config).join('-') : 'default'}`;
    if (!keys.has(name)) {
      const bytes = await readFile(join(folder, `${c.notebook}.ipynb`));
      const res = await gw.admin('/api/deployments', {
        method: 'POST',
        body: publishForm(
          { name, config: JSON.stringify(config) },
          { bytes, filename: `${c.notebook}.ipynb` },
        ),
      });
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(201);
      keys.set(name, body.invokeKey);
    }
    return name;
  }

  async function viaGateway(c: Case) {
    const name = await deployment(c);
    const auth = { authorization: `Bearer ${keys.get(name)}` };
    const query = c.text ? `?${new URLSearchParams(c.text)}` : '';
    const res = await gw.app.request(`/fn/${name}${query}`, {
      method: 'POST',
      body: JSON.stringify(c.parameters ?? {}),
      headers: { ...auth, 'content-type': 'application/json' },
    });
    const body = await res.json();
    const runId: string = res.status === 200 ? body.id : body.error?.runId;
    expect(runId, JSON.stringify(body)).toBeTruthy();
    const nbRes = await gw.app.request(`/fn/${name}/runs/${runId}/notebook`, { headers: auth });
    expect(nbRes.status).toBe(200);
    const nb = (await nbRes.json()) as Notebook;
    const record = await (
      await gw.app.request(`/fn/${name}/runs/${runId}`, { headers: auth })
    ).json();
    let outcome: Outcome = 'succeeded';
    if (res.status === 504) outcome = 'timed out';
    else if (body.error?.code === 'kernel_died') outcome = 'kernel died';
    else if (body.error?.code === 'notebook_failed') {
      outcome = `failed: ${firstError(nb)}`;
      // The message names the exception the cell raised.
      expect(body.error.message).toContain(`raised ${firstError(nb)}`);
    } else expect(res.status, JSON.stringify(body)).toBe(200);
    return { outcome, nb, body, record, warnings: res.headers.get('x-slipway-warnings') };
  }

  beforeAll(async () => {
    gw = await startTestGateway({ config: { python } });
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it.each(cases)(
    '$name',
    async (c) => {
      const [papermill, slipway] = await Promise.all([viaPapermill(c), viaGateway(c)]);
      expect(slipway.outcome).toBe(papermill.outcome);
      let [expected, actual] = [normalize(papermill.nb), normalize(slipway.nb)];
      if (c.differences?.includes('timeout-per-run')) expected = recordedAsSlipwayDoes(expected);
      if (slipway.outcome === 'kernel died') {
        const { firstLine } = slipway.body.error.cell;
        [expected, actual] = [expected, actual].map((cells) => withoutDyingCount(cells, firstLine));
      }
      expect(actual).toEqual(expected);
      const [pm, sw] = [papermill.nb.metadata.papermill!, slipway.nb.metadata.papermill!];
      expect(sw.parameters).toEqual(pm.parameters);
      expect(sw.input_path).toMatch(/^\/api\/deployments\/.+\/versions\/1$/);
      expect(sw.output_path).toMatch(/^\/fn\/.+\/runs\/[0-9a-f-]{36}\/notebook$/);
      expect(slipway.nb.metadata.kernelspec).toEqual(papermill.nb.metadata.kernelspec);
      if (c.outputs) expect(slipway.body.outputs).toEqual(c.outputs);
      expect(slipway.record.warnings).toEqual(c.warnings ?? []);
      if (c.warnings) expect(slipway.warnings).toBe(c.warnings.join('; '));
    },
    180_000,
  );
});
