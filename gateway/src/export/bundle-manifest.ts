import { stringify } from 'yaml';
import { askedMemoryMb, type PoolSpec } from '../pools/pool-spec.js';

/** What a bundle's manifest is made from. */
export interface BundleManifestInput {
  name: string;
  version: number;
  format: string;
  config: Record<string, unknown>;
  /** The pool the deployment runs on, as this gateway defines it (absent: no such pool here). */
  pool: PoolSpec | undefined;
  poolName: string;
}

/** Where a Kubernetes pool's pods go: its node selector and tolerations. */
function podScheduling(b: BundleManifestInput) {
  const k = b.pool?.kubernetes;
  if (!k) return {};
  return {
    ...(Object.keys(k.nodeSelector).length > 0 && { nodeSelector: k.nodeSelector }),
    ...(k.tolerations.length > 0 && { tolerations: k.tolerations }),
  };
}

/**
 * The container's resources from the pool: a Kubernetes pool's own, else what a local pool
 * gives each replica (its memory, or the deployment's `config.memoryMb`, and its GPUs).
 */
function containerResources(b: BundleManifestInput) {
  const k = b.pool?.kubernetes;
  if (k) {
    const { requests, limits } = k.resources;
    return requests || limits ? { resources: { requests, limits } } : {};
  }
  const memoryMb = askedMemoryMb(b.config) ?? b.pool?.memoryMbPerReplica;
  const gpus = b.pool?.gpusPerReplica ?? 0;
  const limits: Record<string, string> = {};
  if (memoryMb !== undefined) limits.memory = `${memoryMb}Mi`;
  if (gpus > 0) limits['nvidia.com/gpu'] = String(gpus);
  return Object.keys(limits).length > 0 ? { resources: { requests: { ...limits }, limits } } : {};
}

/**
 * `kubernetes.yaml`: a Deployment of the bundle's image (built from its Dockerfile and pushed
 * where the cluster pulls from) and a Service in front of it, with the pool's resources and a
 * readiness probe that passes once the model is loaded.
 */
export function bundleManifest(b: BundleManifestInput): string {
  const objectName = `slipway-${b.name}`.slice(0, 63).replace(/-+$/, '');
  const labels = {
    'app.kubernetes.io/name': objectName,
    'app.kubernetes.io/version': `v${b.version}`,
    'slipway.dev/pool': b.poolName,
  };
  const selector = { 'app.kubernetes.io/name': objectName };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: objectName, labels, annotations: { 'slipway.dev/format': b.format } },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 10001 },
          ...podScheduling(b),
          containers: [
            {
              name: 'runner',
              image: `slipway-${b.name}:v${b.version}`,
              ports: [{ name: 'http', containerPort: 8080 }],
              env: [{ name: 'PORT', value: '8080' }],
              readinessProbe: {
                httpGet: { path: '/healthz', port: 'http' },
                periodSeconds: 2,
                failureThreshold: 1,
              },
              ...containerResources(b),
            },
          ],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: objectName, labels },
    spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  };
  return [deployment, service].map((o) => stringify(o)).join('---\n');
}
