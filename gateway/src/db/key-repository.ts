import { and, asc, eq, gt, isNull, lte, ne, or } from 'drizzle-orm';
import type { Db } from './client.js';
import { tokens } from './schema.js';

/** An invoke key as stored: never the key itself, only its hash. */
export interface KeyRecord {
  id: string;
  deploymentName: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

/** What the data plane needs to admit a call made with a key. */
export interface KeyOwner {
  id: string;
  deploymentName: string;
  expiresAt: Date | null;
}

const record = {
  id: tokens.id,
  deploymentName: tokens.deploymentName,
  createdAt: tokens.createdAt,
  expiresAt: tokens.expiresAt,
  lastUsedAt: tokens.lastUsedAt,
};

/** A deployment's invoke keys (the `tokens` table). */
export class KeyRepository {
  constructor(private readonly db: Db) {}

  /** The keys of a deployment not expired at `now`, oldest first. */
  async list(name: string, now: Date): Promise<KeyRecord[]> {
    return this.db
      .select(record)
      .from(tokens)
      .where(
        and(
          eq(tokens.deploymentName, name),
          or(isNull(tokens.expiresAt), gt(tokens.expiresAt, now)),
        ),
      )
      .orderBy(asc(tokens.createdAt), asc(tokens.id));
  }

  async get(name: string, id: string): Promise<KeyRecord | undefined> {
    const [row] = await this.db
      .select(record)
      .from(tokens)
      .where(and(eq(tokens.deploymentName, name), eq(tokens.id, id)));
    return row;
  }

  /**
   * Stores a new key and, when `revokeOthersAt` is given, makes every other key of the
   * deployment expire then (never later than it already would); keys already expired at
   * `now` are deleted. One transaction.
   */
  async issue(key: {
    id: string;
    deploymentName: string;
    hash: string;
    now: Date;
    revokeOthersAt: Date | null;
  }): Promise<KeyRecord> {
    return this.db.transaction(async (tx) => {
      const others = and(eq(tokens.deploymentName, key.deploymentName), ne(tokens.id, key.id));
      const [row] = await tx
        .insert(tokens)
        .values({
          id: key.id,
          deploymentName: key.deploymentName,
          hash: key.hash,
          createdAt: key.now,
        })
        .returning(record);
      if (key.revokeOthersAt) {
        const at = key.revokeOthersAt;
        await tx
          .update(tokens)
          .set({ expiresAt: at })
          .where(and(others, or(isNull(tokens.expiresAt), gt(tokens.expiresAt, at))));
      }
      await tx.delete(tokens).where(and(others, lte(tokens.expiresAt, key.now)));
      return row!;
    });
  }

  /** Deletes one key; false when the deployment has no such key. */
  async revoke(name: string, id: string): Promise<boolean> {
    const deleted = await this.db
      .delete(tokens)
      .where(and(eq(tokens.deploymentName, name), eq(tokens.id, id)))
      .returning({ id: tokens.id });
    return deleted.length === 1;
  }

  /** The deployment (and expiry) of a key, by hash. */
  async ownerOfHash(hash: string): Promise<KeyOwner | undefined> {
    const [row] = await this.db
      .select({ id: tokens.id, deploymentName: tokens.deploymentName, expiresAt: tokens.expiresAt })
      .from(tokens)
      .where(eq(tokens.hash, hash));
    return row;
  }

  /** Records that a key was used at `at` (never moving the time back). */
  async touch(id: string, at: Date): Promise<void> {
    await this.db
      .update(tokens)
      .set({ lastUsedAt: at })
      .where(and(eq(tokens.id, id), or(isNull(tokens.lastUsedAt), lte(tokens.lastUsedAt, at))));
  }
}
