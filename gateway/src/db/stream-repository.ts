import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { streamBindings } from './schema.js';

/** A stream binding as stored. */
export type StreamBindingRecord = typeof streamBindings.$inferSelect;

/** What a new binding is stored with. */
export type NewStreamBinding = Omit<
  typeof streamBindings.$inferInsert,
  'paused' | 'consumed' | 'produced' | 'deadLettered' | 'createdAt'
>;

/** Messages one gateway handled since it last flushed. */
export interface StreamCounts {
  consumed: number;
  produced: number;
  deadLettered: number;
}

/** Stream bindings (the `stream_bindings` table). */
export class StreamRepository {
  constructor(private readonly db: Db) {}

  /** Stores a new binding; undefined when its group already reads its input topic. */
  async create(binding: NewStreamBinding): Promise<StreamBindingRecord | undefined> {
    const [row] = await this.db
      .insert(streamBindings)
      .values(binding)
      .onConflictDoNothing({ target: [streamBindings.groupId, streamBindings.inputTopic] })
      .returning();
    return row;
  }

  async get(id: string): Promise<StreamBindingRecord | undefined> {
    const [row] = await this.db.select().from(streamBindings).where(eq(streamBindings.id, id));
    return row;
  }

  /** Every binding, or a deployment's; oldest first. */
  async list(deployment?: string): Promise<StreamBindingRecord[]> {
    const q = this.db.select().from(streamBindings);
    return (
      deployment === undefined ? q : q.where(eq(streamBindings.deploymentName, deployment))
    ).orderBy(asc(streamBindings.createdAt), asc(streamBindings.id));
  }

  async setPaused(id: string, paused: boolean): Promise<StreamBindingRecord | undefined> {
    const [row] = await this.db
      .update(streamBindings)
      .set({ paused })
      .where(eq(streamBindings.id, id))
      .returning();
    return row;
  }

  /** True when it existed. */
  async delete(id: string): Promise<boolean> {
    const rows = await this.db
      .delete(streamBindings)
      .where(eq(streamBindings.id, id))
      .returning({ id: streamBindings.id });
    return rows.length > 0;
  }

  /** Adds one gateway's counts to the totals (a binding deleted meanwhile is left alone). */
  async addCounts(id: string, counts: StreamCounts): Promise<void> {
    await this.db
      .update(streamBindings)
      .set({
        consumed: sql`${streamBindings.consumed} + ${counts.consumed}`,
        produced: sql`${streamBindings.produced} + ${counts.produced}`,
        deadLettered: sql`${streamBindings.deadLettered} + ${counts.deadLettered}`,
      })
      .where(eq(streamBindings.id, id));
  }
}
