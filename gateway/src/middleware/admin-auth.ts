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
  orRunnerToken,
}: {
  token: string;
  allowQueryToken?: boolean;
  /** Also lets the runner token through (what runners on a cluster read artifacts with). */
  orRunnerToken?: string;
}): MiddlewareHandler {
  return async function adminAuth(c, next) {
    const given =
      bearerToken(c.req.header('authorization')) ??
      (allowQueryToken ? c.req.query('token') : undefined);
    const valid =
      given !== undefined &&
      (sameSecret(given, token) ||
        (orRunnerToken !== undefined && sameSecret(given, orRunnerToken)));
    if (!valid) {
      throw new UnauthorizedError(
        'the management API needs the admin token: send "Authorization: Bearer <admin token>"',
      );
    }
    await next();
  };
}
