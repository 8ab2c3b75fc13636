import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadableStream as WebStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runnerFiles, type GatewayBuild } from '../src/export/runner-files.js';
import { FORMATS } from '../src/protocol/deployments.js';
import { javaForTests } from '../src/runtimes/mojo/testing/java.js';
import { buildGateway, extractTarball, runBundle, type RunningBundle } from './support/bundle.js';
import { testPython } from './support/python.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

/**
 * Export bundles: a version exported, extracted and started with its `run.sh` answers as the
 * gateway does, for a fixture of every format. The bundles' runner comes from the gateway built
 * into a temp folder; their npm packages from this repository's node_modules
 * (`SLIPWAY_NODE_MODULES`), but for PMML, whose `run.sh` installs them with npm, which proves
 * that runner/package.json lists what the runner imports.
 */
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const nodeModules = fileURLToPath(new URL('../../node_modules', import.meta.url));
const python = await testPython();
const java = await javaForTests();

interface Case {
  format: string;
  file: string;
  /** The records to send, from the fixture's expected answers (a notebook: parameters). */
  records: Record<string, unknown>[];
  config?: Record<string, unknown>;
  /** npm install in run.sh, rather than this repository's node_modules. */
  install?: boolean;
  skip?: string;
}

const expected = async (name: string) =>
  JSON.parse(await readFile(join(fixtures, `${name}.expected.json`), 'utf8')) as {
    records: Record<string, unknown>[];
    config?: Record<string, unknown>;
  };
const fromFixture = async (format: string, file: string, over: Partial<Case> = {}) => {
  const e = await expected(file.replace(/\.[a-z]+$/, ''));
  return { format, file, records: e.records.slice(0, 5), config: e.config, ...over };
};

const CASES: Case[] = [
  await fromFixture('onnx', 'onnx/classifier_zipmap.onnx'),
  await fromFixture('pmml', 'pmml/s2p_logistic.pmml', { install: true }),
  await fromFixture('pickle', 'pickle/linear_regression.pkl', {
    skip: python ? undefined : 'no Python with the worker requirements',
  }),
  await fromFixture('mojo', 'mojo/glm_regression.zip', {
    skip: java ? undefined : 'no Java 11+ or JVM worker jar',
  }),
  {
    format: 'notebook',
    file: 'notebooks/trivial.ipynb',
    records: [{ x: 41 }],
    skip: python ? undefined : 'no Python with papermill',
  },
];

let gw: TestGateway;
let work: string;
let build: GatewayBuild;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'slipway-export-'));
  // As root, workers run as nobody: the bundles' data dirs must be reachable.
  await chmod(work, 0o755);
  build = buildGateway(join(work, 'build'));
  gw = await startTestGateway({
    runnerBuild: build,
    config: { python },
  });
}, 240_000);
afterAll(async () => {
  await gw?.stop();
  await rm(work, { recursive: true, force: true });
});

/** Publishes a fixture; its invoke key. */
async function publish(name: string, c: Case): Promise<string> {
  const bytes = await readFile(join(fixtures, c.file));
  const fields: Record<string, string> = { name };
  if (c.config) fields.config = JSON.stringify(c.config);
  const res = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm(fields, { bytes, filename: c.file.split('/').pop()! }),
  });
  const body = (await res.json()) as { invokeKey: string; format: string };
  expect(res.status, JSON.stringify(body)).toBe(201);
  expect(body.format).toBe(c.format);
  return body.invokeKey;
}

/** A call's answer with what differs by nature (the call's fresh ids, a run's duration) set aside. */
async function answer(res: Response) {
  const body = (await res.json()) as Record<string, unknown>;
  const { id, ids, durationMs, ...rest } = body;
  const uuid = /^[0-9a-f-]{36}$/;
  if (id !== undefined) expect(id).toMatch(uuid);
  if (ids !== undefined)
    (ids as string[]).forEach((i, n) => expect(i).toMatch(new RegExp(`^[0-9a-f-]{36}:${n}$`)));
  if (durationMs !== undefined) expect(typeof durationMs).toBe('number');
  const header = (h: string) => res.headers.get(h);
  return {
    status: res.status,
    headers: ['x-slipway-version', 'x-slipway-ignored-fields', 'x-slipway-warnings'].map(header),
    body: rest,
  };
}

describe.each(CASES)('a $format bundle', (c) => {
  const name = `export-${c.format}`;
  let key: string;
  let bundle: RunningBundle | undefined;
  let names: string[] = [];

  beforeAll(async () => {
    if (c.skip) return;
    key = await publish(name, c);
    const res = await gw.admin(`/api/deployments/${name}/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    expect(res.headers.get('content-disposition')).toContain(`${name}-v1.tar.gz`);
    const dir = join(work, name);
    names = (await extractTarball(res.body as WebStream<Uint8Array>, dir)).names;
    bundle = await runBundle(join(dir, `${name}-v1`), {
      SLIPWAY_INVOKE_KEY: key,
      ...(c.install ? {} : { SLIPWAY_NODE_MODULES: nodeModules }),
      ...(python ? { SLIPWAY_PYTHON: python } : {}),
    });
  }, 300_000);
  afterAll(async () => {
    if (bundle) expect(await bundle.stop(), bundle.output()).toBe(0);
  });

  const both = async (body: unknown, headers: Record<string, string> = {}) => {
    const init = (): RequestInit => ({
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    });
    const fromGateway = await answer(await gw.app.request(`/fn/${name}`, init()));
    const fromBundle = await answer(await fetch(`${bundle!.url}/fn/${name}`, init()));
    return { fromGateway, fromBundle };
  };

  it.skipIf(c.skip)('holds the artifact, config, runner, run.sh, Dockerfile and manifest', () => {
    const top = `${name}-v1/`;
    for (const f of [
      'README.md',
      'deployment.json',
      `artifact/${c.file.split('/').pop()}`,
      'run.sh',
      'Dockerfile',
      'kubernetes.yaml',
      'runner/package.json',
      'runner/dist/runner/main.js',
      `runner/dist/runner/formats/${c.format}.js`,
    ])
      expect(names).toContain(top + f);
    // Only its own format's runtime.
    for (const other of ['onnx', 'pmml', 'pickle', 'mojo', 'notebook'].filter(
      (f) => f !== c.format,
    ))
      expect(names).not.toContain(`${top}runner/dist/runner/formats/${other}.js`);
  });

  it.skipIf(c.skip)(
    c.format === 'notebook'
      ? 'runs the notebook as the gateway does'
      : 'scores a batch as the gateway does',
    async () => {
      const body = c.format === 'notebook' ? c.records[0] : c.records;
      const { fromGateway, fromBundle } = await both(body);
      expect(fromGateway.status, JSON.stringify(fromGateway.body)).toBe(200);
      expect(fromBundle).toEqual(fromGateway);
    },
  );

  it.skipIf(c.skip || c.format === 'notebook')(
    'scores one record as the gateway does',
    async () => {
      const { fromGateway, fromBundle } = await both(c.records[0]);
      expect(fromGateway.status).toBe(200);
      expect(fromBundle).toEqual(fromGateway);
    },
  );

  it.skipIf(c.skip)('refuses a bad record with the same error', async () => {
    const bad = { ...c.records[0], [Object.keys(c.records[0]!)[0]!]: { not: 'a value' } };
    const { fromGateway, fromBundle } = await both(c.format === 'notebook' ? bad : [bad]);
    expect(fromGateway.status).toBe(400);
    expect(fromBundle).toEqual(fromGateway);
  });

  it.skipIf(c.skip)(
    'refuses bodies that are not records, and callers without the key, alike',
    async () => {
      for (const [body, headers] of [
        ['{"unclosed', {}],
        ['[]', {}],
        [c.records, { authorization: 'Bearer not-the-key' }],
      ] as const) {
        const { fromGateway, fromBundle } = await both(body, headers);
        expect(fromGateway.status).toBeGreaterThanOrEqual(400);
        expect(fromBundle).toEqual(fromGateway);
      }
    },
  );
});

describe('kubernetes.yaml', () => {
  it("is a Deployment of the bundle's image with the pool's resources, and a Service", async () => {
    const text = await readFile(
      join(work, 'export-pmml', 'export-pmml-v1', 'kubernetes.yaml'),
      'utf8',
    );
    const [deployment, service] = parseAllDocuments(text).map((d) => d.toJS());
    expect(deployment.kind).toBe('Deployment');
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe('slipway-export-pmml:v1');
    // The test gateway's cpu pool: 2048 MiB a replica.
    expect(container.resources.limits).toEqual({ memory: '2048Mi' });
    expect(container.readinessProbe.httpGet.path).toBe('/healthz');
    expect(service.kind).toBe('Service');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });
});

describe('runner/package.json', () => {
  const dependencies = async (name: string) =>
    JSON.parse(await readFile(join(work, name, `${name}-v1`, 'runner', 'package.json'), 'utf8'))
      .dependencies as Record<string, string>;

  it('holds only what its format imports: no onnxruntime-node for PMML', async () => {
    const pmml = await dependencies('export-pmml');
    expect(Object.keys(pmml)).toContain('fast-xml-parser');
    expect(Object.keys(pmml)).not.toContain('onnxruntime-node');
    const onnx = await dependencies('export-onnx');
    expect(onnx['onnxruntime-node']).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('a gateway running from its TypeScript sources (tsx)', () => {
  it('ships the runner a built one ships: its modules transpiled from the sources', async () => {
    const sourceDir = fileURLToPath(new URL('../src', import.meta.url));
    for (const format of FORMATS) {
      const spec = { format, pool: 'cpu' as const, config: {} };
      const built = await runnerFiles(build, spec);
      const transpiled = await runnerFiles(
        { ...build, sourceDir, distDir: join(work, 'transpiled') },
        spec,
      );
      expect(transpiled.files.map((f) => f.path)).toEqual(built.files.map((f) => f.path));
      expect(transpiled.dependencies).toEqual(built.dependencies);
    }
  });
});

describe('export refusals', () => {
  it('answers 404 for an unknown deployment or version, 400 for a version that is none', async () => {
    const unknown = await gw.admin('/api/deployments/no-such-thing/export');
    expect(unknown.status).toBe(404);
    const version = await gw.admin('/api/deployments/export-pmml/export?version=99');
    expect(version.status).toBe(404);
    expect(((await version.json()) as { error: { message: string } }).error.message).toContain(
      'version 99',
    );
    expect((await gw.admin('/api/deployments/export-pmml/export?version=x')).status).toBe(400);
  });

  it('answers 401 without the admin token', async () => {
    const res = await gw.admin('/api/deployments/export-pmml/export', {
      headers: { authorization: 'Bearer nope' },
    });
    expect(res.status).toBe(401);
  });

  it('answers 409 naming the artifact when its file is missing', async () => {
    const file = join(fixtures, 'pmml/s2p_gbm_regressor.pmml');
    await publish('export-lost', {
      format: 'pmml',
      file: 'pmml/s2p_gbm_regressor.pmml',
      records: [],
    });
    const sha = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    await rm(join(gw.dataDir, 'artifacts', sha));
    const res = await gw.admin('/api/deployments/export-lost/export');
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(res.status).toBe(409);
    expect(body.error.code).toBe('artifact_missing');
    expect(body.error.message).toContain(sha);
    expect(body.error.message).toContain('missing');
  });
});
