import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TooLargeError } from '../errors.js';
import type { ArtifactRef } from '../runtimes/types.js';

/** A stored artifact, plus whether this call wrote the file (so a failed publish can undo it). */
export interface StoredArtifact extends ArtifactRef {
  /** False when identical bytes were already stored. */
  fresh: boolean;
}

/** Bytes received into the store's temporary area, not yet stored under their hash. */
export interface ReceivedFile {
  /** The temporary file; `adopt` moves it, `discard` removes it. */
  tmpPath: string;
  sha256: string;
  size: number;
  /** The first `HEAD_BYTES` bytes, for format detection. */
  head: Uint8Array;
  /** The file name the user uploaded. */
  filename?: string;
}

/** How much of a file's start format detection sees. */
export const HEAD_BYTES = 4096;

/**
 * Content-addressed files: `<dir>/<sha256>`. Bytes arrive as a stream into a temporary file,
 * hashed and counted on the way (memory does not grow with the file), and are renamed to their
 * hash once the caller keeps them, so a crash never leaves a half-written artifact under a
 * real hash.
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

  /**
   * Writes a stream to a temporary file in the store, hashing (SHA-256) and counting as it
   * goes, one chunk at a time. Past `maxBytes` it stops reading and throws TooLargeError (413);
   * on any failure the partial file is removed.
   */
  async receive(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    { maxBytes, filename }: { maxBytes: number; filename?: string },
  ): Promise<ReceivedFile> {
    const tmpPath = join(this.dir, `.tmp-${randomUUID()}`);
    const hash = createHash('sha256');
    const head = new Uint8Array(HEAD_BYTES);
    let size = 0;
    const fh = await open(tmpPath, 'wx', 0o640);
    try {
      try {
        for await (const chunk of source) {
          if (size + chunk.byteLength > maxBytes)
            throw new TooLargeError(
              `upload is over the limit of ${maxBytes} bytes (SLIPWAY_MAX_UPLOAD_BYTES)`,
            );
          if (size < HEAD_BYTES) head.set(chunk.subarray(0, HEAD_BYTES - size), size);
          size += chunk.byteLength;
          hash.update(chunk);
          // A write may take less than the whole chunk; the rest follows.
          for (let at = 0; at < chunk.byteLength;) at += (await fh.write(chunk, at)).bytesWritten;
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      await rm(tmpPath, { force: true });
      throw err;
    }
    return {
      tmpPath,
      sha256: hash.digest('hex'),
      size,
      head: head.slice(0, Math.min(size, HEAD_BYTES)),
      filename,
    };
  }

  /** Stores a received file under its hash (dropping it when those bytes are stored already). */
  async adopt(file: ReceivedFile): Promise<StoredArtifact> {
    const target = this.path(file.sha256);
    const stored = { path: target, sha256: file.sha256, size: file.size, filename: file.filename };
    if (await exists(target)) {
      await this.discard(file);
      return { ...stored, fresh: false };
    }
    await rename(file.tmpPath, target);
    return { ...stored, fresh: true };
  }

  /** Removes a received file that is not kept; nothing happens once it has been adopted. */
  async discard(file: ReceivedFile): Promise<void> {
    await rm(file.tmpPath, { force: true });
  }

  /**
   * Keeps a received file aside, unread, under `id` (a publish waiting for approval): it stays
   * out of the store's content until `pending` hands it back to a publish.
   */
  async hold(file: ReceivedFile, id: string): Promise<void> {
    await rename(file.tmpPath, this.pendingPath(id));
  }

  /** A held file as a received one again (its publish adopts or discards it). */
  async pending(
    id: string,
    meta: { sha256: string; size: number; filename?: string },
  ): Promise<ReceivedFile> {
    const tmpPath = this.pendingPath(id);
    const fh = await open(tmpPath, 'r');
    try {
      const head = new Uint8Array(HEAD_BYTES);
      const { bytesRead } = await fh.read(head, 0, HEAD_BYTES, 0);
      return { tmpPath, ...meta, head: head.subarray(0, bytesRead) };
    } finally {
      await fh.close();
    }
  }

  /** Removes a held file (its publish was rejected). */
  async drop(id: string): Promise<void> {
    await rm(this.pendingPath(id), { force: true });
  }

  private pendingPath(id: string): string {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error(`not a uuid: ${id}`);
    return join(this.dir, `.pending-${id}`);
  }

  /** Stores bytes under their SHA-256. */
  async put(bytes: Uint8Array, filename?: string): Promise<StoredArtifact> {
    const file = await this.receive([bytes], { maxBytes: Infinity, filename });
    return this.adopt(file);
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
