import { createHash } from 'node:crypto';
import type { V1Deployment, V1Secret, V1Service } from '@kubernetes/client-node';
import type { Format, PoolName } from '../protocol/deployments.js';
import type { KubernetesPoolSettings } from './kubernetes-pool.js';

/** Labels on every object Slipway makes: delete and status find them by these, and only these. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  deployment: 'slipway.dev/deployment',
  revision: 'slipway.dev/revision',
  pool: 'slipway.dev/pool',
} as const;
export const MANAGER = 'slipway';
/** The field manager of Slipway's server-side applies. */
export const FIELD_MANAGER = 'slipway-gateway';
/** The Secret holding the token runners and the gateway share. */
export const RUNNER_SECRET = 'slipway-runner';
/** What the runner image runs, from its working directory (`/app/gateway`). */
export const RUNNER_COMMAND = ['node', 'dist/runner/main.js'];

/** What a runner serves: one version of one deployment. */
export interface RunnerSpec {
  name: string;
  version: number;
  format: Format;
  pool: PoolName;
  config: Record<string, unknown>;
  artifact: { sha256: string; size: number; filename?: string };
}

/** JSON with object keys sorted, so that equal configs hash alike. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/**
 * What a version runs from, as a short hash of its artifact, format, pool and config: versions
 * with the same content share their objects (a republish of the same file starts no new pods),
 * and a gateway that restarts finds its objects again under the same name.
 */
export function revisionOf(spec: Omit<RunnerSpec, 'name' | 'version'>): string {
  const text = stable([spec.artifact.sha256, spec.format, spec.pool, spec.config]);
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

/** The name of a revision's Deployment and Service: a DNS label (at most 63 characters). */
export function objectName(deployment: string, revision: string): string {
  return `slw-${deployment.slice(0, 40).replace(/-+$/, '')}-${revision}`;
}

/** The labels of a revision's objects and pods. */
export function revisionLabels(name: string, revision: string, pool: PoolName) {
  return {
    [LABELS.managedBy]: MANAGER,
    [LABELS.deployment]: name,
    [LABELS.revision]: revision,
    [LABELS.pool]: pool,
  };
}

/** The selector of a revision's pods. */
export function revisionSelector(name: string, revision: string): string {
  return `${LABELS.deployment}=${name},${LABELS.revision}=${revision}`;
}

/** The selector of everything Slipway made for a deployment. */
export function deploymentSelector(name: string): string {
  return `${LABELS.managedBy}=${MANAGER},${LABELS.deployment}=${name}`;
}

/** Where a runner reads its artifact, as environment variables. */
function artifactEnv(spec: RunnerSpec, settings: KubernetesPoolSettings) {
  const a = settings.artifacts;
  return a.from === 'gateway'
    ? [
        {
          name: 'SLIPWAY_RUNNER_ARTIFACT_URL',
          value: `${a.gatewayUrl.replace(/\/+$/, '')}/api/artifacts/${spec.artifact.sha256}`,
        },
      ]
    : [{ name: 'SLIPWAY_RUNNER_ARTIFACT_DIR', value: a.mountPath }];
}

/**
 * The Deployment running `spec`'s runner on its pool: the runner image in single-deployment
 * mode, its artifact from the gateway or the shared volume, its node selector, tolerations and
 * resources from the pool, and a readiness probe that passes once its model is loaded.
 */
export function runnerDeployment(
  spec: RunnerSpec,
  settings: KubernetesPoolSettings,
  replicas: number,
): V1Deployment {
  const revision = revisionOf(spec);
  const name = objectName(spec.name, revision);
  const labels = revisionLabels(spec.name, revision, spec.pool);
  const volume = settings.artifacts.from === 'volume' ? settings.artifacts : undefined;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: settings.namespace,
      labels,
      annotations: {
        'slipway.dev/artifact-sha256': spec.artifact.sha256,
        'slipway.dev/format': spec.format,
      },
    },
    spec: {
      replicas,
      selector: { matchLabels: { [LABELS.deployment]: spec.name, [LABELS.revision]: revision } },
      template: {
        metadata: { labels },
        spec: {
          nodeSelector: Object.keys(settings.nodeSelector).length
            ? settings.nodeSelector
            : undefined,
          tolerations: settings.tolerations.length ? settings.tolerations : undefined,
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'runner',
              image: settings.images[spec.format] ?? settings.image,
              imagePullPolicy: settings.imagePullPolicy,
              command: RUNNER_COMMAND,
              ports: [{ name: 'http', containerPort: settings.port }],
              env: [
                { name: 'SLIPWAY_RUNNER_PORT', value: String(settings.port) },
                {
                  name: 'SLIPWAY_RUNNER_SPEC',
                  value: JSON.stringify({ ...spec, version: undefined }),
                },
                ...artifactEnv(spec, settings),
                {
                  name: 'SLIPWAY_RUNNER_TOKEN',
                  valueFrom: { secretKeyRef: { name: RUNNER_SECRET, key: 'token' } },
                },
              ],
              resources: {
                requests: settings.resources.requests,
                limits: settings.resources.limits,
              },
              readinessProbe: {
                httpGet: { path: '/healthz', port: 'http' },
                periodSeconds: 2,
                failureThreshold: 1,
              },
              volumeMounts: volume
                ? [{ name: 'artifacts', mountPath: volume.mountPath, readOnly: true }]
                : undefined,
            },
          ],
          volumes: volume
            ? [
                {
                  name: 'artifacts',
                  persistentVolumeClaim: { claimName: volume.claimName, readOnly: true },
                },
              ]
            : undefined,
        },
      },
    },
  };
}

/** The Service in front of a revision's pods: the gateway forwards to its ready endpoints. */
export function runnerService(spec: RunnerSpec, settings: KubernetesPoolSettings): V1Service {
  const revision = revisionOf(spec);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: objectName(spec.name, revision),
      namespace: settings.namespace,
      labels: revisionLabels(spec.name, revision, spec.pool),
    },
    spec: {
      selector: { [LABELS.deployment]: spec.name, [LABELS.revision]: revision },
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
    },
  };
}

/** The Secret with the runner token, in a pool's namespace. */
export function runnerSecret(namespace: string, token: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: RUNNER_SECRET, namespace, labels: { [LABELS.managedBy]: MANAGER } },
    type: 'Opaque',
    stringData: { token },
  };
}
