import { ConflictError } from '../errors.js';
import type { PoolName } from '../protocol/deployments.js';
import { askedMemoryMb, type PoolSpec } from './pool-spec.js';

/** Where one replica runs and what it may take: what its worker processes are started with. */
export interface ReplicaPlacement {
  pool: PoolName;
  /** The GPU devices it was given (none on a pool without GPUs). */
  devices: string[];
  /** Its memory limit, MiB: the deployment's `config.memoryMb`, else the pool's per replica. */
  memoryMb: number;
  /** Its CPU weight (1024 = a normal process). */
  cpuShares: number;
  /**
   * Environment for its processes: `CUDA_VISIBLE_DEVICES` names exactly its devices (empty on a
   * pool without GPUs, so that a replica never sees a device it was not given).
   */
  env: Record<string, string>;
}

/** Whose replica it is: a version of a deployment. */
export interface ReplicaOwner {
  deployment: string;
  version: number;
}

/** A placed replica; `release` gives its devices back (idempotent). */
export interface ReplicaLease extends ReplicaPlacement {
  release(): void;
}

/** What a pool has handed out now. */
export interface PlacementState {
  replicas: number;
  /** Devices given to running replicas, by device id. */
  devicesInUse: string[];
}

/**
 * Places replicas on pools: one interface for every backend (local processes here; pods in
 * the Kubernetes backend), with one contract suite (`testing/placement-contract.ts`).
 */
export interface Placement {
  /**
   * A replica of `owner` with `config` on `pool`; a 409 when the pool has no room. While a
   * replica of another version of the same deployment is placed (an old version draining), a
   * new one that finds no room shares its devices instead: versions of one deployment hand
   * over, they do not compete. Replicas of one version never share: scaling out needs room.
   */
  place(pool: PoolSpec, config: Record<string, unknown>, owner: ReplicaOwner): ReplicaLease;
  /** What `pool` has handed out. */
  state(pool: PoolName): PlacementState;
}

interface Held {
  owner: ReplicaOwner;
  devices: string[];
  /** False for a replica sharing another's devices during a handover. */
  own: boolean;
}

/**
 * The local backend: replicas are processes on this machine. Devices are handed out in the
 * pool's order from those not in use, and come back when their replica stops.
 */
export class LocalPlacement implements Placement {
  private readonly held = new Map<PoolName, Held[]>();

  place(pool: PoolSpec, config: Record<string, unknown>, owner: ReplicaOwner): ReplicaLease {
    const held = this.held.get(pool.name) ?? [];
    this.held.set(pool.name, held);
    const inUse = new Set(held.flatMap((h) => (h.own ? h.devices : [])));
    const free = pool.devices.filter((d) => !inUse.has(d));
    const replicas = held.filter((h) => h.own).length;
    const sibling = held.find(
      (h) => h.own && h.owner.deployment === owner.deployment && h.owner.version !== owner.version,
    );
    let entry: Held;
    if (replicas < pool.maxReplicas && free.length >= pool.gpusPerReplica) {
      entry = { owner, devices: free.slice(0, pool.gpusPerReplica), own: true };
    } else if (sibling) {
      entry = { owner, devices: sibling.devices, own: false };
    } else if (replicas >= pool.maxReplicas) {
      throw new ConflictError(
        `pool: the ${pool.name} pool runs its most replicas (${pool.maxReplicas}) already`,
        'pool_full',
      );
    } else {
      throw new ConflictError(
        `pool: the ${pool.name} pool has ${free.length} GPU device(s) free and a replica takes ${pool.gpusPerReplica}`,
        'pool_full',
      );
    }
    held.push(entry);
    let released = false;
    return {
      pool: pool.name,
      devices: [...entry.devices],
      memoryMb: askedMemoryMb(config) ?? pool.memoryMbPerReplica,
      cpuShares: pool.cpuShares,
      env: { CUDA_VISIBLE_DEVICES: entry.devices.join(',') },
      release: () => {
        if (released) return;
        released = true;
        held.splice(held.indexOf(entry), 1);
        // A replica sharing these devices keeps them: it becomes their owner.
        const heir = entry.own
          ? held.find((h) => !h.own && h.devices === entry.devices)
          : undefined;
        if (heir) heir.own = true;
      },
    };
  }

  state(pool: PoolName): PlacementState {
    const own = (this.held.get(pool) ?? []).filter((h) => h.own);
    return { replicas: own.length, devicesInUse: own.flatMap((h) => h.devices).sort() };
  }
}

/** The `nice` value whose CFS weight is closest to `cpuShares` (1024 → 0), within what Linux allows. */
export function niceFor(cpuShares: number): number {
  // Each nice step is a weight ratio of ~1.25 (the kernel's sched_prio_to_weight table).
  const nice = Math.round(-Math.log(cpuShares / 1024) / Math.log(1.25));
  // `|| 0`: no -0 for a weight of exactly 1024.
  return Math.max(-20, Math.min(19, nice)) || 0;
}
