import type { Context, MiddlewareHandler } from 'hono';
import { ForbiddenError } from '../errors.js';
import type { IdentityRepository } from '../db/identity-repository.js';
import { credentialsOf, type Authenticator } from './authenticator.js';
import { actorOf, holds, type Permission, type Principal } from './roles.js';

/** What the management API's handlers can read of the caller. */
export type AccessEnv = { Variables: { principal?: Principal } };

/** Things the API names by id that belong to a deployment. */
export type OwnedKind = 'jobs' | 'streams' | 'schedules';

/** What a request needs: a permission, on a deployment (by name, or that of a job, stream or schedule). */
export interface Need {
  /** null: any caller the authenticator knows (its own profile, its own tokens). */
  permission: Permission | null;
  deployment?: string;
  owned?: { kind: OwnedKind; id: string };
}

const DEPLOYMENT = /^\/api\/deployments\/([^/]+)(\/.*)?$/;

/** The deployment a management path names, and the rest of the path after it (`/export`, or ''). */
export function deploymentInPath(path: string): { name: string; rest: string } | undefined {
  const m = DEPLOYMENT.exec(path);
  return m ? { name: decodeURIComponent(m[1]!), rest: m[2] ?? '' } : undefined;
}

const OWNED = /^\/api\/(jobs|streams|schedules)\/([^/]+)/;

/**
 * The permission a management request needs, from its method and path alone (route by
 * route, the table in the README's "Teams"): reading is `read`; publishing a new deployment
 * `publish`; any change to a deployment, or to one of its jobs, streams or schedules, `manage`
 * of that deployment, as is downloading its export bundle (its artifact); users, the audit log
 * and any other change `admin`. A caller's own profile and tokens need only to be known.
 */
export function needOf(method: string, path: string): Need {
  const reads = method === 'GET' || method === 'HEAD';
  if (path === '/api/me' || path === '/api/tokens' || path.startsWith('/api/tokens/'))
    return { permission: null };
  if (path === '/api/users' || path.startsWith('/api/users/') || path === '/api/audit')
    return { permission: 'admin' };
  if (path === '/api/deployments') return { permission: reads ? 'read' : 'publish' };
  const deployment = deploymentInPath(path);
  if (deployment) {
    if (reads && deployment.rest !== '/export') return { permission: 'read' };
    return { permission: 'manage', deployment: deployment.name };
  }
  const owned = OWNED.exec(path);
  if (owned && !reads)
    return {
      permission: 'manage',
      owned: { kind: owned[1] as OwnedKind, id: decodeURIComponent(owned[2]!) },
    };
  return { permission: reads ? 'read' : 'admin' };
}

export interface AccessControlDeps {
  auth: Authenticator;
  repo: IdentityRepository;
  /** The deployment a job, stream or schedule belongs to; undefined when there is none. */
  deploymentOf: (kind: OwnedKind, id: string) => Promise<string | undefined>;
}

/** Checks what principals may do; throws a 403 naming the permission a caller lacks. */
export class AccessControl {
  constructor(private readonly deps: AccessControlDeps) {}

  get auth(): Authenticator {
    return this.deps.auth;
  }

  /** Throws unless the principal holds `permission` at all. */
  require(principal: Principal, permission: Permission): void {
    if (holds(principal, permission)) return;
    throw new ForbiddenError(
      principal.scopes !== undefined && !principal.scopes.includes(permission)
        ? `the personal token's scopes (${principal.scopes.join(', ') || 'none'}) do not include "${permission}": make one that does (POST /api/tokens)`
        : `${actorOf(principal)} (${principal.role}) may not do this: it needs the "${permission}" permission; an admin can change the role (PUT /api/users/${encodeURIComponent(principal.user ?? '')})`,
      permission,
    );
  }

  /** Whether the principal may change `deployment`: an admin, its owner, or one it is shared with. */
  async mayManage(principal: Principal, deployment: string): Promise<boolean> {
    if (!holds(principal, 'manage')) return false;
    if (principal.role === 'admin') return true;
    if (principal.user === null) return false;
    const { repo } = this.deps;
    return (
      (await repo.owner(deployment)) === principal.user ||
      (await repo.isSharedWith(deployment, principal.user))
    );
  }

  /** Throws unless the principal may change `deployment`. */
  async requireManage(principal: Principal, deployment: string): Promise<void> {
    this.require(principal, 'manage');
    if (await this.mayManage(principal, deployment)) return;
    const owner = await this.deps.repo.owner(deployment);
    throw new ForbiddenError(
      `${actorOf(principal)} may not change deployment ${deployment}: it needs the "manage" permission on it, which its owner${owner ? ` (${owner})` : ''} has, and an admin, and those it is shared with (POST /api/deployments/${deployment}/shares)`,
      'manage',
    );
  }

  /** Throws unless the principal may publish to `name`: `publish`, or `manage` of it when it exists. */
  async requirePublish(principal: Principal, name: string, exists: boolean): Promise<void> {
    if (exists) await this.requireManage(principal, name);
    else this.require(principal, 'publish');
  }

  /** Throws unless the principal may do what `need` says. */
  async check(principal: Principal, need: Need): Promise<void> {
    if (need.permission === null) return;
    if (need.permission !== 'manage') return this.require(principal, need.permission);
    const deployment =
      need.deployment ??
      (need.owned && (await this.deps.deploymentOf(need.owned.kind, need.owned.id)));
    // Nothing by that id: the route answers its 404, to those who may manage anything at all.
    if (deployment === undefined) return this.require(principal, 'manage');
    await this.requireManage(principal, deployment);
  }

  /**
   * The management API's gate: authenticates the caller, keeps the principal for the handlers
   * (`c.get('principal')`), and lets the request through only with what `needOf` says it
   * needs. `allowQueryToken` also takes `?token=` (pages a browser opens, an EventSource).
   */
  middleware(opts: { allowQueryToken?: boolean } = {}): MiddlewareHandler<AccessEnv> {
    return async (c, next) => {
      const principal = await this.deps.auth.principal(
        credentialsOf(
          (name) => c.req.header(name),
          opts.allowQueryToken ? c.req.query('token') : undefined,
        ),
      );
      c.set('principal', principal);
      await this.check(principal, needOf(c.req.method, c.req.path));
      await next();
    };
  }
}

/** The caller, as the access middleware found it (a handler behind it always has one). */
export function principalOf(c: Context): Principal {
  const principal = (c as Context<AccessEnv>).get('principal');
  if (!principal) throw new Error('no principal: the route is not behind the access middleware');
  return principal;
}
