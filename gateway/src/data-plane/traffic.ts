import type { TrafficSplit } from '../db/deployment-repository.js';

/** A split's buckets: every call falls in one of 100, and each version owns its percent of them. */
export const BUCKETS = 100;

/**
 * The version whose buckets hold `bucket` (0 to 99): the shares own consecutive buckets in
 * ascending version order, so raising one version's percent moves only the callers at the
 * edge between two versions.
 */
export function versionForBucket(split: TrafficSplit, bucket: number): number {
  let upTo = 0;
  for (const share of split.shares) {
    upTo += share.percent;
    if (bucket < upTo) return share.version;
  }
  // Unreachable for a split that sums to 100; the last version is the safe answer anyway.
  return split.shares[split.shares.length - 1]!.version;
}

/**
 * The bucket of a sticky value: the same deployment and value land in the same bucket on every
 * gateway and after every restart (FNV-1a, then a finaliser that spreads nearby values). The
 * deployment's name is mixed in so that one caller is not in the same bucket everywhere.
 */
export function stickyBucket(name: string, value: string): number {
  let h = 0x811c9dc5;
  const key = `${name}\u0000${value}`;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % BUCKETS;
}

/**
 * The version a call that names none goes to: by its sticky header's value when the split has
 * one and the call carries it, else drawn with `random` (uniform in [0, 1)).
 */
export function pickVersion(
  name: string,
  split: TrafficSplit,
  header: ((name: string) => string | undefined) | undefined,
  random: () => number,
): number {
  const value = split.sticky ? header?.(split.sticky) : undefined;
  const bucket = value
    ? stickyBucket(name, value)
    : Math.min(BUCKETS - 1, Math.floor(random() * BUCKETS));
  return versionForBucket(split, bucket);
}
