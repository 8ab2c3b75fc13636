/** Share links of the end-user page (`/api/deployments/:name/share-links`). Imports nothing. */

/** One share link as listed: never its token. */
export interface ShareLinkInfo {
  id: string;
  label: string | null;
  /** Form posts a minute the link may make. */
  ratePerMinute: number;
  createdAt: string;
  expiresAt: string;
  /** When it was revoked; null: it was not. */
  revokedAt: string | null;
  /** `active`, `expired` or `revoked`. */
  state: 'active' | 'expired' | 'revoked';
}

/** `POST /api/deployments/:name/share-links`: the link, with its URL shown this once. */
export interface NewShareLink extends ShareLinkInfo {
  /** Open it in a browser: the page exchanges the token for a cookie and drops it from the URL. */
  url: string;
}

/** The body of `POST /api/deployments/:name/share-links`. */
export interface NewShareLinkRequest {
  label?: string;
  /** Seconds from now until it stops working; default a week. */
  expiresInSeconds?: number;
  /** Form posts a minute; default 30. */
  ratePerMinute?: number;
}

/** `GET /api/deployments/:name/share-links`. */
export interface ShareLinkList {
  shareLinks: ShareLinkInfo[];
}
