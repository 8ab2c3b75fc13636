import {
  and,
  asc,
  eq,
  gte,
  inArray,
  isNotNull,
  lt,
  or,
  sql,
  type AnyColumn,
  type SQL,
} from 'drizzle-orm';
import type { DriftSettings, Label } from '../protocol/monitoring.js';
import type { ValueSummary } from '../monitoring/summaries/value-summary.js';
import { rowsOf, UUID, type Db } from './client.js';
import {
  featureRollups,
  feedbackStaging,
  invocations,
  monitoringSettings,
  predictions,
  qualityRollups,
  referenceProfiles,
} from './schema.js';

/** One prediction as feedback sees it. */
export interface PredictionRef {
  id: string;
  version: number;
  predicted: Label | null;
  labelled: boolean;
}

/** One labelled prediction, for quality. */
export interface LabelledRow {
  version: number;
  time: Date;
  predicted: Label | null;
  scores: Record<string, number> | null;
  actual: Label;
}

export interface ReferenceProfile {
  rows: number;
  source: 'upload' | 'first_calls';
  features: Record<string, ValueSummary>;
  createdAt: Date;
}

export interface Window {
  from: Date;
  to: Date;
  version?: number;
}

/** Predictions, their labels, the hourly feature rollups, references and settings. */
export class MonitoringRepository {
  constructor(private readonly db: Db) {}

  async predictionsByIds(name: string, ids: readonly string[]): Promise<PredictionRef[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .select({
        id: predictions.id,
        version: predictions.version,
        predicted: predictions.predicted,
        actualAt: predictions.actualAt,
      })
      .from(predictions)
      .where(and(eq(predictions.deploymentName, name), inArray(predictions.id, [...ids])));
    return rows.map((r) => ({
      id: r.id,
      version: r.version,
      predicted: r.predicted ?? null,
      labelled: r.actualAt !== null,
    }));
  }

  /**
   * The successful calls (of this deployment) among `callIds`, with what they answered: for
   * predictions logged before the monitor kept them (their rows are made from the log).
   */
  async answeredCalls(
    name: string,
    callIds: readonly string[],
  ): Promise<
    {
      id: string;
      version: number;
      time: Date;
      output: unknown;
      answers: (typeof invocations.$inferSelect)['answers'];
    }[]
  > {
    const uuids = callIds.filter((id) => UUID.test(id));
    if (uuids.length === 0) return [];
    return this.db
      .select({
        id: invocations.id,
        version: invocations.version,
        time: invocations.time,
        output: invocations.output,
        answers: invocations.answers,
      })
      .from(invocations)
      .where(
        and(
          eq(invocations.deploymentName, name),
          inArray(invocations.id, uuids),
          eq(invocations.status, 200),
          or(isNotNull(invocations.output), isNotNull(invocations.answers)),
        ),
      );
  }

  /** Prediction rows for predictions the log holds but the monitor does not (yet). */
  async adoptPredictions(
    rows: {
      id: string;
      deploymentName: string;
      version: number;
      time: Date;
      predicted: Label | null;
      scores: Record<string, number> | null;
    }[],
  ): Promise<void> {
    if (rows.length > 0) await this.db.insert(predictions).values(rows).onConflictDoNothing();
  }

  /** Sets labels (last write wins; the first label's time is kept); their hours' quality is stale. */
  async applyLabels(name: string, items: { id: string; actual: Label }[], at: Date): Promise<void> {
    for (let i = 0; i < items.length; i += 5000) {
      const chunk = JSON.stringify(items.slice(i, i + 5000));
      await this.db.transaction(async (tx) => {
        const touched = await tx.execute<{ version: number; hour: string }>(sql`
          update ${predictions} as p
          set actual = v.value->'actual',
              actual_at = ${at.toISOString()}::timestamptz,
              first_actual_at = coalesce(p.first_actual_at, ${at.toISOString()}::timestamptz)
          from jsonb_array_elements(${chunk}::jsonb) as v
          where p.id = v.value->>'id' and p.deployment_name = ${name}
          returning p.version, date_trunc('hour', p.time) as hour`);
        await markStale(tx as unknown as Db, name, rowsOf(touched));
      });
    }
  }

  async stageLabels(uploadId: string, items: { id: string; actual: Label }[]): Promise<void> {
    if (items.length > 0)
      await this.db.insert(feedbackStaging).values(items.map((x) => ({ uploadId, ...x })));
  }

  /** Applies a ground-truth file's staged labels in one statement, and drops the staging rows. */
  async applyStaged(name: string, uploadId: string, at: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      const touched = await tx.execute<{ version: number; hour: string }>(sql`
        update ${predictions} as p
        set actual = s.actual,
            actual_at = ${at.toISOString()}::timestamptz,
            first_actual_at = coalesce(p.first_actual_at, ${at.toISOString()}::timestamptz)
        from (select distinct on (id) id, actual from ${feedbackStaging}
              where upload_id = ${uploadId} order by id) as s
        where p.id = s.id and p.deployment_name = ${name}
        returning p.version, date_trunc('hour', p.time) as hour`);
      await markStale(tx as unknown as Db, name, rowsOf(touched));
      await tx.delete(feedbackStaging).where(eq(feedbackStaging.uploadId, uploadId));
    });
  }

  /** The hours whose quality summary is older than their labels (of the window, if given). */
  async staleQuality(
    name: string,
    w?: Window,
  ): Promise<{ version: number; hour: Date; changes: number }[]> {
    return this.db
      .select({
        version: qualityRollups.version,
        hour: qualityRollups.hour,
        changes: qualityRollups.changes,
      })
      .from(qualityRollups)
      .where(
        and(
          eq(qualityRollups.deploymentName, name),
          sql`${qualityRollups.changes} > ${qualityRollups.summarized}`,
          ...(w ? hoursOf(qualityRollups.hour, w) : []),
          ...versionIs(qualityRollups.version, w?.version),
        ),
      );
  }

  /** Stores an hour's rebuilt summary, unless labels changed again meanwhile (then it stays stale). */
  async putQuality(
    name: string,
    key: { version: number; hour: Date; changes: number },
    summary: unknown,
  ): Promise<void> {
    await this.db
      .update(qualityRollups)
      .set({ summary, summarized: key.changes })
      .where(
        and(
          eq(qualityRollups.deploymentName, name),
          eq(qualityRollups.version, key.version),
          eq(qualityRollups.hour, key.hour),
          eq(qualityRollups.changes, key.changes),
        ),
      );
  }

  /** The hourly quality summaries of the window (whole hours, the one `from` falls in first). */
  async qualityRollups(
    name: string,
    w: Window,
  ): Promise<{ version: number; hour: Date; summary: unknown }[]> {
    const rows = await this.db
      .select({
        version: qualityRollups.version,
        hour: qualityRollups.hour,
        summary: qualityRollups.summary,
      })
      .from(qualityRollups)
      .where(
        and(
          eq(qualityRollups.deploymentName, name),
          ...hoursOf(qualityRollups.hour, w),
          ...versionIs(qualityRollups.version, w.version),
        ),
      );
    return rows.filter((r) => r.summary !== null);
  }

  async dropStaged(uploadId: string): Promise<void> {
    await this.db.delete(feedbackStaging).where(eq(feedbackStaging.uploadId, uploadId));
  }

  /** The labelled predictions of one version in one hour. */
  labelledInHour(name: string, version: number, hour: Date): Promise<LabelledRow[]> {
    return this.labelled(name, { from: hour, to: new Date(hour.getTime() + HOUR_MS), version });
  }

  async labelled(name: string, w: Window): Promise<LabelledRow[]> {
    const rows = await this.db
      .select({
        version: predictions.version,
        time: predictions.time,
        predicted: predictions.predicted,
        scores: predictions.scores,
        actual: predictions.actual,
      })
      .from(predictions)
      .where(
        and(
          eq(predictions.deploymentName, name),
          gte(predictions.time, w.from),
          lt(predictions.time, w.to),
          isNotNull(predictions.actualAt),
          ...versionIs(predictions.version, w.version),
        ),
      )
      .orderBy(asc(predictions.time));
    return rows.map((r) => ({
      version: r.version,
      time: r.time,
      predicted: r.predicted ?? null,
      scores: r.scores ?? null,
      actual: r.actual as Label,
    }));
  }

  /** The hourly rollups whose hour starts in [from rounded down to the hour, to). */
  async rollups(
    name: string,
    w: Window,
  ): Promise<{ version: number; feature: string; summary: ValueSummary }[]> {
    const rows = await this.db
      .select({
        version: featureRollups.version,
        feature: featureRollups.feature,
        summary: featureRollups.summary,
      })
      .from(featureRollups)
      .where(
        and(
          eq(featureRollups.deploymentName, name),
          ...hoursOf(featureRollups.hour, w),
          ...versionIs(featureRollups.version, w.version),
        ),
      );
    return rows
      .filter((r) => r.summary !== null)
      .map((r) => ({ ...r, summary: r.summary as ValueSummary }));
  }

  async reference(name: string): Promise<ReferenceProfile | undefined> {
    const [row] = await this.db
      .select()
      .from(referenceProfiles)
      .where(eq(referenceProfiles.deploymentName, name));
    return row
      ? {
          rows: row.rows,
          source: row.source,
          features: profileFeatures(row.features),
          createdAt: row.createdAt,
        }
      : undefined;
  }

  async putReference(name: string, rows: number, features: Record<string, ValueSummary>) {
    const createdAt = new Date();
    await this.db
      .insert(referenceProfiles)
      .values({
        deploymentName: name,
        rows,
        source: 'upload',
        features: storedFeatures(features),
        createdAt,
      })
      .onConflictDoUpdate({
        target: referenceProfiles.deploymentName,
        set: { rows, source: 'upload', features: storedFeatures(features), createdAt },
      });
    return createdAt;
  }

  /**
   * Whether the deployment's reference is still being taken from its first calls (set to,
   * `referenceFromFirst`, and neither uploaded nor full yet): they give it their features.
   */
  async referenceFromCalls(name: string): Promise<boolean> {
    const wanted = (await this.settings(name)).referenceFromFirst ?? 0;
    return wanted > 0 && takingReference(wanted, await this.reference(name));
  }

  async settings(name: string): Promise<DriftSettings> {
    const [row] = await this.db
      .select()
      .from(monitoringSettings)
      .where(eq(monitoringSettings.deploymentName, name));
    return (row?.settings as DriftSettings | undefined) ?? {};
  }

  async putSettings(name: string, settings: DriftSettings): Promise<void> {
    await this.db
      .insert(monitoringSettings)
      .values({ deploymentName: name, settings, updatedAt: new Date() })
      .onConflictDoUpdate({
        target: monitoringSettings.deploymentName,
        set: { settings, updatedAt: new Date() },
      });
  }
}

/**
 * A profile's features as stored: `[name, summary]` pairs, in the signature's order (a jsonb
 * object would keep its keys in an order of its own).
 */
/**
 * Whether a reference set to be taken from the first `wanted` calls (`referenceFromFirst`) is
 * still being taken: neither uploaded nor full yet.
 */
export const takingReference = (
  wanted: number,
  profile: { source: string; rows: number } | undefined,
): boolean => wanted > 0 && (!profile || (profile.source !== 'upload' && profile.rows < wanted));

export const storedFeatures = (features: Record<string, ValueSummary>) => Object.entries(features);

export function profileFeatures(stored: unknown): Record<string, ValueSummary> {
  return Object.fromEntries(stored as [string, ValueSummary][]);
}

const HOUR_MS = 3_600_000;

/** Hour rows of a window: from the hour `from` falls in, up to `to`. */
function hoursOf(column: AnyColumn, w: Window): SQL[] {
  const from = new Date(Math.floor(w.from.getTime() / HOUR_MS) * HOUR_MS);
  return [gte(column, from), lt(column, w.to)];
}

/** Marks the hours whose labels changed: their quality summaries are rebuilt before they are read. */
async function markStale(
  tx: Db,
  name: string,
  touched: { version: number; hour: string | Date }[],
) {
  const keys = new Map<string, { version: number; hour: Date }>();
  for (const t of touched) {
    const hour = new Date(t.hour);
    keys.set(`${t.version}@${hour.getTime()}`, { version: Number(t.version), hour });
  }
  if (keys.size === 0) return;
  await tx
    .insert(qualityRollups)
    .values([...keys.values()].map((k) => ({ deploymentName: name, ...k })))
    .onConflictDoUpdate({
      target: [qualityRollups.deploymentName, qualityRollups.hour, qualityRollups.version],
      set: { changes: sql`${qualityRollups.changes} + 1` },
    });
}

function versionIs(column: AnyColumn, version: number | undefined): SQL[] {
  return version === undefined ? [] : [eq(column, version)];
}

/**
 * Deletes calls, predictions (with their labels) and hourly rollups from before `before`:
 * the retention of `SLIPWAY_LOG_RETENTION_DAYS`. Answers how many rows of each went.
 */
export async function expireMonitoring(
  db: Db,
  before: Date,
): Promise<{ invocations: number; predictions: number; rollups: number; qualityRollups: number }> {
  const gone = await db.transaction(async (tx) => ({
    invocations: (
      await tx
        .delete(invocations)
        .where(lt(invocations.time, before))
        .returning({ id: invocations.id })
    ).length,
    predictions: (
      await tx
        .delete(predictions)
        .where(lt(predictions.time, before))
        .returning({ id: predictions.id })
    ).length,
    rollups: (
      await tx
        .delete(featureRollups)
        .where(lt(featureRollups.hour, new Date(before.getTime() - HOUR_MS)))
        .returning({ hour: featureRollups.hour })
    ).length,
    qualityRollups: (
      await tx
        .delete(qualityRollups)
        .where(lt(qualityRollups.hour, new Date(before.getTime() - HOUR_MS)))
        .returning({ hour: qualityRollups.hour })
    ).length,
  }));
  return gone;
}
