import type { Context } from 'hono';
import { InvalidInputError, TooLargeError, UnsupportedMediaTypeError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The deepest nesting of arrays and objects a request's JSON may have (serde_json's default
 * limit). Records, tensors and notebook parameters need a handful of levels; what is deeper is
 * refused before it is parsed, so no validator, encoder or log writer ever walks it.
 */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests arrays and objects deeper than `limit`: one pass over the text, no
 * recursion, strings skipped (a bracket inside a string does not count). Malformed text is not
 * diagnosed here: JSON.parse does that afterwards.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // The closing quote is the next one not escaped: preceded by an even run of backslashes.
      // Each backslash is counted once, by the quote right after its run, so this stays linear.
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j < 0) return false;
        let k = j - 1;
        while (text.charCodeAt(k) === BACKSLASH) k--;
        if ((j - 1 - k) % 2 === 0) break;
      }
      i = j;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** The 400 for JSON nested past {@link MAX_JSON_DEPTH}; `what` names the text. */
export function tooDeepError(what: string, field?: string): InvalidInputError {
  return new InvalidInputError(
    `${what} nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep, the limit; send flatter JSON`,
    field,
    'too_deep',
  );
}

/**
 * Reads a JSON request body with a size bound: 415 for another media type, 413 past
 * `maxBytes`, 400 for bytes that are not UTF-8, text that is not JSON, or JSON nested more
 * than {@link MAX_JSON_DEPTH} levels deep (`too_deep`).
 */
export async function readJsonBody(c: Context, maxBytes: number): Promise<unknown> {
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
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new InvalidInputError('request body is not valid UTF-8', undefined, 'invalid_encoding');
  }
  if (text.trim() === '')
    throw new InvalidInputError('request body is empty; expected JSON', undefined, 'invalid_json');
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw tooDeepError('request body');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(
      `request body is not valid JSON: ${(err as Error).message}`,
      undefined,
      'invalid_json',
    );
  }
}

function isJsonType(type: string): boolean {
  const mime = type.split(';')[0]!.trim().toLowerCase();
  return mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
}
