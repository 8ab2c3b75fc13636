import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { ForbiddenError, TokenEndedError, UnauthorizedError } from '../errors.js';
import { ROLES, USER_NAME, type Role } from './roles.js';

/** Which issuer's tokens the gateway takes, and how their claims name users and roles. */
export interface OidcConfig {
  /** The issuer's URL (its `/.well-known/openid-configuration` names its keys). */
  issuer: string;
  /** The `aud` a token must carry for this gateway. */
  audience: string;
  /** The claim holding the user's name; default `preferred_username`. */
  userClaim?: string;
  /** The claim holding the user's groups (a string or a list); default `groups`. */
  roleClaim?: string;
  /** Role → the claim values that give it; the highest role a token's values reach applies. */
  roles: Partial<Record<Role, string[]>>;
}

/** A JWT's shape: three base64url parts (what a personal token or a key never is). */
export const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

/**
 * Verifies OpenID Connect bearer tokens with the issuer's own keys (found through its discovery
 * document, fetched once, and refreshed by jose when a token names a key it has not seen), and
 * maps a token's claims to a user and a role. Every refusal says what was wrong with the token.
 */
export class OidcVerifier {
  private keys: ReturnType<typeof createRemoteJWKSet> | undefined;

  constructor(
    private readonly config: OidcConfig,
    /** The clock expiry is judged by; the system's unless a test passes another. */
    private readonly now: () => Date = () => new Date(),
  ) {}

  async verify(token: string): Promise<{ user: string; role: Role }> {
    const { issuer, audience } = this.config;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.jwks(), {
        issuer,
        audience,
        currentDate: this.now(),
      }));
    } catch (err) {
      if (err instanceof errors.JWTExpired)
        throw new TokenEndedError(
          'token_expired',
          `the OpenID Connect token of ${String(err.payload.sub ?? 'its subject')} expired at ${new Date((err.payload.exp ?? 0) * 1000).toISOString()}; sign in again`,
        );
      const why = err instanceof Error ? err.message : String(err);
      throw new UnauthorizedError(`the OpenID Connect token is not valid for this gateway: ${why}`);
    }
    const userClaim = this.config.userClaim ?? 'preferred_username';
    const user = payload[userClaim];
    if (typeof user !== 'string' || !USER_NAME.test(user))
      throw new UnauthorizedError(
        `the OpenID Connect token has no usable "${userClaim}" claim to name its user (SLIPWAY_OIDC_USER_CLAIM)`,
      );
    const roleClaim = this.config.roleClaim ?? 'groups';
    const raw = payload[roleClaim];
    const values = new Set(
      (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string'),
    );
    const role = ROLES.find((r) => this.config.roles[r]?.some((v) => values.has(v)));
    if (!role)
      throw new ForbiddenError(
        `${user} has no Slipway role: no value of the token's "${roleClaim}" claim is mapped to one (SLIPWAY_OIDC_ROLES)`,
        'read',
      );
    return { user, role };
  }

  private async jwks(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (this.keys) return this.keys;
    const url = `${this.config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let discovery: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      discovery = (await res.json()) as typeof discovery;
    } catch (err) {
      throw new UnauthorizedError(
        `the OpenID Connect issuer's discovery document could not be read at ${url} (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    if (discovery.issuer !== this.config.issuer || typeof discovery.jwks_uri !== 'string')
      throw new UnauthorizedError(
        `the discovery document at ${url} is for issuer ${String(discovery.issuer)}, not ${this.config.issuer} (SLIPWAY_OIDC_ISSUER)`,
      );
    this.keys = createRemoteJWKSet(new URL(discovery.jwks_uri));
    return this.keys;
  }
}

/**
 * `SLIPWAY_OIDC_ROLES`: `admin=ops;publisher=data-science,ml;viewer=analysts` (role, then the
 * claim values that give it, comma-separated; roles separated by `;`).
 */
export function parseOidcRoles(text: string): Partial<Record<Role, string[]>> {
  const roles: Partial<Record<Role, string[]>> = {};
  for (const part of text.split(';')) {
    if (!part.trim()) continue;
    const [role, values] = part.split('=', 2).map((s) => s.trim());
    if (!ROLES.includes(role as Role) || !values)
      throw new Error(
        `SLIPWAY_OIDC_ROLES: expected role=value,value;… with roles ${ROLES.join(', ')} (got ${JSON.stringify(part)})`,
      );
    roles[role as Role] = values
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  }
  return roles;
}
