// Users, personal tokens and the audit log as the management API answers them (issue 21).

export type RoleName = 'admin' | 'publisher' | 'viewer';
export type PermissionName = 'read' | 'publish' | 'manage' | 'admin';

/** `GET /api/me`: who the caller is, and what it may do. */
export interface Me {
  /** null: the admin token, which is nobody's. */
  user: string | null;
  role: RoleName;
  /** How the caller authenticated: `admin-token`, `proxy` or `token:<id>`. */
  via: string;
  /** The role's permissions, narrowed by a personal token's scopes. */
  permissions: PermissionName[];
}

/** A personal token, never its secret (`POST /api/tokens` answers that once). */
export interface TokenView {
  id: string;
  user: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
  state: 'active' | 'expired' | 'revoked';
}

/** One management action in the audit log. */
export interface AuditEntry {
  id: number;
  time: string;
  /** The user; `admin token`, or `unknown` when the caller was not authenticated. */
  actor: string;
  /** `admin-token`, `proxy`, `token:<id>`, or `none`. */
  via: string;
  method: string;
  path: string;
  deploymentName: string | null;
  status: number;
  remote: string | null;
  requestId: string | null;
}

/** `GET /api/audit`'s filters; absent ones do not filter. */
export interface AuditQuery {
  actor?: string;
  deployment?: string;
  from?: Date;
  to?: Date;
  limit?: number;
}
