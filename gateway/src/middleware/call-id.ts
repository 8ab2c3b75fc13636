import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { RequestIdVariables } from 'hono/request-id';

/** The Hono environment of routes that read the call id. */
export type CallEnv = { Variables: RequestIdVariables };

/**
 * Gives every request a fresh UUID, answered as `X-Request-Id` and kept as `requestId`: the
 * data plane uses it as the prediction id and the run id, so a caller holds one id per call.
 * An id the client sends is not taken: prediction ids must be unique and well-formed.
 */
export function callId({ headerName = 'X-Request-Id' } = {}): MiddlewareHandler<CallEnv> {
  return async function callId(c, next) {
    const id = randomUUID();
    c.set('requestId', id);
    c.header(headerName, id);
    await next();
  };
}
