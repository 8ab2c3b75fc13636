import { stat } from 'node:fs/promises';
import type { ArtifactStore } from './artifact-store.js';

/**
 * Removes the artifact files no stored version refers to — what a publish interrupted by a
 * crash leaves between writing the file and its row. Files younger than `minAgeMs` are kept:
 * on a volume several gateways share, one of them may be publishing right now.
 * Answers the hashes removed.
 */
export async function collectOrphanArtifacts(
  store: ArtifactStore,
  referenced: () => Promise<string[]>,
  { minAgeMs = 10 * 60_000, now = Date.now() }: { minAgeMs?: number; now?: number } = {},
): Promise<string[]> {
  const known = new Set(await referenced());
  const removed: string[] = [];
  for (const sha of await store.list()) {
    if (known.has(sha)) continue;
    const age = now - (await stat(store.path(sha))).mtimeMs;
    if (age < minAgeMs) continue;
    await store.remove(sha);
    removed.push(sha);
  }
  return removed;
}
