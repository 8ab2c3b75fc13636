import { InvalidInputError } from '../errors.js';

const FIELD = 'X-Callback-Url';

/**
 * Checks a caller's X-Callback-Url before a run starts: an absolute http(s) URL whose origin
 * the operator allows (`*` allows any). A refused URL is a 400 and no run is made.
 */
export function checkCallbackUrl(url: string, allowedOrigins: readonly string[]): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidInputError(`${FIELD}: expected an absolute http:// or https:// URL`, FIELD);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new InvalidInputError(`${FIELD}: expected an absolute http:// or https:// URL`, FIELD);
  if (!allowedOrigins.includes('*') && !allowedOrigins.includes(u.origin))
    throw new InvalidInputError(
      `${FIELD}: ${u.origin} is not an allowed callback origin; the gateway's operator lists them in SLIPWAY_CALLBACK_ORIGINS`,
      FIELD,
    );
}
