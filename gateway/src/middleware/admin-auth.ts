import type { MiddlewareHandler } from 'hono';
import { bearerToken, sameSecret } from '../auth/tokens.js';
import { UnauthorizedError } from '../errors.js';

/**
 * Lets a request through only with `Authorization: Bearer <admin token>`.
 * `allowQueryToken` also accepts `?token=` — only for pages a browser opens (the docs),
 * which cannot send a header.
 */
export function adminAuth({
  token,
  allowQueryToken = false,
}: {
  token: string;
  allowQueryToken?: boolean;
}): MiddlewareHandler {
  return async function adminAuth(c, next) {
    const given =
      bearerToken(c.req.header('authorization')) ??
      (allowQueryToken ? c.req.query('token') : undefined);
    if (!given || !sameSecret(given, token)) {
      throw new UnauthorizedError(
        'the management API needs the admin token: send "Authorization: Bearer <admin token>"',
      );
    }
    await next();
  };
}
