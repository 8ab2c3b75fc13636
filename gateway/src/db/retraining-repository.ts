import {
  and,
  asc,
  count,
  desc,
  eq,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  ne,
  or,
  gt,
} from 'drizzle-orm';
import type { RetrainingPolicy, RetrainRun } from '../protocol/retraining.js';
import { UUID, type Db } from './client.js';
import {
  artifacts,
  invocations,
  predictions,
  retrainingPolicies,
  retrainRuns,
  trainers,
} from './schema.js';
import type { Label } from '../protocol/monitoring.js';
import { SHADOW_PROTOCOL } from './invocation-repository.js';

export type TrainerRow = typeof trainers.$inferSelect;
export type RetrainRunRow = typeof retrainRuns.$inferSelect;
export type NewRetrainRun = typeof retrainRuns.$inferInsert;

/** What a run's progress changes. */
export type RunChange = Partial<
  Pick<
    RetrainRunRow,
    | 'status'
    | 'trainingRows'
    | 'holdoutRows'
    | 'candidateVersion'
    | 'gate'
    | 'decision'
    | 'error'
    | 'log'
    | 'notebook'
    | 'finishedAt'
    | 'durationMs'
  >
>;

/** A labelled prediction, with what its call's log kept to find its record. */
export interface LabelledRow {
  id: string;
  version: number;
  time: Date;
  actual: Label;
}

/** What the log kept of a call: its protocol and input (null when not kept). */
export interface LoggedInput {
  id: string;
  version: number;
  protocol: string;
  input: unknown;
}

/** Postgres' unique_violation: a second running run of a deployment. */
const UNIQUE_VIOLATION = '23505';

/** Training notebooks, retraining policies and retraining runs. */
export class RetrainingRepository {
  constructor(private readonly db: Db) {}

  async trainer(
    name: string,
  ): Promise<(TrainerRow & { trainingFileSize: number | null }) | undefined> {
    const [row] = await this.db.select().from(trainers).where(eq(trainers.deploymentName, name));
    if (!row) return undefined;
    if (!row.trainingFileSha256) return { ...row, trainingFileSize: null };
    const [file] = await this.db
      .select({ size: artifacts.size })
      .from(artifacts)
      .where(eq(artifacts.sha256, row.trainingFileSha256));
    return { ...row, trainingFileSize: file ? Number(file.size) : null };
  }

  /**
   * Stores (replacing) a deployment's trainer, its files already in the artifact store.
   * Returns the files the replaced trainer used, for the caller to drop when unused.
   */
  async putTrainer(
    row: Omit<TrainerRow, 'createdAt'>,
    sizes: { artifact: number; trainingFile: number | null },
  ): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      await tx
        .insert(artifacts)
        .values({ sha256: row.artifactSha256, size: sizes.artifact })
        .onConflictDoNothing();
      if (row.trainingFileSha256 && sizes.trainingFile !== null)
        await tx
          .insert(artifacts)
          .values({ sha256: row.trainingFileSha256, size: sizes.trainingFile })
          .onConflictDoNothing();
      const [before] = await tx
        .select()
        .from(trainers)
        .where(eq(trainers.deploymentName, row.deploymentName))
        .for('update');
      await tx
        .insert(trainers)
        .values(row)
        .onConflictDoUpdate({
          target: trainers.deploymentName,
          set: { ...row, createdAt: new Date() },
        });
      if (!before) return [];
      return [before.artifactSha256, before.trainingFileSha256].filter(
        (s): s is string => !!s && s !== row.artifactSha256 && s !== row.trainingFileSha256,
      );
    });
  }

  /** Removes a deployment's trainer; answers its files (none: there was no trainer). */
  async deleteTrainer(name: string): Promise<string[] | undefined> {
    const [gone] = await this.db
      .delete(trainers)
      .where(eq(trainers.deploymentName, name))
      .returning();
    if (!gone) return undefined;
    return [gone.artifactSha256, gone.trainingFileSha256].filter((s): s is string => !!s);
  }

  async policy(
    name: string,
  ): Promise<{ policy: RetrainingPolicy; lastScheduledAt: Date | null } | undefined> {
    const [row] = await this.db
      .select()
      .from(retrainingPolicies)
      .where(eq(retrainingPolicies.deploymentName, name));
    return row && { policy: row.policy as RetrainingPolicy, lastScheduledAt: row.lastScheduledAt };
  }

  /** Every stored policy with a schedule, for the scheduler. */
  async scheduled(): Promise<
    { name: string; policy: RetrainingPolicy; lastScheduledAt: Date | null }[]
  > {
    const rows = await this.db.select().from(retrainingPolicies);
    return rows
      .map((r) => ({
        name: r.deploymentName,
        policy: r.policy as RetrainingPolicy,
        lastScheduledAt: r.lastScheduledAt,
      }))
      .filter((r) => r.policy.schedule !== null);
  }

  /** Stores a policy; a schedule counts its firings from `at` (when it was set). */
  async putPolicy(name: string, policy: RetrainingPolicy, at: Date): Promise<void> {
    const lastScheduledAt = policy.schedule ? at : null;
    await this.db
      .insert(retrainingPolicies)
      .values({ deploymentName: name, policy, lastScheduledAt })
      .onConflictDoUpdate({
        target: retrainingPolicies.deploymentName,
        set: { policy, lastScheduledAt },
      });
  }

  /**
   * Marks a schedule's firing at `at`, unless another gateway already did (its mark is at or
   * after `at`): true when this caller is the one to start the run.
   */
  async claimSchedule(name: string, before: Date | null, at: Date): Promise<boolean> {
    const updated = await this.db
      .update(retrainingPolicies)
      .set({ lastScheduledAt: at })
      .where(
        and(
          eq(retrainingPolicies.deploymentName, name),
          before === null
            ? isNull(retrainingPolicies.lastScheduledAt)
            : eq(retrainingPolicies.lastScheduledAt, before),
        ),
      )
      .returning({ name: retrainingPolicies.deploymentName });
    return updated.length === 1;
  }

  /**
   * Stores a new run. A `running` run while another runs for the deployment is refused by the
   * database (one at a time, also across gateways): answers false, and nothing is stored.
   */
  async insertRun(run: NewRetrainRun): Promise<boolean> {
    try {
      await this.db.insert(retrainRuns).values(run);
      return true;
    } catch (err) {
      if (run.status === 'running' && isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async updateRun(id: string, change: RunChange): Promise<void> {
    await this.db.update(retrainRuns).set(change).where(eq(retrainRuns.id, id));
  }

  async run(name: string, id: string): Promise<RetrainRunRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const [row] = await this.db
      .select()
      .from(retrainRuns)
      .where(and(eq(retrainRuns.deploymentName, name), eq(retrainRuns.id, id)));
    return row;
  }

  async runs(name: string, limit = 100): Promise<RetrainRunRow[]> {
    return this.db
      .select()
      .from(retrainRuns)
      .where(eq(retrainRuns.deploymentName, name))
      .orderBy(desc(retrainRuns.createdAt))
      .limit(limit);
  }

  /** Labelled predictions of a deployment in [from, to). */
  async countLabelled(name: string, from: Date, to: Date): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(predictions)
      .where(labelledIn(name, from, to));
    return Number(row?.n ?? 0);
  }

  /** A page of labelled predictions in [from, to), oldest first, after `after` (time, id). */
  async labelledPage(
    name: string,
    from: Date,
    to: Date,
    after: { time: Date; id: string } | null,
    limit: number,
  ): Promise<LabelledRow[]> {
    const rows = await this.db
      .select({
        id: predictions.id,
        version: predictions.version,
        time: predictions.time,
        actual: predictions.actual,
      })
      .from(predictions)
      .where(
        and(
          labelledIn(name, from, to),
          after
            ? or(
                gt(predictions.time, after.time),
                and(eq(predictions.time, after.time), gt(predictions.id, after.id)),
              )
            : undefined,
        ),
      )
      .orderBy(asc(predictions.time), asc(predictions.id))
      .limit(limit);
    return rows.map((r) => ({ ...r, actual: r.actual as Label }));
  }

  /** The logged inputs of these calls (by the primary key), where the log kept them. */
  async loggedInputs(name: string, callIds: readonly string[]): Promise<LoggedInput[]> {
    const ids = [...new Set(callIds)].filter((id) => UUID.test(id));
    if (ids.length === 0) return [];
    return this.db
      .select({
        id: invocations.id,
        version: invocations.version,
        protocol: invocations.protocol,
        input: invocations.input,
      })
      .from(invocations)
      .where(
        and(
          inArray(invocations.id, ids),
          eq(invocations.deploymentName, name),
          isNotNull(invocations.input),
          ne(invocations.protocol, SHADOW_PROTOCOL),
        ),
      );
  }

  /** Runs left `running` by a gateway that stopped: they end as failed. */
  async failRunning(message: string, at: Date): Promise<RetrainRunRow[]> {
    return this.db
      .update(retrainRuns)
      .set({
        status: 'failed',
        error: { code: 'gateway_restarted', message },
        finishedAt: at,
      })
      .where(eq(retrainRuns.status, 'running'))
      .returning();
  }
}

/** The wire form of a stored run. */
export function presentRun(r: RetrainRunRow, publicUrl: string): RetrainRun {
  return {
    id: r.id,
    deployment: r.deploymentName,
    trigger: r.trigger as RetrainRun['trigger'],
    triggerDetail: r.triggerDetail,
    status: r.status as RetrainRun['status'],
    window: { from: r.windowFrom.toISOString(), to: r.windowTo.toISOString() },
    trainingRows: r.trainingRows,
    holdoutRows: r.holdoutRows,
    parameters: r.parameters as Record<string, unknown>,
    liveVersion: r.liveVersion,
    candidateVersion: r.candidateVersion,
    gate: (r.gate as RetrainRun['gate']) ?? null,
    decision: (r.decision as RetrainRun['decision']) ?? null,
    error: (r.error as RetrainRun['error']) ?? null,
    log: r.log,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    durationMs: r.durationMs,
    notebookUrl: r.notebook
      ? `${publicUrl}/api/deployments/${encodeURIComponent(r.deploymentName)}/retrain-runs/${r.id}/notebook`
      : null,
  };
}

function labelledIn(name: string, from: Date, to: Date) {
  return and(
    eq(predictions.deploymentName, name),
    isNotNull(predictions.actual),
    gte(predictions.time, from),
    lt(predictions.time, to),
  );
}

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause)
    if ((e as { code?: unknown }).code === UNIQUE_VIOLATION) return true;
  return false;
}
