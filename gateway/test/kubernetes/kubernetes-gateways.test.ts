import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { Cluster, WANTED_STALE_MS } from '../../src/kubernetes/cluster.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { observed } from '../support/observed-notices.js';
import { publishForm } from '../support/test-gateway.js';
import {
  clients,
  newNamespace,
  startClusterGateway,
  until,
  type ClusterGateway,
} from './cluster-support.js';

/**
 * Two gateways on one Postgres with pools on one cluster (as the gateway's manifests run it):
 * what is published through one is served through the other at once — its catalog learns of
 * the change by LISTEN/NOTIFY, not after its ten-minute cache — from the same Deployment's pods.
 */
const url = process.env.SLIPWAY_TEST_DATABASE_URL;
const kubeconfig = inject('kubeconfig');
const { core, apps } = clients(kubeconfig);
const TEN_MINUTES = 600_000;
const fixtures = new URL('../fixtures/onnx/', import.meta.url).pathname;

describe.skipIf(!url)('two gateways, one Postgres, one cluster', () => {
  let database: TestDatabase;
  let second: Database;
  let a: ClusterGateway;
  let b: ClusterGateway;
  let handledByB: (name: string) => Promise<void>;
  let namespace: string;
  let markers = 0;

  beforeAll(async () => {
    namespace = await newNamespace(core);
    database = await openTestDatabase('postgres');
    second = await openDatabase({ url: database.url });
    const watched = observed(second);
    handledByB = watched.handled;
    a = await startClusterGateway(kubeconfig, namespace, {
      gateway: { database, config: { catalogTtlMs: TEN_MINUTES } },
    });
    // One artifact store for both, as the manifests' shared volume gives them, and one URL
    // their pods reach them at, as the manifests' Service gives them.
    b = await startClusterGateway(kubeconfig, namespace, {
      gatewayUrl: a.url,
      gateway: {
        database: { ...watched.database, url: database.url },
        config: { catalogTtlMs: TEN_MINUTES, artifactsDir: join(a.gw.dataDir, 'artifacts') },
      },
    });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await second?.close();
    await database?.close();
  });

  const noticesHandledByB = async () => {
    const marker = `marker-${++markers}`;
    const handled = handledByB(marker);
    await a.gw.database.catalogNotices.announce(marker);
    await handled;
  };
  const publish = async (model: string, config: object) => {
    const res = await a.gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name: 'shared', config: JSON.stringify(config) },
        { bytes: await readFile(join(fixtures, `${model}.onnx`)), filename: `${model}.onnx` },
      ),
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return (await res.json()) as { invokeKey?: string };
  };
  const record = async () =>
    (
      JSON.parse(await readFile(join(fixtures, 'regressor_gbr.expected.json'), 'utf8')) as {
        records: object[];
      }
    ).records[0]!;
  const call = async (cg: ClusterGateway, key: string) => {
    const res = await cg.gw.app.request('/fn/shared', {
      method: 'POST',
      body: JSON.stringify(await record()),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
    const answer = { status: res.status, version: res.headers.get('x-slipway-version') };
    // A refusal's body says why (which replica, which pool): kept for the failure's message.
    if (res.status !== 200) Object.defineProperty(answer, 'body', { value: await res.text() });
    return answer;
  };
  /** What a call answered, and why when it was refused: the message of a failed expectation. */
  const why = (answer: object) => (answer as { body?: string }).body ?? '';
  const deployments = async () =>
    (
      await apps.listNamespacedDeployment({
        namespace,
        labelSelector: 'slipway.dev/deployment=shared',
      })
    ).items;

  it('B serves what A publishes, from the same Deployment, as soon as A answers', async () => {
    const { invokeKey } = await publish('regressor_gbr', { minReplicas: 1 });
    const first = await call(b, invokeKey!);
    expect(first, why(first)).toEqual({ status: 200, version: '1' });
    const [v1] = await deployments();

    // A new revision through A: B answers with it at once, and its first Deployment goes.
    await publish('regressor_gbr', { minReplicas: 1, idleSeconds: 600 });
    await noticesHandledByB();
    const second = await call(b, invokeKey!);
    expect(second, why(second)).toEqual({ status: 200, version: '2' });
    const [v2] = await until(
      deployments,
      (d) => d.length === 1 && d[0]!.metadata!.name !== v1!.metadata!.name,
      'v1’s Deployment to go',
    );
    // Both gateways forward to that Deployment's pods: one Deployment, not one per gateway.
    expect(v2!.metadata!.labels!['slipway.dev/deployment']).toBe('shared');
    expect(b.gw.host.peek('shared', 1)).toBeUndefined();
  });
});

describe('gateways scaling one Deployment', () => {
  it('it gets the most any live gateway wants; none undoes another, a gone one is forgotten', async () => {
    const namespace = await newNamespace(core);
    const cluster = new Cluster(clients(kubeconfig).kc, namespace);
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'shared-pods' },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'shared-pods' } },
          template: {
            metadata: { labels: { app: 'shared-pods' } },
            spec: { containers: [{ name: 'c', image: 'runner' }] },
          },
        },
      },
    });
    const replicas = async () =>
      (await apps.readNamespacedDeploymentScale({ name: 'shared-pods', namespace })).spec!
        .replicas ?? 0;

    // Ten gateways at once, each wanting its own count: no write is lost.
    const wants = [3, 1, 0, 2, 5, 1, 4, 0, 2, 1];
    await Promise.all(wants.map((n, i) => cluster.scaleShared('shared-pods', `gw${i}`, n)));
    expect(await replicas()).toBe(5);
    const annotations = (await apps.readNamespacedDeployment({ name: 'shared-pods', namespace }))
      .metadata!.annotations!;
    expect(
      Object.keys(annotations)
        .filter((k) => k.startsWith('slipway.dev/wanted.'))
        .sort(),
    ).toEqual(
      ['gw0', 'gw1', 'gw3', 'gw4', 'gw5', 'gw6', 'gw8', 'gw9'].map(
        (g) => `slipway.dev/wanted.${g}`,
      ),
    );

    // The one wanting most lets go: the next most stays; the pod it used is told of who else wants.
    let told = -1;
    await cluster.scaleShared('shared-pods', 'gw4', 0, async (others) => void (told = others));
    expect(told).toBe(4);
    expect(await replicas()).toBe(4);

    // A gateway that stopped refreshing (crashed) is forgotten: only the fresh ones count.
    const later = Date.now() + WANTED_STALE_MS + 1;
    await cluster.scaleShared('shared-pods', 'gw1', 1, undefined, later);
    expect(await replicas()).toBe(1);
    await cluster.scaleShared('shared-pods', 'gw1', 0, undefined, later);
    expect(await replicas()).toBe(0);
  });
});
