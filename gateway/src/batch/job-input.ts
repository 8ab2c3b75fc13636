import { createWriteStream } from 'node:fs';
import { readdir, realpath, rename, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { InvalidInputError, SlipwayError, TooLargeError } from '../errors.js';
import { formatBytes } from '../monitoring/tables/table-job.js';

/** The input root's variable, for messages. */
const ROOT_VARIABLE = 'SLIPWAY_BATCH_INPUT_ROOT';

/**
 * A path under a root, as the file it names: relative, inside the root once `..` and links
 * are followed (no path traversal), and an existing file. A 400 naming `field` otherwise.
 */
export async function fileUnderRoot(
  root: string | undefined,
  path: string,
  field: string,
): Promise<string> {
  if (root === undefined)
    throw new InvalidInputError(
      `${field}: this gateway reads no files by path; upload the file, or set ${ROOT_VARIABLE} to the folder inputs are read from`,
      field,
    );
  const inside = await insideRoot(root, path, field);
  const info = await stat(inside).catch(() => undefined);
  if (!info?.isFile())
    throw new InvalidInputError(
      `${field}: no file "${path}" under the input root (${ROOT_VARIABLE}); name a file relative to it`,
      field,
      'input_not_found',
    );
  return inside;
}

/** A folder path under a root (made by the caller): relative and inside it. */
export function folderUnderRoot(root: string | undefined, path: string, field: string): string {
  if (root === undefined)
    throw new InvalidInputError(
      `${field}: this gateway writes no files by path; set SLIPWAY_BATCH_OUTPUT_ROOT (or ${ROOT_VARIABLE})`,
      field,
    );
  const full = resolve(root, path);
  if (isAbsolute(path) || !within(root, full))
    throw new InvalidInputError(
      `${field}: "${path}" is outside the output root; name a folder relative to it`,
      field,
      'outside_root',
    );
  return full;
}

async function insideRoot(root: string, path: string, field: string): Promise<string> {
  const outside = () =>
    new InvalidInputError(
      `${field}: "${path}" is outside the input root (${ROOT_VARIABLE}); name a file relative to it, without ".."`,
      field,
      'outside_root',
    );
  if (path === '' || isAbsolute(path) || path.includes('\0')) throw outside();
  const full = resolve(root, path);
  if (!within(root, full)) throw outside();
  // A link inside the root may point out of it: the real paths are compared too.
  const [realRoot, realFull] = await Promise.all([
    realpath(root),
    realpath(full).catch(() => full),
  ]);
  if (!within(realRoot, realFull)) throw outside();
  return realFull;
}

function within(root: string, full: string): boolean {
  const rel = relative(root, full);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * The newest file (by modification time) whose path under the root matches `pattern`: a
 * folder, then a file name where `*` stands for any characters and `?` for one
 * (`incoming/customers-*.csv`). Undefined when none matches.
 */
export async function newestMatch(root: string, pattern: string): Promise<string | undefined> {
  const cut = pattern.lastIndexOf('/');
  const folder = cut < 0 ? '' : pattern.slice(0, cut);
  const name = pattern.slice(cut + 1);
  if (/[*?]/.test(folder))
    throw new InvalidInputError(
      'input.pattern: only the file name may hold * or ?; name the folder plainly',
      'input.pattern',
    );
  const dir =
    folder === '' ? await realpath(root) : await insideRoot(root, folder, 'input.pattern');
  const matcher = new RegExp(
    `^${name
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  let newest: { path: string; mtime: number } | undefined;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile() || !matcher.test(entry.name)) continue;
    const path = join(dir, entry.name);
    const { mtimeMs } = await stat(path);
    if (!newest || mtimeMs > newest.mtime) newest = { path, mtime: mtimeMs };
  }
  return newest?.path;
}

/** Checks an input URL: http or https only. */
export function checkInputUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError(`input.url: expected an http(s) URL, got "${url}"`, 'input.url');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new InvalidInputError(
      `input.url: expected an http or https URL, got ${parsed.protocol.replace(':', '')}`,
      'input.url',
    );
  return parsed;
}

/** A URL that did not give its file: the job fails with it (code `input_unreachable`). */
export class InputUnreachableError extends SlipwayError {
  constructor(url: string, why: string) {
    super(
      502,
      'input_unreachable',
      `the input URL ${url} ${why}; check that it answers a GET with the file, or upload the file instead`,
    );
  }
}

/**
 * Downloads a job's input to `path`, streamed (never held whole), within `maxBytes`; the file
 * appears under its name only once complete. `timeoutMs` bounds the wait for the answer's head.
 */
export async function downloadInput(
  url: string,
  path: string,
  opts: { maxBytes: number; signal?: AbortSignal; timeoutMs?: number },
): Promise<{ contentType?: string }> {
  const head = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
  let response: Response;
  try {
    response = await fetch(url, {
      signal: opts.signal ? AbortSignal.any([opts.signal, head]) : head,
    });
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new InputUnreachableError(
      url,
      `did not answer (${cause?.code ?? cause?.message ?? (err as Error).message})`,
    );
  }
  if (!response.ok || !response.body)
    throw new InputUnreachableError(url, `answered ${response.status} ${response.statusText}`);
  let seen = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > opts.maxBytes)
        return done(
          new TooLargeError(
            `the input at ${url} is over ${formatBytes(opts.maxBytes)}, the limit (SLIPWAY_BATCH_MAX_INPUT_BYTES)`,
          ),
        );
      done(null, chunk);
    },
  });
  const partial = `${path}.part`;
  await pipeline(
    Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>),
    count,
    createWriteStream(partial),
    { signal: opts.signal },
  );
  await rename(partial, path);
  return { contentType: response.headers.get('content-type') ?? undefined };
}
