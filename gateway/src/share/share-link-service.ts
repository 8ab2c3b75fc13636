import { randomBytes, randomUUID } from 'node:crypto';
import { hashToken } from '../auth/tokens.js';
import type { DeploymentRepository } from '../db/deployment-repository.js';
import type { ShareLinkRecord, ShareLinkRepository } from '../db/share-link-repository.js';
import { NotFoundError, UnauthorizedError } from '../errors.js';
import type {
  NewShareLink,
  NewShareLinkRequest,
  ShareLinkInfo,
  ShareLinkList,
} from '../protocol/share-links.js';

/** A week. */
export const DEFAULT_SHARE_SECONDS = 7 * 86_400;
export const DEFAULT_SHARE_RATE = 30;

export interface ShareLinkServiceDeps {
  repo: DeploymentRepository;
  links: ShareLinkRepository;
  /** Base of the URLs handed out (`SLIPWAY_PUBLIC_URL`). */
  publicUrl: string;
  now?: () => number;
}

/** A share link's token: recognisable, 32 random bytes. */
const newShareToken = () => `ss_${randomBytes(32).toString('base64url')}`;

/**
 * Share links: form tokens good for one deployment's end-user page and nothing else, that
 * expire, can be revoked, and are stored only as hashes.
 */
export class ShareLinkService {
  constructor(private readonly deps: ShareLinkServiceDeps) {}

  private now(): Date {
    return new Date((this.deps.now ?? Date.now)());
  }

  async create(name: string, req: NewShareLinkRequest): Promise<NewShareLink> {
    await this.require(name);
    const now = this.now();
    const token = newShareToken();
    const row = await this.deps.links.create({
      id: randomUUID(),
      deploymentName: name,
      hash: hashToken(token),
      label: req.label ?? null,
      ratePerMinute: req.ratePerMinute ?? DEFAULT_SHARE_RATE,
      createdAt: now,
      expiresAt: new Date(now.getTime() + (req.expiresInSeconds ?? DEFAULT_SHARE_SECONDS) * 1000),
    });
    const base = this.deps.publicUrl.replace(/\/+$/, '');
    const url = `${base}/fn/${encodeURIComponent(name)}?share=${encodeURIComponent(token)}`;
    return { ...this.present(row), url };
  }

  async list(name: string): Promise<ShareLinkList> {
    await this.require(name);
    return { shareLinks: (await this.deps.links.list(name)).map((l) => this.present(l)) };
  }

  async revoke(name: string, id: string): Promise<void> {
    await this.require(name);
    if (!(await this.deps.links.revoke(name, id, this.now())))
      throw new NotFoundError(`share link ${id} of deployment ${name}`);
  }

  /**
   * The link a token opens for deployment `name`; 401 saying why when it is unknown, made for
   * another deployment, revoked or expired.
   */
  async admit(name: string, token: string): Promise<ShareLinkRecord> {
    const link = await this.deps.links.byHash(hashToken(token));
    if (!link || link.deploymentName !== name)
      throw new ShareLinkRefusedError('unknown', 'this share link is not valid for this page');
    if (link.revokedAt)
      throw new ShareLinkRefusedError(
        'revoked',
        'this share link was revoked; ask whoever shared it for a new one',
      );
    if (link.expiresAt.getTime() <= this.now().getTime())
      throw new ShareLinkRefusedError(
        'expired',
        `this share link expired at ${link.expiresAt.toISOString()}; ask whoever shared it for a new one`,
      );
    return link;
  }

  private present(l: ShareLinkRecord): ShareLinkInfo {
    const state = l.revokedAt
      ? 'revoked'
      : l.expiresAt.getTime() <= this.now().getTime()
        ? 'expired'
        : 'active';
    return {
      id: l.id,
      label: l.label,
      ratePerMinute: l.ratePerMinute,
      createdAt: l.createdAt.toISOString(),
      expiresAt: l.expiresAt.toISOString(),
      revokedAt: l.revokedAt?.toISOString() ?? null,
      state,
    };
  }

  private async require(name: string): Promise<void> {
    if (!(await this.deps.repo.get(name))) throw new NotFoundError(`deployment ${name}`);
  }
}

/** 401 for a share link that cannot open the page, with why (`share_link_<reason>`). */
export class ShareLinkRefusedError extends UnauthorizedError {
  constructor(
    readonly reason: 'unknown' | 'revoked' | 'expired',
    message: string,
  ) {
    super(message);
  }
}
