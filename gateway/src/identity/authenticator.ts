import { bearerToken, hashToken, sameSecret } from '../auth/tokens.js';
import { InvalidInputError, TokenEndedError, UnauthorizedError } from '../errors.js';
import type { IdentityRepository } from '../db/identity-repository.js';
import { looksLikeJwt, type OidcVerifier } from './oidc.js';
import { isPermission, USER_NAME, USER_NAME_RULE, type Principal, type Role } from './roles.js';

/** The header the Jupyter server's proxy names its user in (jupyterlab_slipway). */
export const USER_HEADER = 'x-slipway-user';

export interface AuthenticatorDeps {
  adminToken: string;
  /** The Jupyter server proxy's credential (SLIPWAY_PROXY_TOKEN); absent: no proxy is trusted. */
  proxyToken?: string;
  repo: IdentityRepository;
  /** The role of a user the proxy names for the first time. */
  newUserRole: Role;
  /** OpenID Connect bearer tokens of one issuer; absent: none are taken. */
  oidc?: OidcVerifier;
  now?: () => Date;
}

/** What a request presents: its bearer token (or `?token=`) and the user a proxy asserts. */
export interface Credentials {
  token: string | undefined;
  asserted: string | undefined;
}

export const credentialsOf = (
  header: (name: string) => string | undefined,
  queryToken?: string,
): Credentials => ({
  token: bearerToken(header('authorization')) ?? queryToken,
  asserted: header(USER_HEADER),
});

/**
 * Tells who a request comes from: the admin token (nobody's, every permission), the Jupyter
 * server's proxy credential with the user it asserts (the user is made on first sight with
 * `newUserRole`), or a personal token (its user, narrowed by its scopes). The asserted user is
 * taken only with the proxy credential. Each refusal says which credential and why.
 */
export class Authenticator {
  private readonly now: () => Date;

  constructor(private readonly deps: AuthenticatorDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async principal({ token, asserted }: Credentials): Promise<Principal> {
    if (!token)
      throw new UnauthorizedError(
        'the management API needs a credential: send "Authorization: Bearer <token>" (the admin token, or a personal token from POST /api/tokens)',
      );
    const proxy = this.isProxy(token);
    if (asserted !== undefined && !proxy)
      throw new UnauthorizedError(
        "X-Slipway-User is taken only with the Jupyter server proxy's credential; call with your own personal token instead",
      );
    if (proxy) return this.asserted(asserted);
    if (sameSecret(token, this.deps.adminToken))
      return { user: null, role: 'admin', via: 'admin-token' };
    if (token.startsWith('sp_')) return this.personal(token);
    if (this.deps.oidc && looksLikeJwt(token)) return this.signedIn(token);
    throw new UnauthorizedError(
      'the credential is not valid: send the admin token or a personal token (POST /api/tokens makes one)',
    );
  }

  /**
   * The principal of a user's credential (the proxy's, a personal token); undefined for any
   * other, which is not this authenticator's to judge (an invoke key, the admin token).
   */
  async userPrincipal(credentials: Credentials): Promise<Principal | undefined> {
    const { token } = credentials;
    if (!token) return undefined;
    const proxy = this.isProxy(token);
    const oidc = this.deps.oidc !== undefined && looksLikeJwt(token);
    if (!proxy && !token.startsWith('sp_') && !oidc) return undefined;
    return this.principal(proxy ? credentials : { token, asserted: undefined });
  }

  private isProxy(token: string): boolean {
    return this.deps.proxyToken !== undefined && sameSecret(token, this.deps.proxyToken);
  }

  /** A user signed in with the OpenID Connect issuer: their role is the token's to say. */
  private async signedIn(token: string): Promise<Principal> {
    const { user, role } = await this.deps.oidc!.verify(token);
    const known = await this.deps.repo.user(user);
    if (known?.role !== role) await this.deps.repo.putUser(user, role, 'oidc');
    return { user, role, via: 'oidc' };
  }

  private async asserted(name: string | undefined): Promise<Principal> {
    if (name === undefined)
      throw new UnauthorizedError(
        "the proxy credential must name its user in X-Slipway-User (the Jupyter server's extension does)",
      );
    if (!USER_NAME.test(name))
      throw new InvalidInputError(
        `X-Slipway-User must be a user name of ${USER_NAME_RULE}`,
        'X-Slipway-User',
      );
    const user = await this.deps.repo.userOnSight(name, this.deps.newUserRole, 'proxy');
    return { user: user.name, role: user.role, via: 'proxy' };
  }

  private async personal(token: string): Promise<Principal> {
    const record = await this.deps.repo.tokenByHash(hashToken(token));
    if (!record)
      throw new UnauthorizedError(
        'the personal token is not known here: it was never made on this gateway, or its user was removed',
      );
    if (record.revokedAt)
      throw new TokenEndedError(
        'token_revoked',
        `the personal token "${record.name}" was revoked at ${record.revokedAt.toISOString()}; make a new one (POST /api/tokens)`,
      );
    const now = this.now();
    if (record.expiresAt <= now)
      throw new TokenEndedError(
        'token_expired',
        `the personal token "${record.name}" expired at ${record.expiresAt.toISOString()}; make a new one (POST /api/tokens)`,
      );
    const user = await this.deps.repo.user(record.userName);
    if (!user) throw new UnauthorizedError("the personal token's user was removed");
    void this.deps.repo.touchToken(record.id, now).catch(() => {});
    return {
      user: user.name,
      role: user.role,
      via: `token:${record.id}`,
      scopes: record.scopes.filter(isPermission),
    };
  }
}
