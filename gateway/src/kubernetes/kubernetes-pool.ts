import { z } from 'zod';

/** Quantities a pod asks for or is capped at, as Kubernetes writes them ("500m", "2Gi", "1"). */
const quantity = z
  .union([z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/), z.number().positive()])
  .transform(String);
const resources = z.strictObject({
  cpu: quantity.optional(),
  memory: quantity.optional(),
  'nvidia.com/gpu': z.number().int().min(0).max(64).transform(String).optional(),
});

const toleration = z.strictObject({
  key: z.string().min(1).optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
});

/** A DNS-1123 label: what a namespace (and a Kubernetes object's name part) may be. */
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'expected a DNS label (a-z, 0-9, -)');

/** The `kubernetes:` section of a pool with `backend: kubernetes`. */
export const kubernetesPoolSchema = z
  .strictObject({
    /** A kubeconfig file; absent with `inCluster: true` (the pod's service account). */
    kubeconfig: z.string().min(1).optional(),
    /** The kubeconfig context to use (its current one by default). */
    context: z.string().min(1).optional(),
    /** Credentials of the pod the gateway runs in (its service account). */
    inCluster: z.boolean().default(false),
    namespace: dnsLabel.default('default'),
    /** The runner image: the gateway in single-deployment mode (see `deploy/runner/Dockerfile`). */
    image: z.string().min(1),
    /**
     * A slimmer image per format (the Dockerfile's targets: `node` for ONNX and PMML, `python`
     * for pickles and notebooks, `jvm` for MOJOs); a format not named runs `image`.
     */
    images: z
      .partialRecord(z.enum(['onnx', 'pmml', 'pickle', 'notebook', 'mojo']), z.string().min(1))
      .default({}),
    imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
    nodeSelector: z.record(z.string(), z.string()).default({}),
    tolerations: z.array(toleration).default([]),
    resources: z
      .strictObject({ requests: resources.optional(), limits: resources.optional() })
      .default({}),
    /** The port the runner listens on in its pod. */
    port: z.number().int().min(1).max(65_535).default(8080),
    /**
     * Where a runner reads its artifact: from the gateway (`gatewayUrl` as pods reach it;
     * authenticated, content-addressed, checked against its sha256), or from a volume shared
     * with the gateway's artifact store (a PersistentVolumeClaim, mounted read-only).
     */
    artifacts: z
      .discriminatedUnion('from', [
        z.strictObject({ from: z.literal('gateway'), gatewayUrl: z.url() }),
        z.strictObject({
          from: z.literal('volume'),
          claimName: dnsLabel,
          /** Where the claim's artifact store is mounted in the runner. */
          mountPath: z.string().startsWith('/').default('/var/lib/slipway/artifacts'),
        }),
      ])
      .default({ from: 'gateway', gatewayUrl: 'http://slipway-gateway.slipway.svc:8000' }),
    /** How long a replica may take from scale-up to a ready endpoint. */
    startSeconds: z.number().int().min(1).max(3600).default(300),
  })
  .refine((k) => k.inCluster !== (k.kubeconfig !== undefined), {
    message: 'expected either kubeconfig (a file) or inCluster: true',
  });

/** A Kubernetes pool's settings, defaults filled in. */
export type KubernetesPoolSettings = z.infer<typeof kubernetesPoolSchema>;
