import type { TranslationBundle } from '@jupyterlab/translation';
import type { PoolInfo } from '../../gateway/src/protocol/index.js';

/** GiB with one decimal, as the dialog shows memory. */
const gib = (mb: number) => (mb / 1024).toFixed(1);

/**
 * What a pool has free, in words for its entry in the publish dialog: memory, GPU devices on a
 * pool that has some, or that it is full (no replica left). Memory is what deployments have not
 * reserved; one that reserves none still fits. A pool on a cluster says so (or why the gateway
 * cannot use it).
 */
export function poolFreeText(pool: PoolInfo, trans: TranslationBundle): string {
  const { free, capacity } = pool;
  if (pool.status === 'unavailable')
    return trans.__('unavailable: %1', pool.statusReason ?? trans.__('no reason given'));
  // The cluster's scheduler decides what fits there; a replica it cannot place waits.
  if (pool.backend === 'kubernetes') return trans.__('on a Kubernetes cluster');
  if (free.replicas === 0) return trans.__('full');
  if (capacity.gpusPerReplica > 0) {
    if (free.gpus < capacity.gpusPerReplica) return trans.__('full: no GPU free');
    return trans.__('%1 GiB and %2 of %3 GPUs free', gib(free.memoryMb), free.gpus, capacity.gpus);
  }
  return trans.__('%1 GiB free', gib(free.memoryMb));
}
