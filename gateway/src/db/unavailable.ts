import { UnavailableError } from '../errors.js';

/**
 * Error codes that mean the database cannot be reached (postgres.js and Node socket codes,
 * and Postgres' connection-exception and shutdown SQLSTATEs), as opposed to a query it refused.
 */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/** True when `err` (or an error it wraps, as drizzle wraps the driver's) says the database is unreachable. */
export function isDatabaseUnreachable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE.has(code)) return true;
    // A pool that could not connect may report an AggregateError of socket errors.
    if (e instanceof AggregateError && e.errors.some(isDatabaseUnreachable)) return true;
  }
  return false;
}

/** `err` as the 503 a caller gets when the database is away, or `err` itself otherwise. */
export function databaseUnavailable(err: unknown): unknown {
  if (!isDatabaseUnreachable(err)) return err;
  return new UnavailableError(
    'the database is not reachable; try again shortly',
    'database_unavailable',
    5,
    { cause: err },
  );
}
