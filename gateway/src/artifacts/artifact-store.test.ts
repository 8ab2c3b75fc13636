import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TooLargeError } from '../errors.js';
import { ArtifactStore, HEAD_BYTES } from './artifact-store.js';

let dir: string;
let store: ArtifactStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-store-'));
  store = new ArtifactStore(join(dir, 'artifacts'));
  await store.init();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** `total` bytes in pieces of `piece`, as an upload arrives. */
async function* pieces(total: number, piece: number) {
  for (let at = 0; at < total; at += piece)
    yield new Uint8Array(Math.min(piece, total - at)).map((_, i) => (at + i) % 251);
}

const whole = (total: number) => new Uint8Array(total).map((_, i) => i % 251);

describe('ArtifactStore', () => {
  it('receives a stream into a temporary file with its hash, size and head', async () => {
    const file = await store.receive(pieces(100_000, 1000), { maxBytes: 1e6, filename: 'm.bin' });
    expect(file).toMatchObject({
      sha256: sha256(whole(100_000)),
      size: 100_000,
      filename: 'm.bin',
    });
    expect(file.head).toEqual(whole(HEAD_BYTES));
    expect(await readFile(file.tmpPath)).toEqual(Buffer.from(whole(100_000)));
    expect(await store.list()).toEqual([]);
  });

  it('stops past maxBytes with 413 and removes the partial file', async () => {
    const read: number[] = [];
    async function* counted() {
      for await (const p of pieces(50_000, 1000)) {
        read.push(p.byteLength);
        yield p;
      }
    }
    await expect(store.receive(counted(), { maxBytes: 10_000 })).rejects.toBeInstanceOf(
      TooLargeError,
    );
    // It read no further than the piece that went over.
    expect(read.length).toBe(11);
    expect(await readdir(store.dir)).toEqual([]);
  });

  it('removes the partial file when the stream fails', async () => {
    async function* broken() {
      yield new Uint8Array(10);
      throw new Error('client went away');
    }
    await expect(store.receive(broken(), { maxBytes: 1e6 })).rejects.toThrow('client went away');
    expect(await readdir(store.dir)).toEqual([]);
  });

  it('adopts a received file under its hash, once for identical bytes', async () => {
    const a = await store.receive(pieces(5000, 100), { maxBytes: 1e6 });
    const b = await store.receive(pieces(5000, 700), { maxBytes: 1e6 });
    const first = await store.adopt(a);
    const second = await store.adopt(b);
    expect(first).toMatchObject({ sha256: a.sha256, size: 5000, fresh: true });
    expect(second).toMatchObject({ path: first.path, fresh: false });
    expect(await readdir(store.dir)).toEqual([a.sha256]);
    expect(await readFile(first.path)).toEqual(Buffer.from(whole(5000)));
    // Discarding after adoption leaves the stored file alone.
    await store.discard(a);
    expect(await store.list()).toEqual([a.sha256]);
  });

  it('clears what an interrupted upload left at start', async () => {
    await writeFile(join(store.dir, '.tmp-left-by-a-crash'), 'x');
    await store.init();
    expect(await readdir(store.dir)).toEqual([]);
  });
});
