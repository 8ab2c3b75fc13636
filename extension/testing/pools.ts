/** Test support: a pool as `GET /api/pools` lists it. */
import type { PoolInfo } from '../../gateway/src/protocol/index.js';

/** The cpu pool with 6 GiB of its 8 free and `deployments` on it. */
export function cpuPool(over: Partial<PoolInfo> = {}): PoolInfo {
  return {
    name: 'cpu',
    backend: 'local',
    capacity: {
      replicas: 256,
      memoryMb: 8192,
      gpus: 0,
      memoryMbPerReplica: 2048,
      gpusPerReplica: 0,
      cpuShares: 1024,
    },
    used: { replicas: 1, memoryMb: 2048, gpus: 0 },
    free: { replicas: 255, memoryMb: 6144, gpus: 0 },
    deployments: ['iris'],
    status: 'available',
    ...over,
  };
}
