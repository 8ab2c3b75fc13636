import type { Context } from 'hono';
import { bearerToken } from '../auth/tokens.js';
import type { Caller, ParameterInput } from '../data-plane/index.js';
import { InvalidInputError, TooLargeError, UnsupportedMediaTypeError } from '../errors.js';
import type { CallEnv } from '../middleware/call-id.js';
import { readJsonBody } from './read-json-body.js';

/** Who calls which deployment, from the request: the data plane's view of it. */
export function callerOf(c: Context<CallEnv>, name = c.req.param('name')!): Caller {
  return {
    name,
    token: bearerToken(c.req.header('authorization')),
    requestId: c.get('requestId'),
    signal: c.req.raw.signal,
  };
}

/** `X-Slipway-Ignored-Fields`: the fields a call's records carried that the model does not take. */
export function setIgnoredFields(c: Context, ignored: readonly string[]): void {
  if (ignored.length > 0) c.header('X-Slipway-Ignored-Fields', ignored.join(', '));
}

const mediaType = (c: Context) =>
  (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();

/**
 * Notebook parameters from the query string (but `async`) and a form body as text, or a JSON
 * body as values. A request with no body and no Content-Type has only the query's.
 */
export async function readParameters(c: Context, maxBodyBytes: number): Promise<ParameterInput> {
  const text: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.req.queries())) if (k !== 'async') text[k] = v.at(-1)!;
  const type = mediaType(c);
  const length = c.req.header('content-length');
  if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') {
    if (Number(length ?? '0') > maxBodyBytes)
      throw new TooLargeError(`request body is over the limit of ${maxBodyBytes} bytes`);
    for (const [k, v] of Object.entries(await c.req.parseBody())) {
      if (typeof v !== 'string')
        throw new InvalidInputError(`parameter ${k}: files are not accepted; send text`, k);
      text[k] = v;
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
