import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactRef } from '../runtimes/types.js';

/** A stored artifact, plus whether this call wrote the file (so a failed publish can undo it). */
export interface StoredArtifact extends ArtifactRef {
  /** False when identical bytes were already stored. */
  fresh: boolean;
}

/**
 * Content-addressed files: `<dir>/<sha256>`. Writes go to a temporary name first and are
 * renamed into place, so a crash never leaves a half-written artifact under a real hash.
 */
export class ArtifactStore {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // Temporary files are only left behind by a crash mid-upload.
    for (const f of await readdir(this.dir))
      if (f.startsWith('.tmp-')) await rm(join(this.dir, f), { force: true });
  }

  path(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return join(this.dir, sha256);
  }

  ref(sha256: string, size: number, filename?: string): ArtifactRef {
    return { path: this.path(sha256), sha256, size, filename };
  }

  /** Stores bytes under their SHA-256. */
  async put(bytes: Uint8Array, filename?: string): Promise<StoredArtifact> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const target = this.path(sha256);
    if (await exists(target))
      return { path: target, sha256, size: bytes.byteLength, filename, fresh: false };
    const tmp = join(this.dir, `.tmp-${randomUUID()}`);
    const fh = await open(tmp, 'wx', 0o640);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
    return { path: target, sha256, size: bytes.byteLength, filename, fresh: true };
  }

  async remove(sha256: string): Promise<void> {
    await rm(this.path(sha256), { force: true });
  }

  /** Hashes of the files present, for reconciling with the database. */
  async list(): Promise<string[]> {
    return (await readdir(this.dir)).filter((f) => /^[0-9a-f]{64}$/.test(f));
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
