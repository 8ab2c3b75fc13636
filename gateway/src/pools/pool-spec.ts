import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  kubernetesPoolSchema,
  type KubernetesPoolSettings,
} from '../kubernetes/kubernetes-pool.js';
import { FORMATS, POOL_NAMES, type Format, type PoolName } from '../protocol/deployments.js';

/** Where a pool's replicas run: processes on this machine, or pods of a Kubernetes cluster. */
export type PoolBackend = 'local' | 'kubernetes';

/** One pool: where its replicas run, what they may take, and its per-format defaults. */
export interface PoolSpec {
  name: PoolName;
  backend: PoolBackend;
  /** The most replicas of all its deployments together. */
  maxReplicas: number;
  /** Relative CPU weight of each replica's processes (1024 = a normal process). */
  cpuShares: number;
  /** Memory each replica gets unless its deployment asks for its own (`config.memoryMb`). */
  memoryMbPerReplica: number;
  /** Memory of all its replicas together. */
  memoryMb: number;
  /** GPU devices each replica gets (0: none). */
  gpusPerReplica: number;
  /** The GPU devices the pool owns (CUDA indices or UUIDs), handed to replicas. */
  devices: string[];
  /** Per-format defaults of a deployment's `config` (its own config wins). */
  formats: Partial<Record<Format, Record<string, unknown>>>;
  /** Where and how its pods run, for `backend: kubernetes`. */
  kubernetes?: KubernetesPoolSettings;
}

const positiveInt = (max: number) => z.number().int().min(1).max(max);

const poolSchema = z.strictObject({
  backend: z.enum(['local', 'kubernetes']).default('local'),
  maxReplicas: positiveInt(100_000).optional(),
  cpuShares: z.number().int().min(2).max(262_144).optional(),
  memoryMbPerReplica: positiveInt(16 * 1024 * 1024).optional(),
  memoryMb: positiveInt(1024 * 1024 * 1024).optional(),
  gpusPerReplica: z.number().int().min(0).max(64).optional(),
  devices: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a device id')).optional(),
  formats: z
    .partialRecord(z.enum(FORMATS as [Format, ...Format[]]), z.record(z.string(), z.unknown()))
    .optional(),
  kubernetes: kubernetesPoolSchema.optional(),
});

const fileSchema = z.strictObject({
  pools: z
    .partialRecord(z.enum(POOL_NAMES as [PoolName, ...PoolName[]]), poolSchema)
    .refine((p) => Object.keys(p).length > 0, 'expected at least one pool'),
});

/** The memory a deployment's config asks for (`config.memoryMb`, MiB), or undefined. */
export function askedMemoryMb(config: Record<string, unknown>): number | undefined {
  const mb = config.memoryMb;
  return typeof mb === 'number' && mb > 0 ? mb : undefined;
}

/** What this machine has, for the defaults. */
export interface MachineResources {
  /** Total memory, MiB. */
  memoryMb: number;
  /** GPU devices found (CUDA indices), none on a machine without one. */
  gpus: string[];
}

/** A pool with nothing configured: what `SLIPWAY_POOLS` alone gives. */
export function defaultPool(name: PoolName, machine: MachineResources): PoolSpec {
  const gpu = name === 'gpu';
  return {
    name,
    backend: 'local',
    maxReplicas: 10_000,
    cpuShares: 1024,
    memoryMbPerReplica: name === 'highmem' ? 16 * 1024 : 2048,
    memoryMb: machine.memoryMb,
    gpusPerReplica: gpu ? 1 : 0,
    devices: gpu ? [...machine.gpus] : [],
    formats: {},
  };
}

/** Thrown for a pools file that cannot be used; the message names the key and the reason. */
export class PoolsFileError extends Error {
  override name = 'PoolsFileError';
}

/**
 * The pools of a pools file (YAML or JSON: `{pools: {cpu: {...}, gpu: {...}}}`), each key
 * checked; what a pool does not say is its default on this machine.
 */
export function parsePoolsFile(text: string, machine: MachineResources): PoolSpec[] {
  let raw: unknown;
  try {
    // YAML is a superset of JSON: one parser reads both. Aliases are capped against expansion bombs.
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new PoolsFileError(`not YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.flatMap((i) => {
      const at = i.path.join('.');
      // One line per unknown key, each named in full (`pools.cpu.memory: unknown key`).
      if (i.code === 'unrecognized_keys')
        return i.keys.map((k) => `${at ? `${at}.` : ''}${k}: unknown key`);
      return [`${at || '(top)'}: ${i.message}`];
    });
    throw new PoolsFileError(lines.join('; '));
  }
  return Object.entries(parsed.data.pools).map(([name, p]) => {
    const base = defaultPool(name as PoolName, machine);
    const pool: PoolSpec = {
      ...base,
      ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)),
      name: name as PoolName,
    };
    if (pool.memoryMbPerReplica > pool.memoryMb)
      throw new PoolsFileError(
        `pools.${name}.memoryMbPerReplica: ${pool.memoryMbPerReplica} MiB is more than the pool's memoryMb (${pool.memoryMb})`,
      );
    if ((pool.backend === 'kubernetes') !== (pool.kubernetes !== undefined))
      throw new PoolsFileError(
        pool.backend === 'kubernetes'
          ? `pools.${name}.kubernetes: expected the cluster's settings (kubeconfig or inCluster, namespace, image) for backend: kubernetes`
          : `pools.${name}.kubernetes: only a pool with backend: kubernetes takes these settings`,
      );
    if (new Set(pool.devices).size !== pool.devices.length)
      throw new PoolsFileError(`pools.${name}.devices: a device is listed twice`);
    return pool;
  });
}
