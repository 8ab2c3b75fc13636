import { and, desc, eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { approvals } from './schema.js';

export type ApprovalRow = typeof approvals.$inferSelect;
export type ApprovalState = ApprovalRow['state'];

/** Publishes waiting for an admin's approval, and how each was decided (the `approvals` table). */
export class ApprovalRepository {
  constructor(private readonly db: Db) {}

  async insert(row: Omit<ApprovalRow, 'decidedBy' | 'decidedAt' | 'reason' | 'version'>) {
    await this.db.insert(approvals).values(row);
  }

  async get(id: string): Promise<ApprovalRow | undefined> {
    const [row] = await this.db.select().from(approvals).where(eq(approvals.id, id));
    return row;
  }

  /** Newest first; of one state when given. */
  async list(state?: ApprovalState): Promise<ApprovalRow[]> {
    return this.db
      .select()
      .from(approvals)
      .where(state ? eq(approvals.state, state) : undefined)
      .orderBy(desc(approvals.requestedAt), desc(approvals.id));
  }

  /**
   * Decides a pending approval; false when it was decided already (two admins at once: one
   * wins). `version` is filled in once the approved publish made it.
   */
  async decide(
    id: string,
    decision: { state: 'approved' | 'rejected'; by: string; at: Date; reason?: string },
  ): Promise<boolean> {
    const rows = await this.db
      .update(approvals)
      .set({
        state: decision.state,
        decidedBy: decision.by,
        decidedAt: decision.at,
        reason: decision.reason ?? null,
      })
      .where(and(eq(approvals.id, id), eq(approvals.state, 'pending')))
      .returning({ id: approvals.id });
    return rows.length > 0;
  }

  /** An approved publish that failed: why, in its reason. */
  async failed(id: string, reason: string): Promise<void> {
    await this.db.update(approvals).set({ state: 'failed', reason }).where(eq(approvals.id, id));
  }

  async publishedAs(id: string, version: number): Promise<void> {
    await this.db.update(approvals).set({ version }).where(eq(approvals.id, id));
  }
}
