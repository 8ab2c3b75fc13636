import { setPriority } from 'node:os';
import { niceFor, type ReplicaPlacement } from './placement.js';

/**
 * Gives process `pid` its replica's CPU weight as a nice value; one that cannot be set (raising
 * priority needs privileges the gateway may not have) is left as it is.
 */
export function applyCpuWeight(pid: number, placement: ReplicaPlacement | undefined): void {
  const nice = placement ? niceFor(placement.cpuShares) : 0;
  if (nice === 0) return;
  try {
    setPriority(pid, nice);
  } catch {
    // Left at the gateway's own priority.
  }
}
