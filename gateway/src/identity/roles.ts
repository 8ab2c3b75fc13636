/**
 * Who may do what on the management API. A principal is the caller as authenticated: the admin
 * token, a user asserted by the Jupyter server's proxy, or a user's personal token (whose
 * scopes narrow the user's role, never widen it).
 */

export const ROLES = ['admin', 'publisher', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * - `read`: see deployments, calls, monitoring, jobs, pools (and call a deployment).
 * - `publish`: publish a new deployment, or a version of one the caller manages.
 * - `manage`: change or delete a deployment the caller owns or was shared (an admin: any).
 * - `admin`: users, other users' tokens, the audit log, the runners' artifacts.
 */
export const PERMISSIONS = ['read', 'publish', 'manage', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: PERMISSIONS,
  publisher: ['read', 'publish', 'manage'],
  viewer: ['read'],
};

export interface Principal {
  /** The user; null for the admin token, which is nobody's. */
  user: string | null;
  role: Role;
  /** How the caller authenticated: `admin-token`, `proxy`, or `token:<id>`. */
  via: string;
  /** A personal token's scopes; absent: the role's permissions. */
  scopes?: readonly Permission[];
}

export const isRole = (value: unknown): value is Role => ROLES.includes(value as Role);
export const isPermission = (value: unknown): value is Permission =>
  PERMISSIONS.includes(value as Permission);

/** Whether the principal has `permission` at all (its role's, narrowed by its token's scopes). */
export function holds(principal: Principal, permission: Permission): boolean {
  if (!GRANTS[principal.role].includes(permission)) return false;
  return principal.scopes === undefined || principal.scopes.includes(permission);
}

/** How the principal is named in messages and the audit log. */
export const actorOf = (principal: Principal | undefined): string =>
  principal === undefined ? 'unknown' : (principal.user ?? 'admin token');

/**
 * A user's name as the proxy asserts it (JupyterHub's names, e-mail addresses): ASCII letters,
 * digits and `_.@+-`, spaces after the first. ASCII because it travels in a header, and the
 * same rule in the OpenAPI document as in the checks.
 */
export const USER_NAME = /^[A-Za-z0-9_.@+-][A-Za-z0-9_ .@+-]{0,127}$/;
export const USER_NAME_RULE =
  "1 to 128 ASCII letters, digits, spaces or '_.@+-', not starting with a space";
