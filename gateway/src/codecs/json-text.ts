import { InvalidInputError } from '../errors.js';

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

/** What parsing a body gave: its value, or the 400 it earns (as plain data, to cross threads). */
export type ParsedBody =
  | { ok: true; value: unknown }
  | { ok: false; code: 'invalid_encoding' | 'invalid_json' | 'too_deep'; message: string };

/**
 * Parses a request body's bytes as JSON: UTF-8, not empty, nested at most
 * {@link MAX_JSON_DEPTH} levels (checked before it is parsed), valid JSON. Pure and linear.
 */
export function parseJsonBody(bytes: Uint8Array): ParsedBody {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, code: 'invalid_encoding', message: 'request body is not valid UTF-8' };
  }
  if (text.trim() === '')
    return { ok: false, code: 'invalid_json', message: 'request body is empty; expected JSON' };
  if (nestsDeeperThan(text, MAX_JSON_DEPTH))
    return { ok: false, code: 'too_deep', message: tooDeepError('request body').message };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return {
      ok: false,
      code: 'invalid_json',
      message: `request body is not valid JSON: ${(err as Error).message}`,
    };
  }
}
