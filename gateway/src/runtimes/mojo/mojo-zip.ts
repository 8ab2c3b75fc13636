import { strFromU8, unzipSync } from 'fflate';
import { UnusableArtifactError } from '../../errors.js';

/** Limits on a MOJO zip, which is untrusted input. */
export interface MojoZipLimits {
  /** Most entries (a GBM with 1000 trees × 10 classes has ~20 000). */
  maxEntries: number;
  /** Largest uncompressed size an entry may declare. */
  maxEntryBytes: number;
  /** Largest uncompressed size all entries together may declare. */
  maxTotalBytes: number;
}

export const DEFAULT_MOJO_ZIP_LIMITS: MojoZipLimits = {
  maxEntries: 200_000,
  maxEntryBytes: 1024 ** 3,
  maxTotalBytes: 4 * 1024 ** 3,
};

/** model.ini is a few KiB; anything near these sizes is not one. */
const MAX_INI_BYTES = 1024 * 1024;
const MAX_INI_COMPRESSED = 64 * 1024;

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
 * Reads a MOJO zip's central directory and its model.ini, inflating nothing else. Throws
 * UnusableArtifactError (422) for a file that is not a zip, is truncated, exceeds the limits,
 * or has no readable model.ini with an `[info]` section naming the algorithm and category.
 */
export function inspectMojoZip(
  bytes: Uint8Array,
  limits: MojoZipLimits = DEFAULT_MOJO_ZIP_LIMITS,
): MojoInfo {
  if (!looksLikeZip(bytes))
    throw new UnusableArtifactError('not an H2O MOJO: the file is not a zip archive');
  let entries = 0;
  let total = 0;
  let iniSeen = false;
  let unzipped: Record<string, Uint8Array>;
  try {
    unzipped = unzipSync(bytes, {
      filter: (f) => {
        entries++;
        total += f.originalSize;
        if (entries > limits.maxEntries)
          throw new LimitError(`the zip has more than ${limits.maxEntries} entries`);
        if (f.originalSize > limits.maxEntryBytes)
          throw new LimitError(
            `the zip entry ${JSON.stringify(f.name)} declares ${f.originalSize} bytes, more than ${limits.maxEntryBytes}`,
          );
        if (total > limits.maxTotalBytes)
          throw new LimitError(`the zip declares more than ${limits.maxTotalBytes} bytes in all`);
        if (f.name !== 'model.ini') return false;
        iniSeen = true;
        if (f.originalSize > MAX_INI_BYTES || f.size > MAX_INI_COMPRESSED)
          throw new LimitError(`its model.ini declares ${f.originalSize} bytes; a MOJO's is small`);
        return true;
      },
    });
  } catch (err) {
    if (err instanceof LimitError)
      throw new UnusableArtifactError(`not a usable H2O MOJO: ${err.message}`);
    throw new UnusableArtifactError(
      `not an H2O MOJO: the zip archive cannot be read (${(err as Error).message}); it may be truncated or corrupt`,
    );
  }
  const ini = unzipped['model.ini'];
  if (!iniSeen || !ini)
    throw new UnusableArtifactError(
      'not an H2O MOJO: the zip has no model.ini at its root (export the model with download_mojo / save_mojo)',
    );
  return parseModelIni(strFromU8(ini));
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

class LimitError extends Error {}
