import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A new secret: a recognisable prefix and 32 random bytes, base64url. `sk` an invoke key, `sa`
 * the admin token, `sp` a personal token.
 */
export function newToken(prefix: 'sk' | 'sa' | 'sp'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Invoke keys are stored only as this hash. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time comparison of two secrets. */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

/**
 * The token runners (pods of a pool on a cluster) and the gateway share: derived from the admin
 * token, so every gateway on one database has the same one and none is stored. It reads
 * artifacts and calls runners, nothing else.
 */
export function deriveRunnerToken(adminToken: string): string {
  return `sr_${createHmac('sha256', adminToken).update('slipway runner token v1').digest('base64url')}`;
}
