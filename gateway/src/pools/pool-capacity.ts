import { ConflictError, InvalidInputError, UnusableArtifactError } from '../errors.js';
import type { PoolName } from '../protocol/deployments.js';
import { askedMemoryMb, type PoolSpec } from './pool-spec.js';

/** What one deployment holds of its pool: its replicas, each with memory and GPU devices. */
export interface Reservation {
  deployment: string;
  pool: PoolName;
  replicas: number;
  /** Per replica. */
  memoryMb: number;
  /** Per replica. */
  gpus: number;
}

/** Replicas, memory (MiB) and GPU devices: held, or left. */
export interface Amounts {
  replicas: number;
  memoryMb: number;
  gpus: number;
}

/** A pool's capacity with what its deployments hold and what is left. */
export interface PoolUsage {
  pool: PoolSpec;
  used: Amounts;
  free: Amounts;
  /** The deployments on it, by name. */
  deployments: string[];
  /** Why it cannot be used now (a pool on a cluster that cannot be reached); absent when it can. */
  unavailable?: string;
}

/**
 * What a deployment with `config` holds of `pool`: the replicas it keeps (at least one), each with
 * the pool's GPUs per replica, and the memory it asks for (`config.memoryMb`). One that asks
 * for none reserves none: like a Kubernetes pod without a memory request, it runs at the
 * pool's per-replica limit, best effort, so that many small models fit on a default pool.
 */
export function reservationOf(
  deployment: string,
  pool: PoolSpec,
  config: Record<string, unknown>,
): Reservation {
  const memoryMb = askedMemoryMb(config) ?? 0;
  // The replicas it keeps however idle (`config.minReplicas`), at least the one it starts with.
  const min = typeof config.minReplicas === 'number' ? config.minReplicas : 0;
  const replicas = Math.max(1, min);
  return { deployment, pool: pool.name, replicas, memoryMb, gpus: pool.gpusPerReplica };
}

/** `pool`'s usage by `reservations` (those of other pools are ignored). */
export function usageOf(pool: PoolSpec, reservations: readonly Reservation[]): PoolUsage {
  const mine = reservations.filter((r) => r.pool === pool.name);
  const used: Amounts = {
    replicas: sum(mine.map((r) => r.replicas)),
    memoryMb: sum(mine.map((r) => r.replicas * r.memoryMb)),
    gpus: sum(mine.map((r) => r.replicas * r.gpus)),
  };
  return {
    pool,
    used,
    free: {
      replicas: Math.max(0, pool.maxReplicas - used.replicas),
      memoryMb: Math.max(0, pool.memoryMb - used.memoryMb),
      gpus: Math.max(0, pool.devices.length - used.gpus),
    },
    deployments: mine.map((r) => r.deployment).sort(),
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * Checks that `wanted` fits in `pool` beside `others` (every reservation but the one it
 * replaces). A pool that can never hold it (a GPU pool without devices) is a 422 naming the
 * pool, a replica asking for more memory than the pool has a 400 naming `config.memoryMb`, and
 * a pool that is full for now a 409 naming what is free.
 */
export function checkRoom(
  pool: PoolSpec,
  others: readonly Reservation[],
  wanted: Reservation,
): void {
  if (wanted.gpus > 0 && pool.devices.length === 0)
    throw new UnusableArtifactError(
      `pool: the ${pool.name} pool has no GPU devices on this machine (none found, and its pools file lists none); publish to another pool`,
      'pool_unavailable',
    );
  if (wanted.gpus > pool.devices.length)
    throw new UnusableArtifactError(
      `pool: a replica on the ${pool.name} pool takes ${wanted.gpus} GPU devices and the pool has ${pool.devices.length}`,
      'pool_unavailable',
    );
  // Settings outside what the pool allows: the field's fault, not the pool's.
  if (wanted.replicas > pool.maxReplicas)
    throw new InvalidInputError(
      `config.minReplicas: the ${pool.name} pool runs at most ${pool.maxReplicas} replicas, and ${wanted.replicas} were asked to be kept`,
      'config.minReplicas',
    );
  if (wanted.replicas * wanted.gpus > pool.devices.length)
    throw new InvalidInputError(
      `config.minReplicas: ${wanted.replicas} replicas take ${wanted.replicas * wanted.gpus} GPU devices and the ${pool.name} pool has ${pool.devices.length}`,
      'config.minReplicas',
    );
  if (wanted.memoryMb > pool.memoryMb)
    throw new InvalidInputError(
      `config.memoryMb: a replica on the ${pool.name} pool may have at most ${pool.memoryMb} MiB, and ${wanted.memoryMb} were asked for`,
      'config.memoryMb',
    );
  const { free } = usageOf(pool, others);
  const short: string[] = [];
  if (wanted.replicas > free.replicas)
    short.push(`${wanted.replicas} replica(s) wanted, ${free.replicas} free`);
  if (wanted.replicas * wanted.memoryMb > free.memoryMb)
    short.push(`${wanted.replicas * wanted.memoryMb} MiB wanted, ${free.memoryMb} MiB free`);
  if (wanted.replicas * wanted.gpus > free.gpus)
    short.push(`${wanted.replicas * wanted.gpus} GPU device(s) wanted, ${free.gpus} free`);
  if (short.length > 0)
    throw new ConflictError(
      `pool: the ${pool.name} pool cannot hold this deployment now: ${short.join('; ')}`,
      'pool_full',
    );
}
