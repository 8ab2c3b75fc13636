import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickleFixture } from '../src/runtimes/pickle/testing/pickle-fixtures.js';
import { isAlive, waitFor } from '../src/workers/testing/processes.js';
import { testPython } from './support/python.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

/**
 * What a pickle deployment's worker does when the model misbehaves: crashes (502, restarted),
 * runs past its timeout (504, killed), allocates past its memory limit (a clear 500, and the
 * worker lives on), stops when idle (and comes back), and how `requirements` get a venv of
 * their own, made once.
 */
const python = await testPython();

// A model whose predict snippet does what each record asks, and says which process did it.
const PREDICT = `
import os, sys, time
import numpy as np
import sklearn

def predict(model, data):
    out = []
    for r in data:
        if r["action"] == "crash":
            os._exit(3)
        if r["action"] == "sleep":
            time.sleep(r["amount"])
        if r["action"] == "allocate":
            block = np.ones(int(r["amount"] * 131072))  # amount MiB of float64, written
            block[0] = float(model.n_features_in_)
        out.append({"pid": os.getpid(), "prefix": sys.prefix, "sklearn": sklearn.__file__})
    return out
`;
const SIGNATURE = {
  inputs: [
    { name: 'action', type: 'string', values: ['pid', 'crash', 'sleep', 'allocate'] },
    { name: 'amount', type: 'float64', required: false },
  ],
  outputs: [
    { name: 'pid', type: 'int64' },
    { name: 'prefix', type: 'string' },
    { name: 'sklearn', type: 'string' },
  ],
};

describe.skipIf(!python)('pickle model workers (needs the worker venv)', () => {
  let gw: TestGateway;
  const keys: Record<string, string> = {};

  async function publish(name: string, config: Record<string, unknown> = {}) {
    const bytes = await readFile(pickleFixture('snippet_iris_mm').file);
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        {
          name,
          config: JSON.stringify({
            preprocess: 'def preprocess(records):\n    return records\n',
            predict: PREDICT,
            signature: SIGNATURE,
            ...config,
          }),
        },
        { bytes, filename: 'model.pkl' },
      ),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    // The key is shown once: a new version keeps the first one.
    keys[name] = body.invokeKey ?? keys[name];
  }
  const call = (name: string, record: Record<string, unknown>) =>
    gw.app.request(`/fn/${name}`, {
      method: 'POST',
      body: JSON.stringify(record),
      headers: { authorization: `Bearer ${keys[name]}`, 'content-type': 'application/json' },
    });
  const pidOf = async (name: string): Promise<number> => {
    const res = await call(name, { action: 'pid' });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body.prediction.pid;
  };

  beforeAll(async () => {
    gw = await startTestGateway({ config: { python } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('answers 502 when the worker dies during a call, then serves from a new worker', async () => {
    await publish('crashy');
    const before = await pidOf('crashy');
    const res = await call('crashy', { action: 'crash' });
    expect(res.status).toBe(502);
    expect((await res.json()).error.code).toBe('worker_crashed');
    const after = await pidOf('crashy');
    expect(after).not.toBe(before);
    // Deleting the deployment stops its worker.
    expect((await gw.admin('/api/deployments/crashy', { method: 'DELETE' })).status).toBe(204);
    await waitFor('the worker to stop', () => !isAlive(after));
  }, 60_000);

  it('answers 504 past config.timeoutSeconds and kills the worker, which comes back', async () => {
    await publish('sleepy', { timeoutSeconds: 1 });
    const before = await pidOf('sleepy');
    const res = await call('sleepy', { action: 'sleep', amount: 60 });
    const body = await res.json();
    expect(res.status).toBe(504);
    expect(body.error.code).toBe('deadline_exceeded');
    expect(body.error.message).toContain('config.timeoutSeconds');
    await waitFor('the stuck worker to be killed', () => !isAlive(before));
    expect(await pidOf('sleepy')).not.toBe(before);
  }, 60_000);

  it('answers a clear out_of_memory past config.memoryMb, and the worker lives on', async () => {
    await publish('hungry', { memoryMb: 1024 });
    const pid = await pidOf('hungry');
    const small = await call('hungry', { action: 'allocate', amount: 64 });
    expect(small.status, await small.clone().text()).toBe(200);
    const res = await call('hungry', { action: 'allocate', amount: 1536 });
    const body = await res.json();
    expect(res.status).toBe(500);
    expect(body.error.code).toBe('out_of_memory');
    expect(body.error.message).toContain('1024 MiB');
    expect(await pidOf('hungry')).toBe(pid);
  }, 60_000);

  it('stops the worker of a version a new publish replaced, once its calls are done', async () => {
    await publish('redeployed');
    const first = await pidOf('redeployed');
    await publish('redeployed');
    await waitFor('the superseded worker to stop', () => !isAlive(first), 60_000);
    const second = await pidOf('redeployed');
    expect(second).not.toBe(first);
    expect(isAlive(second)).toBe(true);
  }, 120_000);

  it('stops an idle worker and starts it again, model and all, on the next call', async () => {
    await publish('sleeper', { idleSeconds: 1 });
    const first = await pidOf('sleeper');
    await waitFor('the idle worker to stop', () => !isAlive(first), 15_000);
    expect(await pidOf('sleeper')).not.toBe(first);
  }, 60_000);

  it('refuses requirements pip cannot install with 422, creating nothing', async () => {
    const bytes = await readFile(pickleFixture('decision_tree').file);
    const artifacts = join(gw.dataDir, 'artifacts');
    const before = await readdir(artifacts);
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        {
          name: 'unmet',
          // A local path that is not there: pip fails without asking any index.
          config: JSON.stringify({
            requirements: ['slipway-absent @ file:///nonexistent/slipway'],
          }),
        },
        { bytes, filename: 'model.pkl' },
      ),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(422);
    expect(body.error.code).toBe('requirements_failed');
    expect(body.error.message).not.toContain(gw.dataDir);
    expect((await gw.admin('/api/deployments/unmet')).status).toBe(404);
    expect(await readdir(artifacts)).toEqual(before);
  }, 120_000);

  it('installs requirements into a venv layered on the worker, made once per set', async () => {
    const requirements = ['scikit-learn>=1.6,<1.7'];
    await publish('needs-a', { requirements });
    await publish('needs-b', { requirements: 'scikit-learn>=1.6,<1.7\n# same set\n' });
    const root = join(gw.dataDir, 'python', 'models');
    // Ready venvs only: a failed build (the test above) leaves its folder for the next to redo.
    const venvs = (await readdir(root)).filter((d) => existsSync(join(root, d, '.slipway-ready')));
    expect(venvs).toHaveLength(1);
    const answers = await Promise.all(
      ['needs-a', 'needs-b'].map(
        async (n) => (await (await call(n, { action: 'pid' })).json()).prediction,
      ),
    );
    for (const a of answers) {
      expect(a.prefix).toBe(join(root, venvs[0]!));
      // Already in the worker's environment: seen through the layer, not installed again.
      expect(a.sklearn.startsWith(a.prefix)).toBe(false);
    }
  }, 180_000);
});
