import type { Context } from 'hono';
import { InvalidInputError, TooLargeError, UnsupportedMediaTypeError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a JSON request body with a size bound: 415 for another media type, 413 past
 * `maxBytes`, 400 for bytes that are not UTF-8 or text that is not JSON.
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
