import { and, desc, eq, inArray, isNull, lt, notInArray, or, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { mergeRollupDeltas, type RollupDelta } from './feature-rollups.js';
import { batchJobs, batchSchedules } from './schema.js';

export type BatchJobRow = typeof batchJobs.$inferSelect;
export type NewBatchJob = typeof batchJobs.$inferInsert;
export type BatchScheduleRow = typeof batchSchedules.$inferSelect;
export type NewBatchSchedule = typeof batchSchedules.$inferInsert;

/** A job's state; the last three are final. */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Where a chunk left the job: what its holder writes after the chunk's output is on disk. */
export type JobCheckpoint = Pick<
  BatchJobRow,
  'rowsDone' | 'errors' | 'bytesDone' | 'outputBytes' | 'errorsBytes' | 'outputColumns'
> &
  Partial<Pick<BatchJobRow, 'rowsTotal' | 'bytesTotal'>>;

const ACTIVE: JobState[] = ['queued', 'running'];

/** `now() + ms`, in the database's clock: every gateway measures leases by the same one. */
const inMs = (ms: number) => sql`now() + ${Math.round(ms)} * interval '1 millisecond'`;

/**
 * Batch jobs and their schedules. A job is held by one gateway at a time through a lease it
 * renews at every checkpoint: a job whose holder stopped renewing (it crashed) is taken over
 * by the next gateway that looks, and goes on from its last checkpoint. Claims skip rows
 * another transaction holds (`FOR UPDATE SKIP LOCKED`), so gateways never take the same job.
 */
export class BatchRepository {
  constructor(private readonly db: Db) {}

  async insert(job: NewBatchJob): Promise<BatchJobRow> {
    const [row] = await this.db.insert(batchJobs).values(job).returning();
    return row!;
  }

  async get(id: string): Promise<BatchJobRow | undefined> {
    const [row] = await this.db.select().from(batchJobs).where(eq(batchJobs.id, id));
    return row;
  }

  /** The newest jobs first, of one deployment or of all. */
  async list(opts: { deployment?: string; limit: number }): Promise<BatchJobRow[]> {
    return this.db
      .select()
      .from(batchJobs)
      .where(opts.deployment ? eq(batchJobs.deploymentName, opts.deployment) : undefined)
      .orderBy(desc(batchJobs.createdAt))
      .limit(opts.limit);
  }

  /**
   * Takes the oldest job that waits, or whose holder's lease ran out, for `owner`, until
   * `leaseMs` from now; undefined when there is none. `skip`: jobs the caller runs already
   * (a lease it was late to renew is not a job to start again).
   */
  async claim(
    owner: string,
    leaseMs: number,
    skip: readonly string[] = [],
  ): Promise<BatchJobRow | undefined> {
    const next = this.db
      .select({ id: batchJobs.id })
      .from(batchJobs)
      .where(
        and(
          or(
            eq(batchJobs.state, 'queued'),
            and(eq(batchJobs.state, 'running'), lt(batchJobs.leaseUntil, sql`now()`)),
          ),
          skip.length > 0 ? notInArray(batchJobs.id, [...skip]) : undefined,
        ),
      )
      .orderBy(batchJobs.createdAt)
      .limit(1)
      .for('update', { skipLocked: true });
    const [row] = await this.db
      .update(batchJobs)
      .set({
        state: 'running',
        owner,
        leaseUntil: inMs(leaseMs),
        startedAt: sql`coalesce(${batchJobs.startedAt}, now())`,
        resumedAt: sql`now()`,
        resumedRows: sql`${batchJobs.rowsDone}`,
      })
      .where(inArray(batchJobs.id, next))
      .returning();
    return row;
  }

  /**
   * Moves the job on to a checkpoint and renews the lease; false when `owner` no longer holds
   * it (it was cancelled, or taken over after the lease ran out): the holder stops. `rollups`
   * (the drift rollups of the rows it moves over) are merged in the same transaction, so that
   * a row counts in drift exactly once whatever crashes.
   */
  async checkpoint(
    id: string,
    owner: string,
    at: JobCheckpoint,
    leaseMs: number,
    rollups: readonly RollupDelta[] = [],
  ): Promise<boolean> {
    return this.moved(rollups, (db) =>
      db
        .update(batchJobs)
        .set({ ...at, leaseUntil: inMs(leaseMs) })
        .where(this.held(id, owner))
        .returning({ id: batchJobs.id }),
    );
  }

  /** Renews the lease alone (a slow chunk); false when `owner` no longer holds the job. */
  async renew(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const updated = await this.db
      .update(batchJobs)
      .set({ leaseUntil: inMs(leaseMs) })
      .where(this.held(id, owner))
      .returning({ id: batchJobs.id });
    return updated.length === 1;
  }

  /** Ends a job its holder ran (merging `rollups`, as `checkpoint`): false when it no longer held it. */
  async finish(
    id: string,
    owner: string,
    end: { state: 'succeeded' | 'failed'; error?: BatchJobRow['error'] } & Partial<JobCheckpoint>,
    rollups: readonly RollupDelta[] = [],
  ): Promise<boolean> {
    const { state, error = null, ...at } = end;
    return this.moved(rollups, (db) =>
      db
        .update(batchJobs)
        .set({ ...at, state, error, finishedAt: sql`now()`, owner: null, leaseUntil: null })
        .where(this.held(id, owner))
        .returning({ id: batchJobs.id }),
    );
  }

  /** Whether `update` moved the held job, with `rollups` merged if it did (one transaction). */
  private async moved(
    rollups: readonly RollupDelta[],
    update: (db: Db) => Promise<{ id: string }[]>,
  ): Promise<boolean> {
    if (rollups.length === 0) return (await update(this.db)).length === 1;
    return this.db.transaction(async (tx) => {
      const db = tx as unknown as Db;
      if ((await update(db)).length !== 1) return false;
      await mergeRollupDeltas(db, rollups);
      return true;
    });
  }

  /** Cancels a job that waits or runs; undefined when it had already ended (or is unknown). */
  async cancel(id: string): Promise<BatchJobRow | undefined> {
    const [row] = await this.db
      .update(batchJobs)
      .set({ state: 'cancelled', finishedAt: sql`now()`, owner: null, leaseUntil: null })
      .where(and(eq(batchJobs.id, id), inArray(batchJobs.state, ACTIVE)))
      .returning();
    return row;
  }

  /** Removes an ended job; false when it is unknown or still active. */
  async remove(id: string): Promise<boolean> {
    const deleted = await this.db
      .delete(batchJobs)
      .where(and(eq(batchJobs.id, id), sql`${batchJobs.state} not in ('queued', 'running')`))
      .returning({ id: batchJobs.id });
    return deleted.length === 1;
  }

  /** Lets go of a job `owner` holds (a gateway closing): it waits for the next taker. */
  async release(id: string, owner: string): Promise<void> {
    await this.db
      .update(batchJobs)
      .set({ state: 'queued', owner: null, leaseUntil: null })
      .where(this.held(id, owner));
  }

  /**
   * Embedded database only (one gateway can open it): every running job was left by a
   * gateway that stopped, so its lease is ended now rather than waited out.
   */
  async expireLeases(): Promise<void> {
    await this.db
      .update(batchJobs)
      .set({ leaseUntil: sql`now() - interval '1 millisecond'` })
      .where(eq(batchJobs.state, 'running'));
  }

  private held(id: string, owner: string) {
    return and(eq(batchJobs.id, id), eq(batchJobs.owner, owner), eq(batchJobs.state, 'running'));
  }

  // Schedules

  async insertSchedule(schedule: NewBatchSchedule): Promise<BatchScheduleRow> {
    const [row] = await this.db.insert(batchSchedules).values(schedule).returning();
    return row!;
  }

  async schedules(deployment?: string): Promise<BatchScheduleRow[]> {
    return this.db
      .select()
      .from(batchSchedules)
      .where(deployment ? eq(batchSchedules.deploymentName, deployment) : undefined)
      .orderBy(batchSchedules.createdAt);
  }

  async schedule(id: string): Promise<BatchScheduleRow | undefined> {
    const [row] = await this.db.select().from(batchSchedules).where(eq(batchSchedules.id, id));
    return row;
  }

  async removeSchedule(id: string): Promise<boolean> {
    const deleted = await this.db
      .delete(batchSchedules)
      .where(eq(batchSchedules.id, id))
      .returning({ id: batchSchedules.id });
    return deleted.length === 1;
  }

  /**
   * Marks a schedule's firing at `at`, if it was last fired at `before` still: of several
   * gateways that tick, the one whose mark lands starts the job.
   */
  async claimFiring(id: string, before: Date | null, at: Date): Promise<boolean> {
    const updated = await this.db
      .update(batchSchedules)
      .set({ lastFiredAt: at })
      .where(
        and(
          eq(batchSchedules.id, id),
          before === null
            ? isNull(batchSchedules.lastFiredAt)
            : eq(batchSchedules.lastFiredAt, before),
        ),
      )
      .returning({ id: batchSchedules.id });
    return updated.length === 1;
  }
}
