import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { NotReadyError } from '../errors.js';
import type { PoolName } from '../protocol/deployments.js';
import type { PoolSpec } from '../pools/pool-spec.js';
import type { RemoteReplicas, RemoteVersion } from '../pools/remote-replicas.js';
import type { StartedReplica } from '../pools/replica-set.js';
import { RunnerClient } from '../runner/runner-client.js';
import type { Runtime } from '../runtimes/types.js';
import type { Cluster, ReadyEndpoint } from './cluster.js';
import type { KubernetesPoolSettings } from './kubernetes-pool.js';
import {
  deploymentSelector,
  objectName,
  revisionOf,
  revisionSelector,
  runnerDeployment,
  runnerSecret,
  runnerService,
  type RunnerSpec,
} from './manifests.js';

/** How often a start looks for a ready endpoint (and why pods wait) while it waits. */
const POLL_MS = 150;

/** Where the gateway reaches a ready endpoint; by default its address and port, directly. */
export type EndpointResolver = (endpoint: ReadyEndpoint) => Promise<string>;

/** One pool on a cluster: its namespace's client, its settings, and whether it can be used. */
interface ClusterPool {
  pool: PoolName;
  settings: KubernetesPoolSettings;
  /** Its namespace's client; absent when its kubeconfig could not even be read. */
  cluster?: Cluster;
  /** Why it cannot be used (the API server's message), once checked; undefined when it can. */
  unavailable?: string;
}

/** The objects and pods of one revision, and the pods this gateway's replicas hold. */
interface Revision {
  name: string;
  selector: string;
  cluster: Cluster;
  settings: KubernetesPoolSettings;
  /** Runtimes (versions) that loaded it: its objects go when the last one unloads. */
  users: number;
  /** Replicas this gateway wants: the Deployment is scaled to this. */
  wanted: number;
  /** Pods held by a replica of this gateway. */
  held: Set<string>;
  /** Scale requests in order, each writing the `wanted` of its time. */
  scaling: Promise<void>;
  /** Why its newest pod waits (the scheduler's reason), while a start waits for it. */
  waiting?: string;
}

/**
 * Pools whose replicas are pods of a Kubernetes cluster. A version's replicas run the runner
 * image from one Deployment per revision with a Service in front; the gateway is the
 * activator and the autoscaler: a replica the lifecycle starts is one more replica of the
 * Deployment (through the scale subresource) and a ready endpoint of the Service to forward
 * to; one it stops is one fewer (that very pod goes first). No Knative, no controller.
 */
type ClusterApi = typeof import('./cluster.js');

export class KubernetesBackend implements RemoteReplicas {
  private readonly pools = new Map<PoolName, ClusterPool>();
  private readonly revisions = new Map<string, Revision>();
  /** Each version's revision and object name, by the version object its runtime keeps. */
  private readonly named = new WeakMap<RemoteVersion, { revision: string; name: string }>();
  /** Set when the gateway stops: what runs in the cluster stays as it is. */
  private detached = false;
  /** This gateway, among the gateways that scale the same Deployments. */
  private readonly gatewayId = randomBytes(6).toString('hex');
  /** Says again, well within the staleness bound, what this gateway wants of each Deployment. */
  private refresh: ReturnType<typeof setInterval> | undefined;

  /**
   * The cluster client (cluster.ts and @kubernetes/client-node under it: 80 MB and most of a
   * second to load), loaded by `init` only when a pool runs on a cluster.
   */
  private api: ClusterApi | undefined;

  constructor(
    pools: readonly PoolSpec[],
    private readonly runnerToken: string,
    private readonly resolve: EndpointResolver = async (e) => `http://${e.address}:${e.port}`,
  ) {
    for (const p of pools)
      if (p.backend === 'kubernetes' && p.kubernetes)
        this.pools.set(p.name, { pool: p.name, settings: p.kubernetes });
  }

  /** The cluster client; `init` loaded it (nothing runs on a cluster before `init`). */
  private get loaded(): ClusterApi {
    if (!this.api) throw new NotReadyError('the Kubernetes pools are not checked yet');
    return this.api;
  }

  /** True when the gateway has a pool on a cluster. */
  get active(): boolean {
    return this.pools.size > 0;
  }

  /**
   * Checks each pool's cluster (reachable, permitted) and puts the runner token where its pods
   * read it; a pool that fails is unavailable with the API server's message, and the others
   * (and every local pool) keep working.
   */
  async init(): Promise<void> {
    if (this.pools.size === 0) return;
    const api = (this.api ??= await import('./cluster.js'));
    if (!this.refresh) {
      this.refresh = setInterval(() => {
        for (const rev of this.revisions.values())
          if (rev.wanted > 0) void this.scale(rev).catch(() => {});
      }, api.WANTED_STALE_MS / 3);
      this.refresh.unref();
    }
    await Promise.all(
      [...this.pools.values()].map(async (p) => {
        if (!p.cluster && p.unavailable === undefined) {
          try {
            p.cluster = new api.Cluster(api.kubeConfigFor(p.settings), p.settings.namespace);
          } catch (err) {
            // A kubeconfig that cannot be read: the pool is unavailable, the gateway still starts.
            p.unavailable = api.apiMessage(err);
            return;
          }
        }
        if (!p.cluster) return;
        try {
          await p.cluster.check();
          await p.cluster.apply(runnerSecret(p.settings.namespace, this.runnerToken));
          p.unavailable = undefined;
        } catch (err) {
          p.unavailable = api.apiMessage(err);
        }
      }),
    );
  }

  /** Why `pool` cannot be used now, or undefined when it can (or is not on a cluster). */
  unavailable(pool: PoolName): string | undefined {
    return this.pools.get(pool)?.unavailable;
  }

  handles(pool: PoolName): boolean {
    return this.pools.has(pool);
  }

  async prepare(v: RemoteVersion): Promise<void> {
    const rev = this.revision(v);
    rev.users++;
    try {
      const { cluster, settings } = rev;
      const runner = runnerSpec(v);
      await cluster.apply(runnerService(runner, settings));
      // What runs now stays: a gateway that restarts finds its pods where they were.
      const replicas = (await cluster.replicas(rev.name)) ?? 0;
      await cluster.apply(runnerDeployment(runner, settings, replicas));
    } catch (err) {
      rev.users--;
      if (rev.users === 0) this.revisions.delete(rev.name);
      throw this.loaded.clusterUnavailable(v.spec.pool, err);
    }
  }

  async start(v: RemoteVersion): Promise<StartedReplica<Runtime>> {
    const rev = this.revision(v);
    const { cluster, settings } = rev;
    rev.wanted++;
    const deadline = Date.now() + settings.startSeconds * 1000;
    /** Pods that went away while this start tried them (a rollout, an eviction). */
    const gone = new Set<string>();
    for (;;) {
      let endpoint: ReadyEndpoint;
      try {
        if (!gone.size) await this.scale(rev);
        endpoint = await this.readyEndpoint(rev, deadline, gone);
      } catch (err) {
        rev.wanted--;
        await this.scale(rev).catch(() => {});
        throw this.loaded.clusterUnavailable(v.spec.pool, err);
      }
      rev.held.add(endpoint.pod);
      rev.waiting = undefined;
      const release = async () => {
        if (!rev.held.delete(endpoint.pod) || this.detached) return;
        rev.wanted--;
        // That very pod goes when the Deployment scales down, unless other gateways still want
        // as many pods (they may be using it).
        await this.scale(rev, async (othersWant) => {
          if (othersWant <= rev.wanted) await cluster.preferRemoving(endpoint.pod);
        });
      };
      try {
        const runtime = new RunnerClient(
          v.format,
          v.kind,
          await this.resolve(endpoint),
          this.runnerToken,
        );
        await runtime.load();
        return { runtime, pool: v.spec.pool, devices: [], pod: endpoint.pod, stop: release };
      } catch (err) {
        // A pod listed as ready can be gone by the time it is reached (another gateway's apply
        // rolled the Deployment, a node drained): the start goes on with the next ready pod.
        // One that is still there failed on its own: that is the start's answer.
        if (Date.now() <= deadline && (await this.wentAway(rev, endpoint.pod))) {
          rev.held.delete(endpoint.pod);
          gone.add(endpoint.pod);
          continue;
        }
        await release().catch(() => {});
        throw err;
      }
    }
  }

  /**
   * A ready endpoint of the revision that no replica of this gateway holds, once there is one;
   * while there is none, why its newest pod waits is kept for the deployment's status.
   */
  private async readyEndpoint(
    rev: Revision,
    deadline: number,
    gone: ReadonlySet<string>,
  ): Promise<ReadyEndpoint> {
    const { cluster, settings } = rev;
    for (;;) {
      const endpoint = (await cluster.readyEndpoints(rev.name)).find(
        (e) => !rev.held.has(e.pod) && !gone.has(e.pod),
      );
      if (endpoint) return endpoint;
      const wait = (await cluster.pods(rev.selector)).map(this.loaded.podWait).find((w) => w);
      rev.waiting = wait && `pod ${wait.pod} waits: ${wait.reason}`;
      if (Date.now() > deadline)
        throw new NotReadyError(
          `no pod of ${rev.name} became ready within ${settings.startSeconds} s${rev.waiting ? ` (${rev.waiting})` : ''}`,
        );
      await sleep(POLL_MS);
    }
  }

  /** True when `pod` no longer exists or is being deleted; false when it cannot be told. */
  private async wentAway(rev: Revision, pod: string): Promise<boolean> {
    try {
      const found = (await rev.cluster.pods(rev.selector)).find((p) => p.metadata?.name === pod);
      return !found || Boolean(found.metadata?.deletionTimestamp);
    } catch {
      return false;
    }
  }

  waiting(v: RemoteVersion): string | undefined {
    return this.revisions.get(this.nameOf(v))?.waiting;
  }

  async remove(v: RemoteVersion): Promise<void> {
    const rev = this.revisions.get(this.nameOf(v));
    if (!rev || --rev.users > 0 || this.detached) return;
    this.revisions.delete(rev.name);
    await rev.cluster.deleteAll(`${deploymentSelector(v.spec.name)},${rev.selector}`);
  }

  /** Deletes every object Slipway made for deployment `name`, in every pool's namespace. */
  async removeDeployment(name: string): Promise<void> {
    const namespaces = new Map<string, Cluster>();
    for (const p of this.pools.values())
      if (p.cluster && !p.unavailable) namespaces.set(p.settings.namespace, p.cluster);
    await Promise.all([...namespaces.values()].map((c) => c.deleteAll(deploymentSelector(name))));
  }

  /** The gateway stops: replicas stopping from now on leave their pods to the next gateway. */
  detach(): void {
    this.detached = true;
    clearInterval(this.refresh);
  }

  /**
   * The revision `v` runs from: hashed once per version (its status is read on every listing),
   * kept as long as the version object lives.
   */
  private revisionNames(v: RemoteVersion): { revision: string; name: string } {
    let known = this.named.get(v);
    if (!known) {
      const revision = revisionOf(runnerSpec(v));
      known = { revision, name: objectName(v.spec.name, revision) };
      this.named.set(v, known);
    }
    return known;
  }

  private nameOf(v: RemoteVersion): string {
    return this.revisionNames(v).name;
  }

  private revision(v: RemoteVersion): Revision {
    const pool = this.pools.get(v.spec.pool);
    if (!pool) throw new NotReadyError(`the ${v.spec.pool} pool is not on a cluster`);
    if (pool.unavailable || !pool.cluster)
      throw new NotReadyError(`pool: the ${v.spec.pool} pool is unavailable: ${pool.unavailable}`);
    const { revision, name } = this.revisionNames(v);
    let rev = this.revisions.get(name);
    if (!rev) {
      rev = {
        name,
        selector: revisionSelector(v.spec.name, revision),
        cluster: pool.cluster,
        settings: pool.settings,
        users: 0,
        wanted: 0,
        held: new Set(),
        scaling: Promise.resolve(),
      };
      this.revisions.set(name, rev);
    }
    return rev;
  }

  /**
   * Says what this gateway wants of the revision's Deployment (`wanted` when this request's turn
   * comes), which scales to the most any gateway wants.
   */
  private scale(rev: Revision, beforeScale?: (othersWant: number) => Promise<void>): Promise<void> {
    const next = rev.scaling.then(async () => {
      await rev.cluster.scaleShared(rev.name, this.gatewayId, Math.max(0, rev.wanted), beforeScale);
    });
    rev.scaling = next.catch(() => {});
    return next;
  }
}

/** What a runner of `v` is told to run. */
function runnerSpec({ spec, format }: RemoteVersion): RunnerSpec {
  return {
    name: spec.name,
    version: spec.version,
    format,
    pool: spec.pool,
    config: spec.config,
    artifact: {
      sha256: spec.artifact.sha256,
      size: spec.artifact.size,
      filename: spec.artifact.filename,
    },
  };
}
