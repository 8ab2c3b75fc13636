import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectClose } from '../../src/runtimes/testing/contract.js';
import { publishForm } from '../support/test-gateway.js';
import {
  clients,
  newNamespace,
  startClusterGateway,
  until,
  type ClusterGateway,
} from './cluster-support.js';

/**
 * The Kubernetes backend against a real control plane: deployments on each pool land on the
 * node kind the pool names, a GPU deployment beyond the cluster's GPUs waits with the
 * scheduler's reason, a deployment scales to zero and back through a call, and delete takes
 * every object Slipway made (and nothing else). Pods are kwok's (they never run): each ready
 * endpoint is answered by a runner process started from the pod's own command and environment.
 */
const kubeconfig = inject('kubeconfig');
const { core, apps } = clients(kubeconfig);
const fixture = new URL('../fixtures/onnx/regressor_gbr', import.meta.url).pathname;
let model: Uint8Array;
let expected: {
  records: Record<string, unknown>[];
  predictions: Record<string, unknown>[];
  tolerance: number;
};
let namespace: string;
let cg: ClusterGateway;
const keys: Record<string, string> = {};

const publish = async (name: string, pool: string, config: object = {}) => {
  const res = await cg.gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm(
      { name, pool, config: JSON.stringify(config) },
      { bytes: model, filename: 'regressor_gbr.onnx' },
    ),
  });
  return res;
};
const call = (name: string, record: unknown) =>
  cg.gw.app.request(`/fn/${name}`, {
    method: 'POST',
    body: JSON.stringify(record),
    headers: { authorization: `Bearer ${keys[name]}`, 'content-type': 'application/json' },
  });
const pods = async (name: string) =>
  (await core.listNamespacedPod({ namespace, labelSelector: `slipway.dev/deployment=${name}` }))
    .items;
const deploymentsOf = async (name: string) =>
  (
    await apps.listNamespacedDeployment({
      namespace,
      labelSelector: `slipway.dev/deployment=${name}`,
    })
  ).items;
const detail = async (name: string) =>
  (await (await cg.gw.admin(`/api/deployments/${name}`)).json()) as {
    status: string;
    statusReason: string | null;
  };

beforeAll(async () => {
  model = await readFile(`${fixture}.onnx`);
  expected = JSON.parse(await readFile(`${fixture}.expected.json`, 'utf8'));
  namespace = await newNamespace(core);
  cg = await startClusterGateway(kubeconfig, namespace);
});
afterAll(async () => {
  await cg?.stop();
});

describe('a Kubernetes pool', () => {
  it('lists its pools as available, on the kubernetes backend', async () => {
    const { pools } = (await (await cg.gw.admin('/api/pools')).json()) as {
      pools: { name: string; backend: string; status: string }[];
    };
    expect(pools.map((p) => [p.name, p.backend, p.status])).toEqual([
      ['cpu', 'kubernetes', 'available'],
      ['highmem', 'kubernetes', 'available'],
      ['gpu', 'kubernetes', 'available'],
    ]);
  });

  it.each([
    ['cpu', 'kwok-cpu'],
    ['highmem', 'kwok-highmem'],
    ['gpu', 'kwok-gpu'],
  ])(
    'publishes to %s: a Deployment and a Service by server-side apply, pods on %s, answers as scikit-learn',
    async (pool, node) => {
      const name = `on-${pool}`;
      // On gpu, the CPU engine: this machine has no GPU for the stand-in runner to use.
      const res = await publish(name, pool, {
        minReplicas: 0,
        ...(pool === 'gpu' ? { engine: 'node' } : {}),
      });
      expect(res.status, await res.clone().text()).toBe(201);
      keys[name] = ((await res.json()) as { invokeKey: string }).invokeKey;

      // Objects tied to the deployment by labels, applied under Slipway's field manager.
      const [deployment] = await deploymentsOf(name);
      expect(deployment!.metadata!.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'slipway',
        'slipway.dev/deployment': name,
        'slipway.dev/pool': pool,
      });
      expect(
        deployment!.metadata!.managedFields!.map((f) => [f.manager, f.operation]),
      ).toContainEqual(['slipway-gateway', 'Apply']);
      const service = await core.readNamespacedService({
        name: deployment!.metadata!.name!,
        namespace,
      });
      expect(service.spec!.selector).toEqual(deployment!.spec!.selector!.matchLabels);

      // A call through the same data plane: the answers are scikit-learn's.
      for (let i = 0; i < 3; i++) {
        const r = await call(name, expected.records[i]);
        expect(r.status, await r.clone().text()).toBe(200);
        const body = (await r.json()) as { prediction: unknown };
        expectClose(
          body.prediction,
          Object.values(expected.predictions[i]!)[0],
          expected.tolerance,
        );
        expect(r.headers.get('x-request-id')).toBeTruthy();
      }
      const running = await pods(name);
      expect(running.map((p) => p.spec!.nodeName)).toEqual([node]);
    },
  );

  it('answers OIP v2 and MLflow calls through the same data plane', async () => {
    const headers = {
      authorization: `Bearer ${keys['on-cpu']}`,
      'content-type': 'application/json',
    };
    const record = expected.records[1] as { X: number[] };
    const want = Object.values(expected.predictions[1]!)[0];
    const meta = (await (await cg.gw.app.request('/v2/models/on-cpu', { headers })).json()) as {
      inputs: { name: string; datatype: string }[];
    };
    const oip = await cg.gw.app.request('/v2/models/on-cpu/infer', {
      method: 'POST',
      headers,
      body: JSON.stringify({
        inputs: [
          {
            name: meta.inputs[0]!.name,
            datatype: meta.inputs[0]!.datatype,
            shape: [1, 6],
            data: record.X,
          },
        ],
      }),
    });
    expect(oip.status, await oip.clone().text()).toBe(200);
    const { outputs } = (await oip.json()) as { outputs: { data: number[] }[] };
    expectClose(outputs[0]!.data[0], want, expected.tolerance);
    const mlflow = await cg.gw.app.request('/fn/on-cpu/invocations', {
      method: 'POST',
      headers,
      body: JSON.stringify({ dataframe_records: [record] }),
    });
    expect(mlflow.status, await mlflow.clone().text()).toBe(200);
    expectClose(
      ((await mlflow.json()) as { predictions: unknown[] }).predictions[0],
      want,
      expected.tolerance,
    );
  });

  it('shows the pod behind each replica', async () => {
    const view = (await (await cg.gw.admin('/api/deployments/on-cpu/replicas')).json()) as {
      versions: { replicas: { pod?: string; state: string }[] }[];
    };
    const [pod] = await pods('on-cpu');
    expect(view.versions[0]!.replicas).toEqual([
      expect.objectContaining({ state: 'ready', pod: pod!.metadata!.name }),
    ]);
  });

  it('deletes every object it made for a deployment, and nothing else', async () => {
    // An object of the team's own, labelled like Slipway's but not managed by it: it stays.
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: { name: 'team-notes', labels: { 'slipway.dev/deployment': 'on-highmem' } },
      },
    });
    const res = await cg.gw.admin('/api/deployments/on-highmem', { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await deploymentsOf('on-highmem')).toEqual([]);
    expect(
      (
        await core.listNamespacedService({
          namespace,
          labelSelector: 'slipway.dev/deployment=on-highmem',
        })
      ).items,
    ).toEqual([]);
    await until(
      () => pods('on-highmem'),
      (p) => p.length === 0,
      'the pods of on-highmem to go',
    );
    expect(
      (await core.readNamespacedConfigMap({ name: 'team-notes', namespace })).metadata!.name,
    ).toBe('team-notes');
    // The other deployments' objects are untouched.
    expect(await deploymentsOf('on-cpu')).toHaveLength(1);
  });
});

describe('the gateway as activator', () => {
  it('scales an idle deployment to zero, and a call brings it back through the scale subresource', async () => {
    const name = 'scale-zero';
    const res = await publish(name, 'cpu', { minReplicas: 0, idleSeconds: 1 });
    expect(res.status, await res.clone().text()).toBe(201);
    keys[name] = ((await res.json()) as { invokeKey: string }).invokeKey;
    const [deployment] = await deploymentsOf(name);
    const objectName = deployment!.metadata!.name!;
    const replicas = async () =>
      // A replica count of 0 is left out of the answer.
      (await apps.readNamespacedDeploymentScale({ name: objectName, namespace })).spec!.replicas ??
      0;

    expect((await call(name, expected.records[0])).status).toBe(200);
    expect(await replicas()).toBe(1);
    // Idle past idleSeconds: scaled to zero, its pod gone.
    await until(replicas, (n) => n === 0, 'the deployment to scale to zero');
    await until(
      () => pods(name),
      (p) => p.length === 0,
      'its pod to go',
    );

    // Concurrent calls wait on one scale-up, then all answer.
    const answers = await Promise.all(expected.records.slice(0, 4).map((r) => call(name, r)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(await replicas()).toBe(1);
    const view = (await (await cg.gw.admin(`/api/deployments/${name}/replicas`)).json()) as {
      coldStarts: { count: number };
    };
    expect(view.coldStarts.count).toBeGreaterThanOrEqual(2);
  });
});

describe('a pod that goes away between "ready" and "reached"', () => {
  it('the start goes on with the Deployment’s next ready pod, and the call answers', async () => {
    const name = 'pod-gone';
    const res = await publish(name, 'cpu', { minReplicas: 0 });
    expect(res.status, await res.clone().text()).toBe(201);
    keys[name] = ((await res.json()) as { invokeKey: string }).invokeKey;
    // The first pod the start picks is deleted before it is reached (a rollout, a drain); its
    // ReplicaSet makes another.
    const removed: string[] = [];
    cg.runners.beforeResolve = async (endpoint) => {
      if (removed.length) return;
      removed.push(endpoint.pod);
      await core.deleteNamespacedPod({ name: endpoint.pod, namespace, gracePeriodSeconds: 0 });
      await until(
        () => pods(name),
        (p) => !p.some((pod) => pod.metadata!.name === endpoint.pod),
        `pod ${endpoint.pod} to go`,
      );
    };
    try {
      const answer = await call(name, expected.records[0]);
      expect(answer.status, await answer.clone().text()).toBe(200);
    } finally {
      cg.runners.beforeResolve = undefined;
    }
    expect(removed).toHaveLength(1);
    const view = (await (await cg.gw.admin(`/api/deployments/${name}/replicas`)).json()) as {
      versions: { replicas: { pod?: string; state: string }[] }[];
    };
    const [replica] = view.versions[0]!.replicas;
    expect(replica).toMatchObject({ state: 'ready' });
    expect(replica!.pod).not.toBe(removed[0]);
    expect((await pods(name)).map((p) => p.metadata!.name)).toEqual([replica!.pod]);
  });
});

describe('a GPU deployment beyond the cluster’s GPUs', () => {
  it('waits as pending with the scheduler’s reason, and runs once a GPU is free', async () => {
    // The node has 2 GPUs and each replica takes one: on-gpu holds one, gpu-a the other.
    for (const name of ['gpu-a', 'gpu-b']) {
      // Calls wait a second at most for a replica that is not up.
      const res = await publish(name, 'gpu', { minReplicas: 1, engine: 'node', queueSeconds: 1 });
      expect(res.status, await res.clone().text()).toBe(201);
      keys[name] = ((await res.json()) as { invokeKey: string }).invokeKey;
    }
    await until(
      () => detail('gpu-a'),
      (d) => d.status === 'ready',
      'gpu-a to be ready',
    );
    const pending = await until(
      () => detail('gpu-b'),
      (d) => d.status === 'pending',
      'gpu-b to be pending',
    );
    expect(pending.statusReason).toMatch(/Insufficient nvidia\.com\/gpu/);
    expect((await pods('gpu-b')).map((p) => p.status!.phase)).toEqual(['Pending']);
    // A call meanwhile: a 503 that says why, not a 429 blaming busy replicas.
    const waited = await call('gpu-b', expected.records[0]);
    expect(waited.status).toBe(503);
    expect(waited.headers.get('retry-after')).toBeTruthy();
    expect(((await waited.json()) as { error: { message: string } }).error.message).toMatch(
      /no replica became ready within 1 s \(pod .* waits: Unschedulable: .*Insufficient nvidia\.com\/gpu/,
    );
    const listed = (await (await cg.gw.admin('/api/deployments')).json()) as {
      deployments: { name: string; status: string; statusReason?: string }[];
    };
    expect(listed.deployments.find((d) => d.name === 'gpu-b')).toMatchObject({
      status: 'pending',
      statusReason: expect.stringMatching(/Insufficient nvidia\.com\/gpu/),
    });

    // A GPU comes free: the waiting pod is placed and the deployment answers.
    expect((await cg.gw.admin('/api/deployments/on-gpu', { method: 'DELETE' })).status).toBe(204);
    await until(
      () => detail('gpu-b'),
      (d) => d.status === 'ready',
      'gpu-b to be ready',
      90_000,
    );
    // Its replica up (the runner loaded and warmed up), a call answers.
    await until(
      async () =>
        (await (await cg.gw.admin('/api/deployments/gpu-b/replicas')).json()) as {
          versions: { replicas: { state: string }[] }[];
        },
      (v) => v.versions.some((x) => x.replicas.some((r) => r.state === 'ready')),
      'a ready replica of gpu-b',
    );
    expect((await call('gpu-b', expected.records[0])).status).toBe(200);
    expect((await pods('gpu-b')).map((p) => p.spec!.nodeName)).toEqual(['kwok-gpu']);
  });
});
