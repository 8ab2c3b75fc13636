import type { Context, MiddlewareHandler } from 'hono';
import type { IdentityRepository } from '../db/identity-repository.js';
import { deploymentInPath, type AccessEnv } from './access.js';
import { actorOf } from './roles.js';

/** Whether a request is a management action the audit log keeps: any change, and an export. */
export function isAction(method: string, path: string): boolean {
  if (method === 'GET' || method === 'HEAD') return deploymentInPath(path)?.rest === '/export';
  return method !== 'OPTIONS';
}

/** Where the call came from: the address it was forwarded for, else the connection's. */
function remoteOf(c: Context): string | null {
  const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
  if (forwarded) return forwarded;
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)
    ?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}

/**
 * Writes every management action to the audit log once it is answered: who (the principal, or
 * `unknown` when authentication failed), what (method, path, the deployment), when, from
 * where, and the status it ended with, refusals included. Mounted before the access check, so
 * that a 401 or 403 is kept too. A failure to write is reported, never the caller's.
 */
export function auditTrail(
  repo: IdentityRepository,
  reportError: (err: unknown) => void,
): MiddlewareHandler<AccessEnv> {
  return async (c, next) => {
    await next();
    if (!isAction(c.req.method, c.req.path)) return;
    const principal = c.get('principal');
    await repo
      .audit({
        actor: actorOf(principal),
        via: principal?.via ?? 'none',
        method: c.req.method,
        path: c.req.path,
        deploymentName: deploymentInPath(c.req.path)?.name ?? null,
        status: c.res.status,
        remote: remoteOf(c),
        requestId: (c.get as (key: string) => unknown)('requestId') as string | null,
      })
      .catch(reportError);
  };
}
