import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { hashToken, newToken } from '../auth/tokens.js';
import type {
  ApiTokenRecord,
  AuditQuery,
  IdentityRepository,
  UserRecord,
} from '../db/identity-repository.js';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors.js';
import { principalOf, type AccessControl } from './access.js';
import type { AuditEntry as AuditView, Me, TokenView } from '../protocol/identity.js';
import { holds, PERMISSIONS, type Permission, type Principal, type Role } from './roles.js';

/** Longest life of a personal token, and its default. */
export const MAX_TOKEN_DAYS = 366;
export const DEFAULT_TOKEN_DAYS = 90;

export interface NewTokenRequest {
  name: string;
  scopes?: Permission[];
  expiresInDays?: number;
  /** An admin may make a token for another user. */
  user?: string;
}

/**
 * Users, personal tokens, deployment owners and shares, and the audit log, as the management
 * API offers them. Who may call each is the access middleware's; what depends on the caller
 * (whose tokens, who owns what) is here.
 */
export class IdentityService {
  constructor(
    private readonly deps: {
      repo: IdentityRepository;
      access: AccessControl;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  me(principal: Principal): Me {
    return {
      user: principal.user,
      role: principal.role,
      via: principal.via,
      permissions: PERMISSIONS.filter((p) => holds(principal, p)),
    };
  }

  users(): Promise<UserRecord[]> {
    return this.deps.repo.users();
  }

  /** `name` is checked by the route (USER_NAME), as every name the API takes. */
  async putUser(by: Principal, name: string, role: Role): Promise<UserRecord> {
    return this.deps.repo.putUser(name, role, by.user ?? 'admin token');
  }

  async deleteUser(name: string): Promise<void> {
    if (!(await this.deps.repo.deleteUser(name))) throw new NotFoundError(`user ${name}`);
  }

  /** Makes a personal token; its secret is in this answer only. */
  async createToken(
    principal: Principal,
    req: NewTokenRequest,
  ): Promise<TokenView & { token: string }> {
    const { repo } = this.deps;
    let user = principal.user;
    if (req.user !== undefined && req.user !== user) {
      this.deps.access.require(principal, 'admin');
      user = req.user;
    }
    if (user === null)
      throw new ForbiddenError(
        'the admin token is nobody\'s and holds no personal token: name the token\'s user in "user"',
        'admin',
      );
    if (!(await repo.user(user))) throw new NotFoundError(`user ${user}`);
    const scopes: Permission[] = [...new Set(req.scopes ?? (['read'] as const))];
    // A token never holds more than its maker: the caller's own permissions bound the scopes.
    if (req.user === undefined || req.user === principal.user)
      for (const scope of scopes) this.deps.access.require(principal, scope);
    const days = req.expiresInDays ?? DEFAULT_TOKEN_DAYS;
    const token = newToken('sp');
    const now = this.now();
    const record = await repo.createToken({
      id: randomUUID(),
      userName: user,
      name: req.name,
      scopes,
      hash: hashToken(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + days * 86_400_000),
    });
    return { ...this.view(record), token };
  }

  /** The caller's tokens; an admin's `user` (or `*` for everyone's) names others'. */
  async tokens(principal: Principal, user?: string): Promise<TokenView[]> {
    // The admin token is nobody's: it sees everyone's, as `?user=*` does.
    const own = principal.user !== null && (user === undefined || user === principal.user);
    if (!own) this.deps.access.require(principal, 'admin');
    const of = own ? principal.user! : user === undefined || user === '*' ? undefined : user;
    return (await this.deps.repo.tokens(of)).map((r) => this.view(r));
  }

  /** Revokes one of the caller's tokens (an admin: anyone's). */
  async revokeToken(principal: Principal, id: string): Promise<void> {
    const { repo } = this.deps;
    const record = await repo.token(id);
    const mine = record !== undefined && record.userName === principal.user;
    if (!record || (!mine && !holds(principal, 'admin')))
      throw new NotFoundError(`token ${id}${principal.user ? ` of ${principal.user}` : ''}`);
    if (!(await repo.revokeToken(id, this.now())))
      throw new InvalidInputError(`token ${id} was revoked already`, 'id', 'already_revoked');
  }

  /** Who owns a deployment and whom it is shared with. */
  async access(name: string): Promise<{ owner: string | null; sharedWith: string[] }> {
    const { repo } = this.deps;
    return { owner: (await repo.owner(name)) ?? null, sharedWith: await repo.shares(name) };
  }

  async share(name: string, user: string): Promise<void> {
    if (!(await this.deps.repo.user(user))) throw new NotFoundError(`user ${user}`);
    await this.deps.repo.share(name, user);
  }

  async unshare(name: string, user: string): Promise<void> {
    if (!(await this.deps.repo.unshare(name, user)))
      throw new NotFoundError(`share of ${name} with ${user}`);
  }

  async audit(q: AuditQuery): Promise<AuditView[]> {
    return (await this.deps.repo.auditEntries(q)).map((e) => ({
      ...e,
      time: e.time.toISOString(),
    }));
  }

  // PublishAccess: a new name needs `publish`; a new version of an existing one, `manage` of it.
  publish(c: Context, name: string, exists: boolean): Promise<void> {
    return this.deps.access.requirePublish(principalOf(c), name, exists);
  }

  async published(c: Context, name: string): Promise<void> {
    const { user } = principalOf(c);
    if (user !== null) await this.deps.repo.claim(name, user);
  }

  private view(r: ApiTokenRecord): TokenView {
    const now = this.now();
    return {
      id: r.id,
      user: r.userName,
      name: r.name,
      scopes: r.scopes,
      createdAt: r.createdAt.toISOString(),
      expiresAt: r.expiresAt.toISOString(),
      revokedAt: r.revokedAt?.toISOString() ?? null,
      lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
      state: r.revokedAt ? 'revoked' : r.expiresAt <= now ? 'expired' : 'active',
    };
  }
}
