import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db } from './client.js';
import { shareLinks } from './schema.js';

/** A share link as stored: never its token, only the token's hash. */
export interface ShareLinkRecord {
  id: string;
  deploymentName: string;
  label: string | null;
  ratePerMinute: number;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

const record = {
  id: shareLinks.id,
  deploymentName: shareLinks.deploymentName,
  label: shareLinks.label,
  ratePerMinute: shareLinks.ratePerMinute,
  createdAt: shareLinks.createdAt,
  expiresAt: shareLinks.expiresAt,
  revokedAt: shareLinks.revokedAt,
};

/** The end-user page's share links (the `share_links` table). */
export class ShareLinkRepository {
  constructor(private readonly db: Db) {}

  async create(
    link: Omit<ShareLinkRecord, 'revokedAt'> & { hash: string },
  ): Promise<ShareLinkRecord> {
    const [row] = await this.db.insert(shareLinks).values(link).returning(record);
    return row!;
  }

  /** A deployment's links, revoked and expired ones too, oldest first. */
  async list(name: string): Promise<ShareLinkRecord[]> {
    return this.db
      .select(record)
      .from(shareLinks)
      .where(eq(shareLinks.deploymentName, name))
      .orderBy(asc(shareLinks.createdAt), asc(shareLinks.id));
  }

  /** The link a token's hash belongs to, whatever its state. */
  async byHash(hash: string): Promise<ShareLinkRecord | undefined> {
    const [row] = await this.db.select(record).from(shareLinks).where(eq(shareLinks.hash, hash));
    return row;
  }

  /** Marks a link revoked; false when the deployment has no such link (or it was revoked). */
  async revoke(name: string, id: string, at: Date): Promise<boolean> {
    const rows = await this.db
      .update(shareLinks)
      .set({ revokedAt: at })
      .where(
        and(
          eq(shareLinks.deploymentName, name),
          eq(shareLinks.id, id),
          isNull(shareLinks.revokedAt),
        ),
      )
      .returning({ id: shareLinks.id });
    return rows.length > 0;
  }
}
