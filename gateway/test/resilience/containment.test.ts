import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAdminToken } from '../../src/auth/admin-token.js';
import { openDatabase } from '../../src/db/client.js';
import { defaultRuntimes } from '../../src/runtimes/default-runtimes.js';
import { mojoFixturePath } from '../../src/runtimes/mojo/testing/fixtures.js';
import { javaForTests } from '../../src/runtimes/mojo/testing/java.js';
import { pickleFixture } from '../../src/runtimes/pickle/testing/pickle-fixtures.js';
import { waitFor } from '../../src/workers/testing/processes.js';
import { testPython } from '../support/python.js';
import { publishForm, startTestGateway, type TestGateway } from '../support/test-gateway.js';

/**
 * User code is contained: a pickle's snippets and a notebook's cells see an allow-listed
 * environment (never the gateway's secrets) and, with the gateway running as root (as CI runs
 * it), run as an unprivileged user who can open neither the admin token nor the database
 * files nor the gateway's own /proc environ; a notebook allocating past its memory limit fails
 * with `out_of_memory` naming the limit, and its worker lives on.
 */
const python = await testPython();
const java = await javaForTests();
const asRoot = process.getuid?.() === 0;

/** Put into the gateway's environment before it starts: none may reach user code. */
const SECRETS = {
  SLIPWAY_ADMIN_TOKEN: 'sa_containment-secret-0123456789',
  DATABASE_URL: 'postgres://slipway:containment-db-secret@127.0.0.1:1/none',
  AWS_SECRET_ACCESS_KEY: 'containment-aws-secret',
};
const FORBIDDEN_NAME = /^(SLIPWAY_|DATABASE_URL$|AWS_)/;

/** Python source: what this process sees and can open (the same for a snippet and a cell). */
const PROBE = `
import json, os, resource

def probe(data_dir, gateway_pid):
    def attempt(action):
        try:
            action()
            return "opened"
        except OSError as exc:
            return type(exc).__name__
    db = os.path.join(data_dir, "db")
    return {
        "env": dict(os.environ),
        "uid": os.getuid(),
        "adminToken": attempt(lambda: open(os.path.join(data_dir, "admin-token")).read()),
        "dbListing": attempt(lambda: os.listdir(db)),
        "dbFile": attempt(lambda: open(os.path.join(db, "PG_VERSION")).read()),
        "journal": attempt(lambda: os.listdir(os.path.join(data_dir, "journal"))),
        "dataDirListing": attempt(lambda: os.listdir(data_dir)),
        "gatewayEnviron": attempt(lambda: open(f"/proc/{gateway_pid}/environ", "rb").read()),
        "memoryLimitMb": resource.getrlimit(resource.RLIMIT_AS)[0] // (1024 * 1024),
    }
`;

const PREDICT = `${PROBE}
def predict(model, data):
    return [{"report": json.dumps(probe(r["dataDir"], int(r["gatewayPid"])))} for r in data]
`;

/** A notebook whose output is the probe's report, as JSON text. */
function probeNotebook(): string {
  const cell = (source: string, tags: string[]) => ({
    cell_type: 'code',
    execution_count: null,
    metadata: { tags },
    outputs: [],
    source,
  });
  return JSON.stringify({
    cells: [
      cell('data_dir = ""\ngateway_pid = 0', ['parameters']),
      cell(`${PROBE}\nprint(json.dumps(probe(data_dir, gateway_pid)))`, ['output']),
    ],
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
      language_info: { name: 'python' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

interface Report {
  env: Record<string, string>;
  uid: number;
  adminToken: string;
  dbListing: string;
  dbFile: string;
  journal: string;
  dataDirListing: string;
  gatewayEnviron: string;
  memoryLimitMb: number;
}

/** Process ids whose parent is `ppid`. */
function childrenOf(ppid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        return (
          /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] === `${ppid}`
        );
      } catch {
        return false;
      }
    });
}

/** A process's real uid and environment, read from /proc (the test runs as root to read them). */
function processView(pid: number): { uid: number; env: Record<string, string>; cmdline: string } {
  // Read in this order: a process that ends meanwhile throws, rather than half-answering.
  const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  const env = Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  return { uid, env, cmdline };
}

describe.skipIf(!python)('user code is contained (needs the worker venv)', () => {
  let gw: TestGateway;
  let dataDir: string;
  const keys: Record<string, string> = {};
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    for (const [name, value] of Object.entries(SECRETS)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    // A data dir as the real gateway has it: the admin-token file (0600) and PGlite on disk.
    dataDir = await mkdtemp(join(tmpdir(), 'slipway-containment-'));
    await resolveAdminToken(dataDir);
    const database = await openDatabase({ dataDir: join(dataDir, 'db') });
    gw = await startTestGateway({
      reuse: { database, dataDir },
      runtimes: defaultRuntimes,
      config: { python, kernelMemoryMb: 1536 },
    });
  }, 120_000);

  afterAll(async () => {
    await gw?.stop({ keepData: true });
    await gw?.database.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  async function publish(
    name: string,
    file: { bytes: Uint8Array | string; filename: string },
    config: object = {},
  ) {
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name, config: JSON.stringify(config) }, file),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    keys[name] = body.invokeKey;
  }

  const call = (name: string, body: unknown) =>
    gw.app.request(`/fn/${name}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { authorization: `Bearer ${keys[name]}`, 'content-type': 'application/json' },
    });

  /** What must hold of a report, from a snippet or a cell. */
  function expectContained(report: Report) {
    const names = Object.keys(report.env);
    expect(names.filter((n) => FORBIDDEN_NAME.test(n))).toEqual([]);
    const everything = JSON.stringify(report.env);
    for (const secret of Object.values(SECRETS)) expect(everything).not.toContain(secret);
    // Its own scratch folder as home and temp, not the gateway's home.
    expect(report.env.HOME).toBe(report.env.TMPDIR);
    expect(report.env.HOME).toMatch(new RegExp(`^${tmpdir()}/slipway-[^/]+/w-`));
    if (!asRoot) return;
    // The files it tries to open exist, and the gateway itself reads them.
    expect(readFileSync(join(dataDir, 'admin-token'), 'utf8')).toMatch(/^sa_/);
    expect(existsSync(join(dataDir, 'db', 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(dataDir, 'journal'))).toBe(true);
    expect(report.uid).toBe(gw.sandbox.identity!.uid);
    expect(report.uid).not.toBe(0);
    expect(report).toMatchObject({
      adminToken: 'PermissionError',
      dbListing: 'PermissionError',
      dbFile: 'PermissionError',
      journal: 'PermissionError',
      dataDirListing: 'PermissionError',
      gatewayEnviron: 'PermissionError',
    });
  }

  it("keeps the gateway's secrets and files from a pickle's predict snippet", async () => {
    await publish(
      'probe-pickle',
      { bytes: await readFile(pickleFixture('snippet_iris_mm').file), filename: 'model.pkl' },
      {
        preprocess: 'def preprocess(records):\n    return records\n',
        predict: PREDICT,
        signature: {
          inputs: [
            { name: 'dataDir', type: 'string' },
            { name: 'gatewayPid', type: 'int64' },
          ],
          outputs: [{ name: 'report', type: 'string' }],
        },
        memoryMb: 1280,
      },
    );
    const res = await call('probe-pickle', { dataDir, gatewayPid: process.pid });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    // One declared output: the prediction is its value.
    const report = JSON.parse(body.prediction) as Report;
    expectContained(report);
    expect(report.memoryLimitMb).toBe(1280);
  }, 120_000);

  it("keeps the gateway's secrets and files from a notebook's cells, under the kernels' memory limit", async () => {
    await publish('probe-notebook', { bytes: probeNotebook(), filename: 'probe.ipynb' });
    const res = await call('probe-notebook', { data_dir: dataDir, gateway_pid: process.pid });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    const report = JSON.parse(body.outputs[0]) as Report;
    expectContained(report);
    // No config.memoryMb: the gateway's SLIPWAY_KERNEL_MEMORY_MB.
    expect(report.memoryLimitMb).toBe(1536);
  }, 120_000);

  it('answers out_of_memory naming the limit when a notebook allocates past it, and the worker lives on', async () => {
    const bytes = await readFile(new URL('../fixtures/notebooks/memory.ipynb', import.meta.url));
    await publish('hungry-notebook', { bytes, filename: 'memory.ipynb' }, { memoryMb: 1024 });
    const ok = await call('hungry-notebook', { megabytes: 64 });
    expect(ok.status, await ok.clone().text()).toBe(200);
    const worker = gw.python.pid;
    expect(worker).toBeDefined();

    const res = await call('hungry-notebook', { megabytes: 1536 });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(500);
    expect(body.error.code).toBe('out_of_memory');
    expect(body.error.message).toContain('1024 MiB');
    expect(body.error.message).toContain('cell [2] (2nd cell, “block = bytearray(');

    expect(gw.python.pid).toBe(worker);
    const again = await call('hungry-notebook', { megabytes: 64 });
    expect(again.status, await again.clone().text()).toBe(200);
    expect((await again.json()).outputs).toEqual([64]);
  }, 120_000);

  it.runIf(asRoot)(
    'runs every worker and kernel as the worker user, without the secrets in its environment',
    async () => {
      // A pickle worker and the notebook worker with its kernels run from the tests above.
      const pids = new Set<number>();
      const workers = childrenOf(process.pid).filter((pid) => {
        try {
          return /slipway_worker|slipway-jvm-worker|onnx-worker/.test(processView(pid).cmdline);
        } catch {
          return false;
        }
      });
      // Kernels are children of the notebook worker, or of the zygote it forks them from.
      const descendantsOf = (pid: number): number[] =>
        childrenOf(pid).flatMap((child) => [child, ...descendantsOf(child)]);
      for (const pid of workers) {
        pids.add(pid);
        for (const process of descendantsOf(pid)) pids.add(process);
      }
      if (java) {
        const bytes = await readFile(mojoFixturePath('gbm_binomial.zip'));
        await publish('probe-mojo', { bytes, filename: 'gbm_binomial.zip' });
        const res = await call('probe-mojo', {
          age: 44.6,
          income: 11989.77,
          city: 'lyon',
          plan: 'pro',
        });
        expect(res.status, await res.clone().text()).toBe(200);
        pids.add(gw.jvm.supervisor.pid!);
      }
      // A kernel may be gone by now (killed after its run): those still there are seen.
      const views = [...pids].flatMap((pid) => {
        try {
          return [processView(pid)];
        } catch {
          return [];
        }
      });
      const kinds = views.map((v) => v.cmdline);
      expect(kinds.some((c) => c.includes('--serve models'))).toBe(true);
      // Warm kernels (warmKernels defaults to 2) wait for the notebooks published above.
      expect(kinds.some((c) => c.includes('ipykernel'))).toBe(true);
      if (java) expect(kinds.some((c) => c.includes('slipway-jvm-worker.jar'))).toBe(true);
      for (const view of views) {
        expect(view.uid, view.cmdline).toBe(gw.sandbox.identity!.uid);
        expect(
          Object.keys(view.env).filter((n) => FORBIDDEN_NAME.test(n)),
          view.cmdline,
        ).toEqual([]);
      }
    },
    120_000,
  );

  it.runIf(asRoot)(
    'stops the workers and removes their scratch folders with the gateway',
    async () => {
      const scratch = gw.python.pid ? processView(gw.python.pid).env.HOME : undefined;
      expect(scratch).toBeDefined();
      expect(existsSync(scratch!)).toBe(true);
      await gw.python.stop();
      await waitFor('the worker scratch folder to be removed', () => !existsSync(scratch!), 60_000);
    },
  );
});
