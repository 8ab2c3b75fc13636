import type { Format, PoolName } from '../protocol/deployments.js';
import type { Runtime, RuntimeKind, RuntimeSpec } from '../runtimes/types.js';
import type { StartedReplica } from './replica-set.js';

/** A version whose replicas run elsewhere: what it is, and what its runtimes do. */
export interface RemoteVersion {
  spec: RuntimeSpec;
  format: Format;
  kind: RuntimeKind;
}

/**
 * A backend whose replicas run elsewhere (pods of a cluster) rather than as processes of this
 * machine: the lifecycle (`ReplicaSet`) still decides when one starts and stops; the backend
 * makes that happen where the replicas run and answers a runtime that forwards to each.
 */
export interface RemoteReplicas {
  /** True when `pool`'s replicas run on this backend. */
  handles(pool: PoolName): boolean;
  /** Why `pool` cannot be used now (the cluster's own words), or undefined. */
  unavailable(pool: PoolName): string | undefined;
  /** Makes what the version's replicas run from (idempotent; counted per version loaded). */
  prepare(v: RemoteVersion): Promise<void>;
  /** One more replica, answered once it is ready to take calls (bounded by the pool's start time). */
  start(v: RemoteVersion): Promise<StartedReplica<Runtime>>;
  /** Why the version's newest replica is still not running (e.g. the scheduler's reason). */
  waiting(v: RemoteVersion): string | undefined;
  /** The version is unloaded: what it ran from goes once no loaded version uses it. */
  remove(v: RemoteVersion): Promise<void>;
  /** The deployment is deleted: everything made for any of its versions goes. */
  removeDeployment(name: string): Promise<void>;
}
