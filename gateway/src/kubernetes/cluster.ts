import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import { ConflictError, NotReadyError, SlipwayError } from '../errors.js';
import type { KubernetesPoolSettings } from './kubernetes-pool.js';
import { FIELD_MANAGER, LABELS, MANAGER } from './manifests.js';

/** Annotations on a Deployment holding each gateway's wanted replicas (`<n>@<epoch ms>`). */
const WANTED = 'slipway.dev/wanted.';
/** A gateway's wanted replicas not refreshed for this long are a gateway gone: ignored, removed. */
export const WANTED_STALE_MS = 180_000;

/** A ready endpoint of a Service: the pod behind it and where it listens. */
export interface ReadyEndpoint {
  pod: string;
  address: string;
  port: number;
}

/** Why a pod is not running yet, as the scheduler or the kubelet says it. */
export interface PodWait {
  pod: string;
  reason: string;
}

/** What the API server answered, as one line (its `message`, else the transport's error). */
export function apiMessage(err: unknown): string {
  if (err instanceof ApiException) {
    try {
      const body = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as {
        message?: string;
      };
      if (body?.message) return `${body.message} (HTTP ${err.code})`;
    } catch {
      // Not JSON: the code says enough.
    }
    return `HTTP ${err.code} from the API server`;
  }
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  return (
    [e?.message, e?.cause?.code ?? e?.cause?.message].filter(Boolean).join(': ') || String(err)
  );
}

const status = (err: unknown) => (err instanceof ApiException ? err.code : undefined);

/** Loads the credentials a pool names: its kubeconfig (and context), or the pod's own. */
export function kubeConfigFor(settings: KubernetesPoolSettings): KubeConfig {
  const kc = new KubeConfig();
  if (settings.inCluster) kc.loadFromCluster();
  else kc.loadFromFile(settings.kubeconfig!);
  if (settings.context) kc.setCurrentContext(settings.context);
  return kc;
}

/**
 * The calls Slipway makes to one namespace of a cluster: server-side apply under its own field
 * manager (never over an object it did not make), the scale subresource, the ready endpoints of
 * a Service, why pods wait, and deletion by label.
 */
export class Cluster {
  private readonly objects: KubernetesObjectApi;
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly discovery: DiscoveryV1Api;

  constructor(
    kc: KubeConfig,
    readonly namespace: string,
  ) {
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
    this.discovery = kc.makeApiClient(DiscoveryV1Api);
  }

  /**
   * Checks that the namespace can be reached and that the credentials may manage what a pool
   * needs; throws with the API server's message.
   */
  async check(): Promise<void> {
    await this.apps.listNamespacedDeployment({ namespace: this.namespace, limit: 1 });
    await this.core.listNamespacedPod({ namespace: this.namespace, limit: 1 });
    await this.discovery.listNamespacedEndpointSlice({ namespace: this.namespace, limit: 1 });
  }

  /**
   * Creates or updates `obj` by server-side apply. An object of the same name that Slipway did
   * not make is a 409, and is left as it is.
   */
  async apply<T extends KubernetesObject>(obj: T): Promise<T> {
    const current = await this.read(obj);
    if (current && current.metadata?.labels?.[LABELS.managedBy] !== MANAGER)
      throw new ConflictError(
        `kubernetes: a ${obj.kind} named ${obj.metadata!.name} exists in namespace ${this.namespace} and Slipway did not create it; it is left as it is`,
        'kubernetes_conflict',
      );
    return (await this.objects.patch(
      obj,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    )) as T;
  }

  /** The object as the API server has it, or undefined. */
  async read<T extends KubernetesObject>(obj: T): Promise<T | undefined> {
    try {
      return (await this.objects.read({
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        metadata: { name: obj.metadata!.name!, namespace: this.namespace },
      })) as T;
    } catch (err) {
      if (status(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * Scales a Deployment that several gateways may serve from: each gateway writes the replicas
   * it wants in an annotation of its own, and the Deployment gets the most any live gateway
   * wants (they share its pods), set through the scale subresource. Both writes carry the
   * resourceVersion they were computed from, so that gateways scaling at once never undo each
   * other: a conflict reads again and retries. `beforeScale` runs between the two, told what
   * the other gateways want. Answers the replicas set.
   */
  async scaleShared(
    name: string,
    gateway: string,
    wanted: number,
    beforeScale: (othersWant: number) => Promise<void> = async () => {},
    now = Date.now(),
  ): Promise<number> {
    const key = `${WANTED}${gateway}`;
    const namespace = this.namespace;
    for (let attempt = 1; ; attempt++) {
      try {
        const d = await this.apps.readNamespacedDeployment({ name, namespace });
        const annotations: Record<string, string | null> = {
          [key]: wanted > 0 ? `${wanted}@${now}` : null,
        };
        let others = 0;
        for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
          if (!k.startsWith(WANTED) || k === key) continue;
          const [n, at] = v.split('@');
          // A gateway gone without a word (a crash) wants nothing any more.
          if (!(now - Number(at) <= WANTED_STALE_MS)) annotations[k] = null;
          else others = Math.max(others, Number(n) || 0);
        }
        const marked = await this.apps.patchNamespacedDeployment(
          {
            name,
            namespace,
            body: { metadata: { resourceVersion: d.metadata!.resourceVersion, annotations } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        await beforeScale(others);
        const replicas = Math.max(wanted, others);
        await this.apps.replaceNamespacedDeploymentScale({
          name,
          namespace,
          body: {
            apiVersion: 'autoscaling/v1',
            kind: 'Scale',
            metadata: { name, namespace, resourceVersion: marked.metadata!.resourceVersion },
            spec: { replicas },
          },
        });
        return replicas;
      } catch (err) {
        if (status(err) !== 409 || attempt >= 20) throw err;
      }
    }
  }

  /** A Deployment's replicas as its scale subresource says, or undefined when it is gone. */
  async replicas(name: string): Promise<number | undefined> {
    try {
      const scale = await this.apps.readNamespacedDeploymentScale({
        name,
        namespace: this.namespace,
      });
      return scale.spec?.replicas ?? 0;
    } catch (err) {
      if (status(err) === 404) return undefined;
      throw err;
    }
  }

  /** The ready endpoints of Service `service` (by its EndpointSlices). */
  async readyEndpoints(service: string): Promise<ReadyEndpoint[]> {
    const slices = await this.discovery.listNamespacedEndpointSlice({
      namespace: this.namespace,
      labelSelector: `kubernetes.io/service-name=${service}`,
    });
    const ready: ReadyEndpoint[] = [];
    for (const slice of slices.items) {
      const port = slice.ports?.find((p) => p.name === 'http')?.port ?? slice.ports?.[0]?.port;
      if (!port) continue;
      for (const e of slice.endpoints ?? [])
        if (e.conditions?.ready && e.targetRef?.name && e.addresses[0])
          ready.push({ pod: e.targetRef.name, address: e.addresses[0], port });
    }
    return ready;
  }

  /** The pods `selector` matches. */
  async pods(selector: string): Promise<V1Pod[]> {
    return (
      await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: selector })
    ).items;
  }

  /** Marks a pod as the one its ReplicaSet removes first when it scales down. */
  async preferRemoving(pod: string): Promise<void> {
    try {
      await this.core.patchNamespacedPod(
        {
          name: pod,
          namespace: this.namespace,
          body: {
            metadata: { annotations: { 'controller.kubernetes.io/pod-deletion-cost': '-1000' } },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (err) {
      if (status(err) !== 404) throw err;
    }
  }

  /**
   * Deletes the Deployments and Services `selector` matches, which must name Slipway as their
   * manager; their ReplicaSets and pods go with them (background propagation).
   */
  async deleteAll(selector: string): Promise<void> {
    if (!selector.includes(`${LABELS.managedBy}=${MANAGER}`))
      throw new Error(`refusing to delete by a selector without ${LABELS.managedBy}=${MANAGER}`);
    const [deployments, services] = await Promise.all([
      this.apps.listNamespacedDeployment({ namespace: this.namespace, labelSelector: selector }),
      this.core.listNamespacedService({ namespace: this.namespace, labelSelector: selector }),
    ]);
    const gone = (p: Promise<unknown>) =>
      p.catch((err: unknown) => {
        if (status(err) !== 404) throw err;
      });
    await Promise.all([
      ...deployments.items.map((d) =>
        gone(
          this.apps.deleteNamespacedDeployment({
            name: d.metadata!.name!,
            namespace: this.namespace,
            propagationPolicy: 'Background',
          }),
        ),
      ),
      ...services.items.map((s) =>
        gone(
          this.core.deleteNamespacedService({ name: s.metadata!.name!, namespace: this.namespace }),
        ),
      ),
    ]);
  }
}

/** Why a pod is not running: the scheduler's reason (Unschedulable …) or its container's wait. */
export function podWait(pod: V1Pod): PodWait | undefined {
  const name = pod.metadata?.name ?? '(unnamed)';
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False')
    return {
      pod: name,
      reason: `${scheduled.reason ?? 'Pending'}: ${scheduled.message ?? ''}`.trim(),
    };
  for (const c of pod.status?.containerStatuses ?? [])
    if (c.state?.waiting?.reason && c.state.waiting.reason !== 'ContainerCreating')
      return {
        pod: name,
        reason: `${c.state.waiting.reason}${c.state.waiting.message ? `: ${c.state.waiting.message}` : ''}`,
      };
  return undefined;
}

/** A failure talking to the cluster, as a 503 naming the pool and the API server's message. */
export function clusterUnavailable(pool: string, err: unknown): SlipwayError {
  if (err instanceof SlipwayError) return err;
  return new NotReadyError(`the ${pool} pool's cluster cannot be used: ${apiMessage(err)}`);
}
