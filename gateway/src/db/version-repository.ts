import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { QualityMetricName } from '../protocol/monitoring.js';
import type {
  CanaryPolicy,
  CanaryView,
  RetrainTrigger,
  VersionEvent,
} from '../protocol/retraining.js';
import type { Db } from './client.js';
import { canaries, retrainRuns, versionEvents } from './schema.js';

/** A deployment's canary as stored: one row per deployment, the last one kept. */
export interface CanaryRecord {
  deploymentName: string;
  version: number;
  liveVersion: number;
  percent: number;
  policy: CanaryPolicy;
  metric: QualityMetricName;
  status: CanaryView['status'];
  analysis: CanaryView['analysis'];
  startedAt: Date;
  endedAt: Date | null;
}

/** What happened to a deployment's versions (`version_events`) and its canary (`canaries`). */
export class VersionRepository {
  constructor(private readonly db: Db) {}

  async recordEvent(name: string, event: VersionEvent): Promise<void> {
    await this.db.insert(versionEvents).values({
      id: randomUUID(),
      deploymentName: name,
      version: event.version,
      kind: event.kind,
      at: new Date(event.at),
      detail: event.detail,
    });
  }

  /** Every event of a deployment's versions, oldest first. */
  async events(name: string): Promise<VersionEvent[]> {
    const rows = await this.db
      .select()
      .from(versionEvents)
      .where(eq(versionEvents.deploymentName, name))
      .orderBy(asc(versionEvents.at));
    return rows.map((r) => ({
      version: r.version,
      kind: r.kind as VersionEvent['kind'],
      at: r.at.toISOString(),
      detail: r.detail as Record<string, unknown>,
    }));
  }

  /** What started each of these retraining runs; runs that are gone are missing. */
  async retrainTriggers(ids: string[]): Promise<Map<string, RetrainTrigger>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .select({ id: retrainRuns.id, trigger: retrainRuns.trigger })
      .from(retrainRuns)
      .where(inArray(retrainRuns.id, ids));
    return new Map(rows.map((r) => [r.id, r.trigger as RetrainTrigger]));
  }

  async canary(name: string): Promise<CanaryRecord | undefined> {
    const [row] = await this.db.select().from(canaries).where(eq(canaries.deploymentName, name));
    return row ? toCanary(row) : undefined;
  }

  /** The deployments whose canary is running. */
  async runningCanaries(): Promise<string[]> {
    const rows = await this.db
      .select({ name: canaries.deploymentName })
      .from(canaries)
      .where(eq(canaries.status, 'running'));
    return rows.map((r) => r.name);
  }

  /** Stores a new canary in place of the deployment's last one. */
  async putCanary(c: CanaryRecord): Promise<void> {
    const { deploymentName: _, ...fields } = c;
    await this.db
      .insert(canaries)
      .values(c)
      .onConflictDoUpdate({ target: canaries.deploymentName, set: fields });
  }

  /**
   * Changes the running canary (its analysis, or its end). False when none is running any
   * more: another analysis, a promotion or a new live version ended it first.
   */
  async updateRunning(
    name: string,
    change: Partial<Pick<CanaryRecord, 'status' | 'analysis' | 'endedAt'>>,
  ): Promise<boolean> {
    const updated = await this.db
      .update(canaries)
      .set(change)
      .where(and(eq(canaries.deploymentName, name), eq(canaries.status, 'running')))
      .returning({ name: canaries.deploymentName });
    return updated.length === 1;
  }
}

function toCanary(row: typeof canaries.$inferSelect): CanaryRecord {
  return {
    deploymentName: row.deploymentName,
    version: row.version,
    liveVersion: row.liveVersion,
    percent: row.percent,
    policy: row.policy as CanaryPolicy,
    metric: row.metric as QualityMetricName,
    status: row.status as CanaryView['status'],
    analysis: (row.analysis ?? null) as CanaryView['analysis'],
    startedAt: row.startedAt,
    endedAt: row.endedAt,
  };
}
