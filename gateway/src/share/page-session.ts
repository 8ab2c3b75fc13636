import { createHmac, randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { sameSecret } from '../auth/tokens.js';

/** The cookie that holds a share link's token once the link was opened. */
export const SHARE_COOKIE = 'slipway_share';
/** The cookie the form's CSRF token is made from (double submit, signed). */
export const CSRF_COOKIE = 'slipway_csrf';
/** The form field that carries the CSRF token. */
export const CSRF_FIELD = '_csrf';

/**
 * The end-user page's cookies: both `HttpOnly`, `SameSite=Strict` and scoped to the page's own
 * path, so no other deployment's page (nor any script) sees them.
 */
export class PageSession {
  private readonly secret: Buffer;

  /** `secret`: the gateway's admin token; CSRF tokens are signed with a key derived from it. */
  constructor(
    secret: string,
    private readonly secure: boolean,
  ) {
    this.secret = createHmac('sha256', secret).update('slipway page csrf v1').digest();
  }

  private options(name: string, maxAge: number) {
    return {
      path: `/fn/${name}`,
      httpOnly: true,
      sameSite: 'Strict' as const,
      secure: this.secure,
      maxAge,
    };
  }

  shareToken(c: Context): string | undefined {
    return getCookie(c, SHARE_COOKIE);
  }

  setShareToken(c: Context, name: string, token: string, maxAgeSeconds: number): void {
    setCookie(c, SHARE_COOKIE, token, this.options(name, Math.max(1, maxAgeSeconds)));
  }

  clearShareToken(c: Context, name: string): void {
    setCookie(c, SHARE_COOKIE, '', this.options(name, 0));
  }

  /** The CSRF token to put in the page's forms; sets the cookie it is made from when absent. */
  csrfToken(c: Context, name: string): string {
    let seed = getCookie(c, CSRF_COOKIE);
    if (!seed || !/^[A-Za-z0-9_-]{20,100}$/.test(seed)) {
      seed = randomBytes(24).toString('base64url');
      setCookie(c, CSRF_COOKIE, seed, this.options(name, 86_400));
    }
    return this.sign(name, seed);
  }

  /** Whether a form post's CSRF token matches the cookie it came with. */
  checkCsrf(c: Context, name: string, sent: unknown): boolean {
    const seed = getCookie(c, CSRF_COOKIE);
    return (
      typeof seed === 'string' &&
      typeof sent === 'string' &&
      sameSecret(sent, this.sign(name, seed))
    );
  }

  private sign(name: string, seed: string): string {
    return createHmac('sha256', this.secret).update(`${name}\n${seed}`).digest('base64url');
  }
}
