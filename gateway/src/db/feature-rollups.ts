import { sql } from 'drizzle-orm';
import { merge, type ValueSummary } from '../monitoring/summaries/value-summary.js';
import type { Db } from './client.js';
import { featureRollups } from './schema.js';

const HOUR_MS = 3_600_000;
/** The start of the hour `t` is in: a rollup's hour. */
export const hourOf = (t: Date | number) =>
  new Date(Math.floor(new Date(t).getTime() / HOUR_MS) * HOUR_MS);

/** One feature's hourly rollup of a version's calls. */
export interface RollupKey {
  deploymentName: string;
  version: number;
  hour: Date;
  feature: string;
}
export const rollupKey = (k: RollupKey) =>
  JSON.stringify([k.deploymentName, k.version, k.hour.getTime(), k.feature]);

/** Values to add to a rollup: their summary. */
export type RollupDelta = RollupKey & { summary: ValueSummary };

/**
 * Merges each delta into its hour's rollup, under row locks (several gateways may write); one
 * delta a rollup (merge those of a key first). Runs in the caller's transaction, so that what
 * the deltas count is counted with what else it writes (a call's row, a job's checkpoint).
 */
export async function mergeRollupDeltas(tx: Db, list: readonly RollupDelta[]): Promise<void> {
  if (list.length === 0) return;
  const deltas = new Map(list.map((d) => [rollupKey(d), d]));
  if (deltas.size !== list.length) throw new Error('one delta a rollup: merge them first');
  // One statement inserts the hours not there yet with the batch's summary and, for those there,
  // locks the row (as SELECT … FOR UPDATE would: several gateways may write) and answers its
  // summary; `xmax = 0` tells a row this statement inserted.
  const existing = await tx
    .insert(featureRollups)
    .values(
      [...deltas.values()].map((d) => ({
        deploymentName: d.deploymentName,
        version: d.version,
        hour: d.hour,
        feature: d.feature,
        summary: d.summary,
      })),
    )
    .onConflictDoUpdate({
      target: [
        featureRollups.deploymentName,
        featureRollups.hour,
        featureRollups.version,
        featureRollups.feature,
      ],
      set: { summary: sql`${featureRollups.summary}` },
    })
    .returning({
      deploymentName: featureRollups.deploymentName,
      version: featureRollups.version,
      hour: featureRollups.hour,
      feature: featureRollups.feature,
      summary: featureRollups.summary,
      inserted: sql<boolean>`(xmax = 0)`,
    });
  const merged = existing
    .filter((row) => !row.inserted)
    .map((row) => ({
      deployment_name: row.deploymentName,
      version: row.version,
      hour: row.hour,
      feature: row.feature,
      summary: merge(row.summary as ValueSummary, deltas.get(rollupKey(row))!.summary),
    }));
  if (merged.length === 0) return;
  // …and one more writes every merged summary back.
  await tx.execute(sql`
    update ${featureRollups} as f set summary = u.summary
    from json_to_recordset(${JSON.stringify(merged)}::json)
      as u(deployment_name text, version int4, hour timestamptz, feature text, summary jsonb)
    where f.deployment_name = u.deployment_name and f.version = u.version
      and f.hour = u.hour and f.feature = u.feature`);
}
