/**
 * Wire types of the service endpoints (`/api/health`, `/api/pools`).
 * Shared with the JupyterLab extension: this file imports nothing.
 */

/** `GET /api/health`, the one endpoint without a token. */
export interface Health {
  status: 'ok';
  database: 'pglite' | 'postgres';
  /** The gateway's version (semver); the extension checks it is one it speaks to. */
  version: string;
}

/** Replicas, memory (MiB) and GPU devices of a pool: in all, held, or left. */
export interface PoolAmounts {
  replicas: number;
  memoryMb: number;
  gpus: number;
}

/** One pool as `GET /api/pools` lists it. */
export interface PoolInfo {
  name: 'cpu' | 'gpu' | 'highmem';
  backend: 'local' | 'kubernetes';
  /** What the pool has: replicas in all, memory in all, GPU devices it owns. */
  capacity: PoolAmounts & {
    /** Memory each replica gets unless its deployment asks for its own. */
    memoryMbPerReplica: number;
    /** GPU devices each replica gets. */
    gpusPerReplica: number;
    /** Relative CPU weight of each replica (1024: a normal process). */
    cpuShares: number;
  };
  /** What its deployments hold. */
  used: PoolAmounts;
  /** What is left for more. */
  free: PoolAmounts;
  /** The deployments placed on the pool, by name. */
  deployments: string[];
  /** `unavailable`: a pool on a cluster the gateway cannot use now; `statusReason` says why. */
  status: 'available' | 'unavailable';
  /** The API server's message (or the transport's) when it is unavailable. */
  statusReason?: string;
}
