import { and, desc, eq, gte, isNull, lte, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { apiTokens, auditLog, deploymentOwners, deploymentShares, users } from './schema.js';
import type { Role } from '../identity/roles.js';
import type {
  AuditEntry as WireAuditEntry,
  AuditQuery as WireAuditQuery,
} from '../protocol/identity.js';

export interface UserRecord {
  name: string;
  role: Role;
  createdAt: Date;
  createdBy: string;
}

/** A personal token as stored: never the token, only its hash. */
export interface ApiTokenRecord {
  id: string;
  userName: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** An audit entry as stored: the wire's (protocol/identity.ts), its time a Date. */
export type AuditEntry = Omit<WireAuditEntry, 'time'> & { time: Date };

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'time'> & { time?: Date };

export type AuditQuery = WireAuditQuery & { limit: number };

const userRecord = {
  name: users.name,
  role: users.role,
  createdAt: users.createdAt,
  createdBy: users.createdBy,
};

const tokenRecord = {
  id: apiTokens.id,
  userName: apiTokens.userName,
  name: apiTokens.name,
  scopes: apiTokens.scopes,
  createdAt: apiTokens.createdAt,
  expiresAt: apiTokens.expiresAt,
  revokedAt: apiTokens.revokedAt,
  lastUsedAt: apiTokens.lastUsedAt,
};

/** Users, their personal tokens, who owns and shares which deployment, and the audit log. */
export class IdentityRepository {
  constructor(private readonly db: Db) {}

  async user(name: string): Promise<UserRecord | undefined> {
    const [row] = await this.db.select(userRecord).from(users).where(eq(users.name, name));
    return row;
  }

  /** The user, made with `role` when the name is new (two first calls at once make one). */
  async userOnSight(name: string, role: Role, createdBy: string): Promise<UserRecord> {
    await this.db.insert(users).values({ name, role, createdBy }).onConflictDoNothing();
    return (await this.user(name))!;
  }

  async users(): Promise<UserRecord[]> {
    return this.db.select(userRecord).from(users).orderBy(users.name);
  }

  /** Creates or changes a user's role. */
  async putUser(name: string, role: Role, by: string): Promise<UserRecord> {
    await this.db
      .insert(users)
      .values({ name, role, createdBy: by })
      .onConflictDoUpdate({ target: users.name, set: { role } });
    return (await this.user(name))!;
  }

  /** Removes a user and their tokens; false when there was none. */
  async deleteUser(name: string): Promise<boolean> {
    const rows = await this.db.delete(users).where(eq(users.name, name)).returning();
    return rows.length > 0;
  }

  async createToken(
    token: Omit<ApiTokenRecord, 'revokedAt' | 'lastUsedAt'> & { hash: string },
  ): Promise<ApiTokenRecord> {
    const [row] = await this.db.insert(apiTokens).values(token).returning(tokenRecord);
    return row!;
  }

  async tokenByHash(hash: string): Promise<ApiTokenRecord | undefined> {
    const [row] = await this.db.select(tokenRecord).from(apiTokens).where(eq(apiTokens.hash, hash));
    return row;
  }

  /** A user's tokens (every user's, without `user`), newest first; revoked ones too. */
  async tokens(user?: string): Promise<ApiTokenRecord[]> {
    return this.db
      .select(tokenRecord)
      .from(apiTokens)
      .where(user === undefined ? undefined : eq(apiTokens.userName, user))
      .orderBy(desc(apiTokens.createdAt), apiTokens.id);
  }

  async token(id: string): Promise<ApiTokenRecord | undefined> {
    const [row] = await this.db.select(tokenRecord).from(apiTokens).where(eq(apiTokens.id, id));
    return row;
  }

  /** Marks a token revoked; false when it was revoked already. */
  async revokeToken(id: string, at: Date): Promise<boolean> {
    const rows = await this.db
      .update(apiTokens)
      .set({ revokedAt: at })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    return rows.length > 0;
  }

  async touchToken(id: string, at: Date): Promise<void> {
    await this.db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id));
  }

  async owner(deployment: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ owner: deploymentOwners.owner })
      .from(deploymentOwners)
      .where(eq(deploymentOwners.deploymentName, deployment));
    return row?.owner;
  }

  /** Records the owner of a deployment that has none yet (its first publisher). */
  async claim(deployment: string, owner: string): Promise<void> {
    await this.db
      .insert(deploymentOwners)
      .values({ deploymentName: deployment, owner })
      .onConflictDoNothing();
  }

  async shares(deployment: string): Promise<string[]> {
    const rows = await this.db
      .select({ user: deploymentShares.userName })
      .from(deploymentShares)
      .where(eq(deploymentShares.deploymentName, deployment))
      .orderBy(deploymentShares.userName);
    return rows.map((r) => r.user);
  }

  async isSharedWith(deployment: string, user: string): Promise<boolean> {
    const [row] = await this.db
      .select({ n: sql<number>`1` })
      .from(deploymentShares)
      .where(
        and(eq(deploymentShares.deploymentName, deployment), eq(deploymentShares.userName, user)),
      );
    return row !== undefined;
  }

  async share(deployment: string, user: string): Promise<void> {
    await this.db
      .insert(deploymentShares)
      .values({ deploymentName: deployment, userName: user })
      .onConflictDoNothing();
  }

  async unshare(deployment: string, user: string): Promise<boolean> {
    const rows = await this.db
      .delete(deploymentShares)
      .where(
        and(eq(deploymentShares.deploymentName, deployment), eq(deploymentShares.userName, user)),
      )
      .returning();
    return rows.length > 0;
  }

  async audit(entry: NewAuditEntry): Promise<void> {
    await this.db.insert(auditLog).values(entry);
  }

  /** Audit entries, newest first. */
  async auditEntries(q: AuditQuery): Promise<AuditEntry[]> {
    const where: SQL[] = [];
    if (q.actor !== undefined) where.push(eq(auditLog.actor, q.actor));
    if (q.deployment !== undefined) where.push(eq(auditLog.deploymentName, q.deployment));
    if (q.from) where.push(gte(auditLog.time, q.from));
    if (q.to) where.push(lte(auditLog.time, q.to));
    return this.db
      .select()
      .from(auditLog)
      .where(and(...where))
      .orderBy(desc(auditLog.time), desc(auditLog.id))
      .limit(q.limit);
  }
}
