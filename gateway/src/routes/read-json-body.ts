import type { Context } from 'hono';
import { parseJsonBody, type ParsedBody } from '../codecs/json-text.js';
import { InvalidInputError, TooLargeError, UnsupportedMediaTypeError } from '../errors.js';
import type { RequestBody } from '../data-plane/index.js';
import { ThreadJobs } from '../workers/thread-jobs.js';

/**
 * Bodies from this size on are parsed on a worker thread: parsing 16 MiB of JSON holds a
 * thread for a fraction of a second, which health checks and other calls must not wait for;
 * below it, the hand-over would cost more than the parse.
 */
export const OFF_THREAD_BYTES = 256 * 1024;

const bodies = new ThreadJobs<Uint8Array, ParsedBody>(
  new URL('./json-body-worker.js', import.meta.url),
  (reason, cause) => new Error(`the JSON parser thread failed: ${reason}`, { cause }),
);

/**
 * Reads a request body meant to be JSON, with a size bound: 415 for another media type, 413
 * past `maxBytes`. A small body is parsed here (400 for bytes that are not UTF-8, text that is
 * not JSON, or JSON nested more than {@link MAX_JSON_DEPTH} levels deep, `too_deep`); a large
 * one ({@link OFF_THREAD_BYTES} and more) is answered as its bytes, for the data plane to
 * parse and decode off the event loop.
 */
export async function readRequestBody(c: Context, maxBytes: number): Promise<RequestBody> {
  const type = c.req.header('content-type');
  if (type !== undefined && !isJsonType(type)) {
    throw new UnsupportedMediaTypeError(
      `expected Content-Type: application/json, got ${type.split(';')[0]}; send the body as JSON with -H 'Content-Type: application/json'`,
    );
  }
  const declared = Number(c.req.header('content-length'));
  if (declared > maxBytes)
    throw new TooLargeError(`request body is ${declared} bytes; the limit is ${maxBytes}`);
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.byteLength > maxBytes)
    throw new TooLargeError(`request body is over the limit of ${maxBytes} bytes`);
  if (bytes.byteLength >= OFF_THREAD_BYTES) return { jsonBytes: bytes };
  return { json: valueOf(parseJsonBody(bytes)), raw: bytes };
}

/** {@link readRequestBody}, parsed: a large body on a worker thread. */
export async function readJsonBody(c: Context, maxBytes: number): Promise<unknown> {
  const body = await readRequestBody(c, maxBytes);
  if ('json' in body) return body.json;
  return valueOf(await bodies.run(body.jsonBytes));
}

function valueOf(parsed: ParsedBody): unknown {
  if (!parsed.ok) throw new InvalidInputError(parsed.message, undefined, parsed.code);
  return parsed.value;
}

function isJsonType(type: string): boolean {
  const mime = type.split(';')[0]!.trim().toLowerCase();
  return mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
}
