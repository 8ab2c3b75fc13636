import type { Context } from 'hono';
import { bearerToken } from '../auth/tokens.js';
import type { Caller, ParameterInput } from '../data-plane/index.js';
import { InvalidInputError, TooLargeError, UnsupportedMediaTypeError } from '../errors.js';
import type { CallEnv } from '../middleware/call-id.js';
import { MAX_JSON_DEPTH, nestsDeeperThan, tooDeepError } from '../codecs/json-text.js';
import { readJsonBody } from './read-json-body.js';

/** Who calls which deployment, from the request: the data plane's view of it. */
export function callerOf(c: Context<CallEnv>, name = c.req.param('name')!): Caller {
  return {
    name,
    token: bearerToken(c.req.header('authorization')),
    requestId: c.get('requestId'),
    signal: c.req.raw.signal,
    header: (header) => c.req.header(header),
  };
}

/**
 * `X-Slipway-Ignored-Fields`: the fields a call's records carried that the model does not take.
 * A header holds visible ASCII only: any other character of a name (and `%` and `,`, which
 * would make the list ambiguous) is percent-encoded as UTF-8, as in a URL.
 */
export function setIgnoredFields(c: Context, ignored: readonly string[]): void {
  if (ignored.length === 0) return;
  // A header stays small whatever the records held: the first names, and how many more.
  const shown = ignored.slice(0, MAX_IGNORED_SHOWN).map(headerSafe);
  if (ignored.length > MAX_IGNORED_SHOWN)
    shown.push(`... (${ignored.length - MAX_IGNORED_SHOWN} more)`);
  c.header('X-Slipway-Ignored-Fields', shown.join(', '));
}

/** The most field names `X-Slipway-Ignored-Fields` lists. */
const MAX_IGNORED_SHOWN = 50;

/**
 * `X-Slipway-Warnings`: what the runtime said of an answer it gave all the same (e.g. a level
 * the model never saw, scored as missing), joined by `; `, percent-encoded as field names are.
 */
export function setWarnings(c: Context, warnings: readonly string[]): void {
  if (warnings.length === 0) return;
  const shown = warnings.slice(0, MAX_WARNINGS_SHOWN).map(headerSafe);
  if (warnings.length > MAX_WARNINGS_SHOWN)
    shown.push(`... (${warnings.length - MAX_WARNINGS_SHOWN} more)`);
  c.header('X-Slipway-Warnings', shown.join('; '));
}

/** The most warnings `X-Slipway-Warnings` holds. */
const MAX_WARNINGS_SHOWN = 20;

const headerSafe = (name: string) =>
  name.replace(/[^\x20-\x24\x26-\x2b\x2d-\x7e]+/gu, (run) =>
    // A lone surrogate has no UTF-8: it is written as U+FFFD, as TextEncoder does.
    encodeURIComponent(run.replace(/\p{Cs}/gu, '\uFFFD')),
  );

const mediaType = (c: Context) =>
  (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();

/**
 * A text parameter: a json-typed one is parsed as JSON later, so it is held to the same depth
 * limit as a JSON body.
 */
function putText(text: Record<string, string>, name: string, value: string): void {
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) throw tooDeepError(`parameter ${name}`, name);
  text[name] = value;
}

/**
 * Notebook parameters from the query string (but `async`) and a form body as text, or a JSON
 * body as values. A request with no body and no Content-Type has only the query's.
 */
export async function readParameters(c: Context, maxBodyBytes: number): Promise<ParameterInput> {
  const text: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.req.queries()))
    if (k !== 'async') putText(text, k, v.at(-1)!);
  const type = mediaType(c);
  const length = c.req.header('content-length');
  if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') {
    if (Number(length ?? '0') > maxBodyBytes)
      throw new TooLargeError(`request body is over the limit of ${maxBodyBytes} bytes`);
    for (const [k, v] of Object.entries(await c.req.parseBody())) {
      if (typeof v !== 'string')
        throw new InvalidInputError(`parameter ${k}: files are not accepted; send text`, k);
      putText(text, k, v);
    }
    return { text };
  }
  const bodyless =
    (length === undefined || length === '0') && c.req.header('transfer-encoding') === undefined;
  if (type === '' && bodyless) return { text };
  if (type !== '' && type !== 'application/json' && !type.endsWith('+json'))
    throw new UnsupportedMediaTypeError(
      `expected a JSON object, a form, or parameters in the query string; got Content-Type ${type}`,
    );
  return { json: await readJsonBody(c, maxBodyBytes), text };
}
