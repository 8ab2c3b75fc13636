import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { objectName, revisionOf } from '../../src/kubernetes/manifests.js';
import { defaultPool, parsePoolsFile } from '../../src/pools/pool-spec.js';
import { freePort } from '../support/gateway-process.js';
import { publishForm, startTestGateway, type TestGateway } from '../support/test-gateway.js';
import {
  clients,
  newNamespace,
  startClusterGateway,
  until,
  type ClusterGateway,
} from './cluster-support.js';

/**
 * What the gateway does when a cluster cannot be used (unreachable, or credentials without the
 * permissions a pool needs), when an object of Slipway's name is someone else's, and the
 * gateway's own manifests (deploy/kubernetes/gateway.yaml): they apply, the gateway pods are
 * scheduled, and the Role they bind is what a pool needs, no more asked.
 */
const kubeconfig = inject('kubeconfig');
const { kc, core, apps } = clients(kubeconfig);
const modelPath = new URL('../fixtures/onnx/regressor_gbr.onnx', import.meta.url).pathname;
const expected = new URL('../fixtures/onnx/regressor_gbr.expected.json', import.meta.url).pathname;
let model: Uint8Array;
let record: object;

beforeAll(async () => {
  model = await readFile(modelPath);
  record = (JSON.parse(await readFile(expected, 'utf8')) as { records: object[] }).records[0]!;
});

const publishTo = (gw: TestGateway, name: string, pool: string) =>
  gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm({ name, pool }, { bytes: model, filename: 'regressor_gbr.onnx' }),
  });

/** Publishes the fixture as `name` on `pool`, and calls it once: the call's answer. */
async function publishAndCall(gw: TestGateway, name: string, pool: string): Promise<Response> {
  const res = await publishTo(gw, name, pool);
  expect(res.status, await res.clone().text()).toBe(201);
  const { invokeKey } = (await res.json()) as { invokeKey: string };
  return gw.app.request(`/fn/${name}`, {
    method: 'POST',
    body: JSON.stringify(record),
    headers: { authorization: `Bearer ${invokeKey}`, 'content-type': 'application/json' },
  });
}

/** A kubeconfig for the test's API server with `token` as its credentials. */
async function tokenKubeconfig(token: string): Promise<string> {
  const cluster = kc.getCurrentCluster()!;
  const file = join(
    tmpdir(),
    `slw-token-${process.pid}-${Math.random().toString(36).slice(2)}.kubeconfig`,
  );
  await writeFile(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'c',
          cluster: { server: cluster.server, 'certificate-authority-data': cluster.caData },
        },
      ],
      users: [{ name: 'u', user: { token } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'c',
    }),
  );
  return file;
}

/** A local cpu pool and a gpu pool on a cluster named by `kubeconfigFile`. */
function mixedPools(kubeconfigFile: string, namespace: string) {
  const [gpu] = parsePoolsFile(
    stringify({
      pools: {
        gpu: {
          backend: 'kubernetes',
          kubernetes: {
            kubeconfig: kubeconfigFile,
            namespace,
            image: 'slipway:test',
            artifacts: { from: 'gateway', gatewayUrl: 'http://127.0.0.1:1' },
          },
        },
      },
    }),
    { memoryMb: 16_384, gpus: [] },
  );
  return [defaultPool('cpu', { memoryMb: 16_384, gpus: [] }), gpu!];
}

describe('a cluster the gateway cannot use', () => {
  it.each([
    [
      'does not answer',
      async () => {
        const file = await tokenKubeconfig('irrelevant');
        // A port nothing listens on.
        const port = await freePort();
        const text = (await readFile(file, 'utf8')).replace(
          /server: .*/,
          `server: https://127.0.0.1:${port}`,
        );
        await writeFile(file, text);
        return { file, why: /ECONNREFUSED/ };
      },
    ],
    [
      'lacks the permissions',
      async () => {
        const namespace = await newNamespace(core);
        await core.createNamespacedServiceAccount({
          namespace,
          body: { metadata: { name: 'nobody' } },
        });
        const { status } = await core.createNamespacedServiceAccountToken({
          name: 'nobody',
          namespace,
          body: { spec: { expirationSeconds: 3600 } },
        });
        return { file: await tokenKubeconfig(status!.token!), why: /forbidden.*cannot list/ };
      },
    ],
  ])(
    '(it %s): the pool is unavailable with the API server’s words, publishing to it is a 503, local pools serve',
    async (_, make) => {
      const { file, why } = await make();
      const gw = await startTestGateway({ config: { pools: mixedPools(file, 'default') } });
      try {
        const { pools } = (await (await gw.admin('/api/pools')).json()) as {
          pools: { name: string; status: string; statusReason?: string }[];
        };
        const gpu = pools.find((p) => p.name === 'gpu')!;
        expect(gpu.status).toBe('unavailable');
        expect(gpu.statusReason).toMatch(why);
        expect(pools.find((p) => p.name === 'cpu')!.status).toBe('available');

        const refused = await publishTo(gw, 'on-gpu', 'gpu');
        expect(refused.status).toBe(503);
        const body = (await refused.json()) as {
          error: { code: string; field: string; message: string };
        };
        expect(body.error).toMatchObject({ code: 'pool_unavailable', field: 'pool' });
        expect(body.error.message).toMatch(/the gpu pool is unavailable/);

        expect((await publishAndCall(gw, 'on-cpu', 'cpu')).status).toBe(200);
      } finally {
        await gw.stop();
      }
    },
  );
});

describe('an object of Slipway’s name that Slipway did not make', () => {
  let cg: ClusterGateway;
  let namespace: string;
  beforeAll(async () => {
    namespace = await newNamespace(core);
    cg = await startClusterGateway(kubeconfig, namespace);
  });
  afterAll(() => cg?.stop());

  it('is a 409, and is left as it was', async () => {
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update(model).digest('hex');
    // The name the publish below would give its Deployment (its defaults on the cpu pool).
    const name = objectName(
      'theirs',
      revisionOf({
        format: 'onnx',
        pool: 'cpu',
        config: {},
        artifact: { sha256, size: model.byteLength, filename: 'regressor_gbr.onnx' },
      }),
    );
    const theirs = {
      metadata: { name, labels: { app: 'theirs' } },
      spec: { selector: { app: 'theirs' }, ports: [{ port: 8080 }] },
    };
    await core.createNamespacedService({ namespace, body: theirs });
    const res = await publishTo(cg.gw, 'theirs', 'cpu');
    expect(res.status, await res.clone().text()).toBe(409);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('kubernetes_conflict');
    expect(error.message).toContain(`a Service named ${name}`);
    const after = await core.readNamespacedService({ name, namespace });
    expect(after.metadata!.labels).toEqual({ app: 'theirs' });
    expect(after.metadata!.managedFields!.map((f) => f.manager)).not.toContain('slipway-gateway');
    expect((await apps.listNamespacedDeployment({ namespace })).items).toEqual([]);
  });
});

describe('the gateway’s own manifests (deploy/kubernetes/gateway.yaml)', () => {
  const manifests = new URL('../../../deploy/kubernetes/gateway.yaml', import.meta.url).pathname;
  let cg: ClusterGateway | undefined;
  afterAll(() => cg?.stop());

  it('apply; the gateway replicas are scheduled; the Role they bind is all a pool needs', async () => {
    const objects = parseAllDocuments(await readFile(manifests, 'utf8')).map(
      (d) => d.toJS() as KubernetesObject,
    );
    const client = KubernetesObjectApi.makeApiClient(kc);
    // No storage provisioner here: a volume for the artifacts claim, as a cluster's would be.
    await core.createPersistentVolume({
      body: {
        metadata: { name: 'slipway-artifacts-test' },
        spec: {
          capacity: { storage: '20Gi' },
          accessModes: ['ReadWriteMany'],
          hostPath: { path: '/var/lib/slipway-artifacts' },
        },
      },
    });
    for (const o of objects)
      await client.patch(o, undefined, undefined, 'test', true, PatchStrategy.ServerSideApply);
    const gatewayPods = await until(
      async () =>
        (
          await core.listNamespacedPod({
            namespace: 'slipway',
            labelSelector: 'app.kubernetes.io/name=slipway-gateway',
          })
        ).items,
      (pods) => pods.length === 2 && pods.every((p) => p.status?.phase === 'Running'),
      'two gateway pods running',
    );
    expect(gatewayPods.map((p) => p.spec!.nodeName)).toEqual(['kwok-cpu', 'kwok-cpu']);

    // The gateway's service account, with only what the Role grants, runs a pool in `slipway`.
    const { status } = await core.createNamespacedServiceAccountToken({
      name: 'slipway-gateway',
      namespace: 'slipway',
      body: { spec: { expirationSeconds: 3600 } },
    });
    const saConfig = await tokenKubeconfig(status!.token!);
    cg = await startClusterGateway(kubeconfig, 'slipway', {
      file: (text) => text.replaceAll(kubeconfig, saConfig),
    });
    const { pools } = (await (await cg.gw.admin('/api/pools')).json()) as {
      pools: { status: string; statusReason?: string }[];
    };
    expect(pools.map((p) => p.statusReason ?? p.status)).toEqual([
      'available',
      'available',
      'available',
    ]);
    const answer = await publishAndCall(cg.gw, 'by-the-book', 'cpu');
    expect(answer.status, await answer.clone().text()).toBe(200);
    expect((await cg.gw.admin('/api/deployments/by-the-book', { method: 'DELETE' })).status).toBe(
      204,
    );
    await until(
      async () =>
        (
          await apps.listNamespacedDeployment({
            namespace: 'slipway',
            labelSelector: 'slipway.dev/deployment=by-the-book',
          })
        ).items,
      (d) => d.length === 0,
      'its Deployment to go',
    );
  });
});

describe('artifacts from a shared volume', () => {
  let cg: ClusterGateway | undefined;
  afterAll(() => cg?.stop());

  it('a runner reads its artifact from the claim it mounts, checked against its sha256', async () => {
    const namespace = await newNamespace(core);
    // The claim, bound to a volume of its own (the cluster's storage, here a host path).
    await core.createPersistentVolume({
      body: {
        metadata: { name: `artifacts-${namespace}` },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteMany'],
          hostPath: { path: '/var/lib/slipway-artifacts' },
          claimRef: { namespace, name: 'slipway-artifacts' },
        },
      },
    });
    await core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: {
        metadata: { name: 'slipway-artifacts' },
        spec: {
          accessModes: ['ReadWriteMany'],
          resources: { requests: { storage: '1Gi' } },
          volumeName: `artifacts-${namespace}`,
        },
      },
    });
    cg = await startClusterGateway(kubeconfig, namespace, {
      file: (text) =>
        text.replaceAll(
          /artifacts:\n(\s+)from: gateway\n\s+gatewayUrl: .*/g,
          (_, indent: string) =>
            `artifacts:\n${indent}from: volume\n${indent}claimName: slipway-artifacts`,
        ),
      // The claim is the gateway's own artifact store, as the manifests' shared volume is.
      claims: (dataDir) => ({ 'slipway-artifacts': join(dataDir, 'artifacts') }),
    });
    const answer = await publishAndCall(cg.gw, 'from-volume', 'cpu');
    expect(answer.status, await answer.clone().text()).toBe(200);
    const [standIn] = cg.runners.started;
    const env = standIn!.pod.spec!.containers[0]!.env!;
    expect(env.find((e) => e.name === 'SLIPWAY_RUNNER_ARTIFACT_DIR')?.value).toBe(
      '/var/lib/slipway/artifacts',
    );
    expect(env.find((e) => e.name === 'SLIPWAY_RUNNER_ARTIFACT_URL')).toBeUndefined();
  });
});
