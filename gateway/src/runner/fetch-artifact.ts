import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebStream } from 'node:stream/web';

/** Thrown when the artifact cannot be had, or is not the one named. */
export class ArtifactFetchError extends Error {
  override name = 'ArtifactFetchError';
}

/** Streams `source` into `target`, answering its sha256 and size. */
async function copyHashing(
  source: Readable,
  target: string,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    source,
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    }),
    createWriteStream(target),
  );
  return { sha256: hash.digest('hex'), size };
}

/**
 * The artifact `want` names, as a file under `dir`: downloaded from the gateway with the
 * runner token (`url`), read from a shared volume (`volumeDir/<sha256>`) or from a file (an
 * export bundle's `file`), and in every case hashed on the way: bytes that are not the ones
 * named are refused, never loaded.
 */
export async function fetchArtifact(opts: {
  want: { sha256: string; size: number };
  dir: string;
  url?: string;
  volumeDir?: string;
  file?: string;
  token?: string;
}): Promise<string> {
  const { want, dir } = opts;
  if (!/^[0-9a-f]{64}$/.test(want.sha256))
    throw new ArtifactFetchError(`not a sha256: ${want.sha256}`);
  await mkdir(dir, { recursive: true });
  const target = join(dir, want.sha256);
  const partial = `${target}.partial`;
  let source: Readable;
  if (opts.url) {
    const res = await fetch(opts.url, { headers: { authorization: `Bearer ${opts.token ?? ''}` } });
    if (!res.ok || !res.body)
      throw new ArtifactFetchError(`GET ${opts.url} answered ${res.status}: ${await res.text()}`);
    source = Readable.fromWeb(res.body as WebStream<Uint8Array>);
  } else if (opts.volumeDir) {
    source = createReadStream(join(opts.volumeDir, want.sha256));
  } else if (opts.file) {
    source = createReadStream(opts.file);
  } else throw new ArtifactFetchError('expected SLIPWAY_RUNNER_ARTIFACT_URL, _DIR or _FILE');
  try {
    const got = await copyHashing(source, partial);
    if (got.sha256 !== want.sha256 || got.size !== want.size)
      throw new ArtifactFetchError(
        `the artifact read is not the one named: sha256 ${got.sha256} (${got.size} bytes), expected ${want.sha256} (${want.size} bytes)`,
      );
    await rename(partial, target);
    return target;
  } finally {
    await rm(partial, { force: true });
  }
}
