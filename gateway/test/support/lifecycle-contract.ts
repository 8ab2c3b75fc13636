import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../src/runtimes/testing/contract.js';
import { until } from '../../src/workers/testing/processes.js';
import { publishForm, type TestGateway } from './test-gateway.js';

/** What a backend's run of the contract starts, and what it can tell of a deployment's objects. */
export interface LifecycleBackend {
  /** A gateway whose `pool` is on this backend. */
  start(): Promise<{ gw: TestGateway; stop(): Promise<void> }>;
  pool: string;
  /**
   * How many things the backend runs or keeps for a deployment's versions (a version's
   * processes here; its Deployments on a cluster), by version revision; none once deleted.
   */
  held(name: string): Promise<number>;
}

const fixture = new URL('../fixtures/onnx/regressor_gbr', import.meta.url).pathname;

interface ReplicasView {
  versions: { version: number; retiring: boolean; replicas: { state: string }[] }[];
  coldStarts: { count: number };
}

/**
 * The one lifecycle every backend serves by (`pools/replica-set.ts`), seen through the gateway:
 * ready replicas answer with the model's own answers, an idle version scales to zero and the
 * next call starts a replica (a cold start), `minReplicas` replicas are kept, a new version takes
 * the calls once it has a ready replica and the old one goes after draining, and a delete leaves
 * nothing running. Run with the local backend (test/lifecycle-contract.test.ts) and the
 * Kubernetes one (test/kubernetes/lifecycle-contract.test.ts).
 */
export function lifecycleContract(backend: string, make: () => LifecycleBackend): void {
  describe(`lifecycle contract: ${backend}`, () => {
    const b = make();
    let gw: TestGateway;
    let stop: () => Promise<void>;
    let model: Uint8Array;
    let expected: { records: object[]; predictions: Record<string, unknown>[]; tolerance: number };
    const keys: Record<string, string> = {};

    beforeAll(async () => {
      model = await readFile(`${fixture}.onnx`);
      expected = JSON.parse(await readFile(`${fixture}.expected.json`, 'utf8'));
      ({ gw, stop } = await b.start());
    });
    afterAll(async () => {
      await stop?.();
    });

    const publish = async (name: string, config: object) => {
      const res = await gw.admin('/api/deployments', {
        method: 'POST',
        body: publishForm(
          { name, pool: b.pool, config: JSON.stringify(config) },
          { bytes: model, filename: 'regressor_gbr.onnx' },
        ),
      });
      expect([200, 201], await res.clone().text()).toContain(res.status);
      const body = (await res.json()) as { invokeKey?: string };
      if (body.invokeKey) keys[name] = body.invokeKey;
    };
    const call = (name: string, i = 0) =>
      gw.app.request(`/fn/${name}`, {
        method: 'POST',
        body: JSON.stringify(expected.records[i]),
        headers: { authorization: `Bearer ${keys[name]}`, 'content-type': 'application/json' },
      });
    const answers = async (name: string, i = 0) => {
      const res = await call(name, i);
      expect(res.status, await res.clone().text()).toBe(200);
      const body = (await res.json()) as { prediction: unknown };
      expectClose(body.prediction, Object.values(expected.predictions[i]!)[0], expected.tolerance);
      return res;
    };
    const replicas = async (name: string) =>
      (await (await gw.admin(`/api/deployments/${name}/replicas`)).json()) as ReplicasView;
    const ready = (v: ReplicasView) =>
      v.versions.flatMap((x) => x.replicas).filter((r) => r.state === 'ready').length;

    it('ready replicas answer with the model’s own answers; minReplicas are kept', async () => {
      await publish('kept', { minReplicas: 2 });
      await until(
        () => replicas('kept'),
        (v) => ready(v) === 2,
        'two ready replicas',
      );
      for (let i = 0; i < 3; i++) await answers('kept', i);
    });

    it('an idle version scales to zero; the next call starts a replica (a cold start)', async () => {
      await publish('idle', { minReplicas: 0, idleSeconds: 1 });
      await answers('idle');
      await until(
        () => replicas('idle'),
        (v) => ready(v) === 0,
        'no replica left',
      );
      const before = (await replicas('idle')).coldStarts.count;
      await answers('idle', 1);
      const after = await replicas('idle');
      expect(ready(after)).toBe(1);
      expect(after.coldStarts.count).toBe(before + 1);
    });

    it('a new version takes the calls once ready; the old one goes after draining', async () => {
      await publish('rolled', { minReplicas: 1 });
      expect((await answers('rolled')).headers.get('x-slipway-version')).toBe('1');
      expect(await b.held('rolled')).toBe(1);
      // Another config: another revision (on a cluster, another Deployment).
      await publish('rolled', { minReplicas: 1, idleSeconds: 600 });
      // Ready before it took the calls: the first call after the publish is not a cold start.
      const coldBefore = (await replicas('rolled')).coldStarts.count;
      expect((await answers('rolled', 1)).headers.get('x-slipway-version')).toBe('2');
      expect((await replicas('rolled')).coldStarts.count).toBe(coldBefore);
      await until(
        () => replicas('rolled'),
        (v) => v.versions.map((x) => x.version).join() === '2',
        'version 1 to go',
      );
      await until(
        () => b.held('rolled'),
        (n) => n === 1,
        'version 1’s objects to go',
      );
    });

    it('a delete leaves nothing of the deployment running', async () => {
      await publish('doomed', { minReplicas: 1 });
      await answers('doomed');
      expect((await gw.admin('/api/deployments/doomed', { method: 'DELETE' })).status).toBe(204);
      expect((await gw.admin('/api/deployments/doomed/replicas')).status).toBe(404);
      await until(
        () => b.held('doomed'),
        (n) => n === 0,
        'nothing held',
      );
    });
  });
}
