import { describe, expect, it } from 'vitest';
import { parsePoolsFile, PoolsFileError } from '../pools/pool-spec.js';
import { kubernetesPoolSchema } from './kubernetes-pool.js';
import {
  objectName,
  revisionOf,
  runnerDeployment,
  runnerService,
  RUNNER_COMMAND,
  type RunnerSpec,
} from './manifests.js';

const machine = { memoryMb: 16_384, gpus: [] };
const spec: RunnerSpec = {
  name: 'churn',
  version: 3,
  format: 'pickle',
  pool: 'gpu',
  config: { minReplicas: 0, timeoutSeconds: 5 },
  artifact: { sha256: 'a'.repeat(64), size: 10, filename: 'm.pkl' },
};
const raw = {
  kubeconfig: '/k',
  namespace: 'ml',
  image: 'slipway:1',
  images: { pickle: 'slipway-python:1' },
  nodeSelector: { accelerator: 'nvidia' },
  tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
  resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { 'nvidia.com/gpu': 1 } },
  artifacts: { from: 'gateway', gatewayUrl: 'http://gw.slipway.svc:8000/' },
};
const settings = kubernetesPoolSchema.parse(raw);

describe('the objects a version runs from', () => {
  it('a revision is its content: the same whatever the key order or version, another for another config', () => {
    const same = { ...spec, version: 9, config: { timeoutSeconds: 5, minReplicas: 0 } };
    expect(revisionOf(same)).toBe(revisionOf(spec));
    expect(revisionOf({ ...spec, config: { minReplicas: 1, timeoutSeconds: 5 } })).not.toBe(
      revisionOf(spec),
    );
    expect(revisionOf({ ...spec, pool: 'cpu' })).not.toBe(revisionOf(spec));
  });

  it('names are DNS labels of at most 63 characters, whatever the deployment’s name', () => {
    const long = `${'a'.repeat(39)}-${'b'.repeat(23)}`;
    for (const name of ['churn', long]) {
      const n = objectName(name, revisionOf(spec));
      expect(n.length).toBeLessThanOrEqual(63);
      expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
  });

  it('the Deployment: its pool’s node selector, tolerations, resources and image, the runner’s command, the token from its Secret', () => {
    const d = runnerDeployment(spec, settings, 2);
    const pod = d.spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(d.metadata).toMatchObject({
      namespace: 'ml',
      labels: {
        'app.kubernetes.io/managed-by': 'slipway',
        'slipway.dev/deployment': 'churn',
        'slipway.dev/pool': 'gpu',
      },
    });
    expect(d.spec!.replicas).toBe(2);
    expect(d.spec!.selector.matchLabels).toEqual(
      Object.fromEntries(
        Object.entries(d.spec!.template.metadata!.labels!).filter(([k]) =>
          ['slipway.dev/deployment', 'slipway.dev/revision'].includes(k),
        ),
      ),
    );
    expect(pod.nodeSelector).toEqual({ accelerator: 'nvidia' });
    expect(pod.tolerations).toEqual(settings.tolerations);
    expect(c.image).toBe('slipway-python:1');
    expect(c.command).toEqual(RUNNER_COMMAND);
    expect(c.resources).toEqual({
      requests: { cpu: '1', memory: '4Gi' },
      limits: { 'nvidia.com/gpu': '1' },
    });
    const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env.SLIPWAY_RUNNER_ARTIFACT_URL).toBe(
      `http://gw.slipway.svc:8000/api/artifacts/${'a'.repeat(64)}`,
    );
    expect(env.SLIPWAY_RUNNER_TOKEN).toEqual({
      secretKeyRef: { name: 'slipway-runner', key: 'token' },
    });
    expect(JSON.parse(env.SLIPWAY_RUNNER_SPEC as string)).toEqual({ ...spec, version: undefined });
    expect(c.readinessProbe!.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('from a shared volume: the claim mounted read-only where the runner reads it', () => {
    const onVolume = kubernetesPoolSchema.parse({
      ...raw,
      artifacts: { from: 'volume', claimName: 'slipway-artifacts' },
    });
    const d = runnerDeployment({ ...spec, format: 'onnx' }, onVolume, 1);
    const c = d.spec!.template.spec!.containers[0]!;
    expect(c.image).toBe('slipway:1');
    expect(c.env).toContainEqual({
      name: 'SLIPWAY_RUNNER_ARTIFACT_DIR',
      value: '/var/lib/slipway/artifacts',
    });
    expect(c.volumeMounts).toEqual([
      { name: 'artifacts', mountPath: '/var/lib/slipway/artifacts', readOnly: true },
    ]);
    expect(d.spec!.template.spec!.volumes).toEqual([
      {
        name: 'artifacts',
        persistentVolumeClaim: { claimName: 'slipway-artifacts', readOnly: true },
      },
    ]);
  });

  it('the Service selects the revision’s pods', () => {
    const s = runnerService(spec, settings);
    expect(s.metadata!.name).toBe(runnerDeployment(spec, settings, 0).metadata!.name);
    expect(s.spec!.selector).toEqual(
      runnerDeployment(spec, settings, 0).spec!.selector.matchLabels,
    );
  });
});

describe('a Kubernetes pool in the pools file', () => {
  const file = (pool: object) => JSON.stringify({ pools: { gpu: pool } });
  const cluster = { kubeconfig: '/k', image: 'slipway:1' };

  it.each([
    [{ backend: 'kubernetes' }, /pools\.gpu\.kubernetes: expected the cluster's settings/],
    [{ kubernetes: cluster }, /pools\.gpu\.kubernetes: only a pool with backend: kubernetes/],
    [
      { backend: 'kubernetes', kubernetes: { image: 'x' } },
      /expected either kubeconfig \(a file\) or inCluster: true/,
    ],
    [
      { backend: 'kubernetes', kubernetes: { ...cluster, inCluster: true } },
      /expected either kubeconfig/,
    ],
    [
      { backend: 'kubernetes', kubernetes: { ...cluster, namespace: 'Bad_NS' } },
      /pools\.gpu\.kubernetes\.namespace: expected a DNS label/,
    ],
    [
      {
        backend: 'kubernetes',
        kubernetes: { ...cluster, resources: { limits: { memory: 'lots' } } },
      },
      /pools\.gpu\.kubernetes\.resources\.limits\.memory/,
    ],
    [
      { backend: 'kubernetes', kubernetes: { ...cluster, artifacts: { from: 'ftp' } } },
      /pools\.gpu\.kubernetes\.artifacts/,
    ],
  ])('%j is refused, naming the key', (pool, why) => {
    expect(() => parsePoolsFile(file(pool), machine)).toThrow(PoolsFileError);
    expect(() => parsePoolsFile(file(pool), machine)).toThrow(why);
  });

  it('is read with its defaults', () => {
    const [pool] = parsePoolsFile(file({ backend: 'kubernetes', kubernetes: cluster }), machine);
    expect(pool!.kubernetes).toMatchObject({
      namespace: 'default',
      port: 8080,
      inCluster: false,
      artifacts: { from: 'gateway' },
      startSeconds: 300,
    });
  });
});
