/** One invoke key of a deployment, as listed: never the key itself. */
export interface InvokeKeyInfo {
  id: string;
  createdAt: string;
  /** When a call last used it, to within a minute; null: never used. */
  lastUsedAt: string | null;
  /** When it stops working (a rotation's grace period); null: it does not expire. */
  expiresAt: string | null;
}

/** `GET /api/deployments/:name/keys`. */
export interface InvokeKeyList {
  keys: InvokeKeyInfo[];
}

/** `POST /api/deployments/:name/keys`: the new key, shown this once. */
export interface NewInvokeKey {
  id: string;
  key: string;
  createdAt: string;
}

/** The body of `POST /api/deployments/:name/keys`. */
export interface NewInvokeKeyRequest {
  /** Revoke every other key this many seconds from now (0: at once); absent: keep them. */
  revokeOthersAfterSeconds?: number;
}
