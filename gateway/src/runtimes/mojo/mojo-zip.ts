import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { UnusableArtifactError } from '../../errors.js';

/** Limits on a MOJO zip, which is untrusted input. */
export interface MojoZipLimits {
  /** Most entries (a GBM with 1000 trees × 10 classes has ~20 000). */
  maxEntries: number;
  /** Most bytes one entry may declare, and may inflate to. */
  maxEntryBytes: number;
  /** Most bytes all entries together may declare, and may inflate to. */
  maxTotalBytes: number;
}

const MiB = 1024 * 1024;

/** The heap the JVM worker gets when SLIPWAY_JVM_HEAP_MB is not set. */
export const DEFAULT_JVM_HEAP_MB = 1024;

/**
 * Limits that follow the JVM worker's heap. h2o-genmodel allocates each entry it reads as one
 * byte array of its declared size and builds the model from those bytes, in the heap every
 * MOJO shares: all entries together may take half of it, and one entry a quarter (reading it
 * holds its bytes and what is built from them at once).
 */
export function mojoZipLimits(jvmHeapMb: number): MojoZipLimits {
  const heap = jvmHeapMb * MiB;
  return { maxEntries: 200_000, maxEntryBytes: heap / 4, maxTotalBytes: heap / 2 };
}

export const DEFAULT_MOJO_ZIP_LIMITS: MojoZipLimits = mojoZipLimits(DEFAULT_JVM_HEAP_MB);

/** model.ini is a few KiB; anything near this size is not one. */
const MAX_INI_BYTES = MiB;

/** The `[info]` section of a MOJO's model.ini, the facts the gateway checks before the JVM. */
export interface MojoInfo {
  algo: string;
  category: string;
  mojoVersion: string;
  h2oVersion: string | undefined;
}

/** True when the bytes start with a zip local file header (`PK\x03\x04`). */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 3 && head[3] === 4;
}

/**
 * Checks a MOJO zip as the JVM will read it, before the JVM sees it: entry by entry from the
 * central directory (as java.util.zip.ZipFile reads it), every entry inflated and counted on
 * the way with nothing kept but model.ini, so that no entry and no total passes the limits —
 * neither as declared nor as actually inflated (a zip bomb that understates its sizes is
 * stopped at the limit, not at its end). Throws UnusableArtifactError (422) for a file that is
 * not a zip, is truncated or corrupt, exceeds the limits, holds entries the JVM cannot read,
 * or has no readable model.ini with an `[info]` section naming the algorithm and category.
 */
export async function inspectMojoZip(
  source: string | Uint8Array,
  limits: MojoZipLimits = DEFAULT_MOJO_ZIP_LIMITS,
): Promise<MojoInfo> {
  if (!looksLikeZip(typeof source === 'string' ? await readHead(source) : source))
    throw new UnusableArtifactError('not an H2O MOJO: the file is not a zip archive');
  let zip: yauzl.ZipFile;
  try {
    zip =
      typeof source === 'string'
        ? await yauzl.openPromise(source)
        : await yauzl.fromBufferPromise(
            Buffer.from(source.buffer, source.byteOffset, source.byteLength),
          );
  } catch (err) {
    throw unreadable(err);
  }
  let ini: Buffer | undefined;
  try {
    ini = await walkEntries(zip, limits);
  } finally {
    zip.close();
  }
  if (!ini)
    throw new UnusableArtifactError(
      'not an H2O MOJO: the zip has no model.ini at its root (export the model with download_mojo / save_mojo)',
    );
  return parseModelIni(ini.toString('utf8'));
}

/** Inflates every entry against the limits; answers model.ini's bytes when there is one. */
async function walkEntries(zip: yauzl.ZipFile, limits: MojoZipLimits): Promise<Buffer | undefined> {
  const names = new Set<string>();
  let declaredTotal = 0;
  let inflatedTotal = 0;
  let ini: Buffer | undefined;
  // The central directory says how many entries follow: too many is refused before any is read.
  if (zip.entryCount > limits.maxEntries)
    throw refuse(`the zip has more than ${limits.maxEntries} entries`);
  const entries = zip.eachEntry();
  for (;;) {
    let entry: yauzl.Entry;
    try {
      const next = await entries.next();
      if (next.done) return ini;
      entry = next.value;
    } catch (err) {
      throw unreadable(err);
    }
    const name = entry.fileName;
    if (names.size >= limits.maxEntries)
      throw refuse(`the zip has more than ${limits.maxEntries} entries`);
    if (names.has(name))
      throw refuse(
        `the zip has two entries named ${JSON.stringify(name)}; which one counts is unclear`,
      );
    names.add(name);
    // Declared sizes first: the JVM allocates an entry's declared size before it reads a byte.
    if (entry.uncompressedSize > limits.maxEntryBytes)
      throw refuse(
        `the zip entry ${JSON.stringify(name)} declares ${entry.uncompressedSize} bytes, more than ${limits.maxEntryBytes} (a quarter of SLIPWAY_JVM_HEAP_MB)`,
      );
    declaredTotal += entry.uncompressedSize;
    if (declaredTotal > limits.maxTotalBytes)
      throw refuse(
        `the zip declares more than ${limits.maxTotalBytes} bytes in all (half of SLIPWAY_JVM_HEAP_MB)`,
      );
    if (name === 'model.ini' && entry.uncompressedSize > MAX_INI_BYTES)
      throw refuse(`its model.ini declares ${entry.uncompressedSize} bytes; a MOJO's is small`);
    if (name.endsWith('/')) continue;
    if (!entry.canDecodeFileData())
      throw refuse(
        `the zip entry ${JSON.stringify(name)} is encrypted or compressed with method ${entry.compressionMethod}; H2O writes stored or deflated entries only`,
      );
    let stream: Readable;
    try {
      stream = await zip.openReadStreamPromise(entry);
    } catch (err) {
      throw unreadable(err);
    }
    const kept: Buffer[] = [];
    let inflated = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        inflated += chunk.byteLength;
        inflatedTotal += chunk.byteLength;
        if (inflated > limits.maxEntryBytes)
          throw refuse(
            `the zip entry ${JSON.stringify(name)} inflates to more than ${limits.maxEntryBytes} bytes (a quarter of SLIPWAY_JVM_HEAP_MB)`,
          );
        if (inflatedTotal > limits.maxTotalBytes)
          throw refuse(
            `the zip inflates to more than ${limits.maxTotalBytes} bytes in all (half of SLIPWAY_JVM_HEAP_MB)`,
          );
        if (name === 'model.ini') {
          if (inflated > MAX_INI_BYTES)
            throw refuse(`its model.ini inflates past ${MAX_INI_BYTES} bytes; a MOJO's is small`);
          kept.push(chunk);
        }
      }
    } catch (err) {
      stream.destroy();
      if (err instanceof UnusableArtifactError) throw err;
      // yauzl stops an entry as soon as it inflates past the size it declares.
      if (/too many bytes/.test((err as Error).message))
        throw refuse(
          `the zip entry ${JSON.stringify(name)} inflates to more than the ${entry.uncompressedSize} bytes it declares`,
        );
      throw unreadable(err);
    }
    if (name === 'model.ini') ini = Buffer.concat(kept);
  }
}

async function readHead(path: string): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
    const head = new Uint8Array(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    return head.subarray(0, bytesRead);
  } catch (err) {
    // The code, not the message: the message names the data directory's path.
    throw new UnusableArtifactError(
      `cannot read the artifact file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  } finally {
    await fh?.close();
  }
}

const refuse = (why: string) => new UnusableArtifactError(`not a usable H2O MOJO: ${why}`);

function unreadable(err: unknown): UnusableArtifactError {
  return new UnusableArtifactError(
    `not an H2O MOJO: the zip archive cannot be read (${(err as Error).message}); it may be truncated or corrupt`,
  );
}

/** The `[info]` key-value pairs of a model.ini, checked for what every MOJO carries. */
export function parseModelIni(text: string): MojoInfo {
  const info = new Map<string, string>();
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[') && line.endsWith(']')) section = line.slice(1, -1);
    else if (section === 'info') {
      const eq = line.indexOf('=');
      if (eq > 0) info.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
    }
  }
  const need = (key: string) => {
    const v = info.get(key);
    if (!v)
      throw new UnusableArtifactError(`not an H2O MOJO: model.ini has no ${key} in its [info]`);
    return v;
  };
  return {
    algo: need('algo'),
    category: need('category'),
    mojoVersion: need('mojo_version'),
    h2oVersion: info.get('h2o_version'),
  };
}
