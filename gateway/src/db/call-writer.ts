import { eq, inArray, sql } from 'drizzle-orm';
import { predictedCount } from '../monitoring/compact-answers.js';
import { featureColumns, type MonitoredCall } from '../monitoring/features.js';
import type { FeatureKind } from '../protocol/monitoring.js';
import type { InvocationSink } from '../monitoring/invocation-log.js';
import { RawJson, type LoggedCall } from '../monitoring/loggable-row.js';
import { merge, summarize, summarizeParts } from '../monitoring/summaries/value-summary.js';
import { rowsOf, type Db } from './client.js';
import { hourOf, mergeRollupDeltas, rollupKey, type RollupKey } from './feature-rollups.js';
import { profileFeatures, storedFeatures, takingReference } from './monitoring-repository.js';
import { invocations, monitoringSettings, referenceProfiles } from './schema.js';

/**
 * Writes journalled calls to the database, each batch in one transaction: the invocation rows
 * (with the monitor's copy of the predictions when the output is not kept), then — for the calls
 * not already there (a replay after a crash writes a segment again) — their features merged into
 * the hour's rollups, and into a reference still being taken from a deployment's first calls. So
 * a call counts in drift exactly once, whatever crashed. Prediction rows are made when labels
 * come (FeedbackService), not per call.
 */
export class CallWriter implements InvocationSink {
  constructor(private readonly db: Db) {}

  async insertMany(rows: LoggedCall[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction(async (tx) => {
      // One JSON value for the whole batch (a parameter per value would cost more to bind
      // than to store); the values already JSON go into it as they are.
      const batch = `[${rows.map(rowJson).join(',')}]`;
      const fresh = rowsOf<{ id: string }>(
        await tx.execute(sql`
          insert into ${invocations} (${sql.raw(COLUMNS.map((c) => c[0]).join(', '))})
          select ${sql.raw(COLUMNS.map((c) => c[0]).join(', '))}
          from json_to_recordset(${batch}::json)
            as r(${sql.raw(COLUMNS.map((c) => c.join(' ')).join(', '))})
          on conflict do nothing
          returning id`),
      );
      const ids = new Set(fresh.map((r) => r.id));
      const monitored = rows.filter(
        (r): r is LoggedCall & { monitored: MonitoredCall } => ids.has(r.id) && !!r.monitored,
      );
      if (monitored.length === 0) return;
      await mergeRollups(tx as unknown as Db, monitored);
      await growReferences(tx as unknown as Db, monitored);
    });
  }
}

/** The invocations columns a batch fills, with their types as `json_to_recordset` reads them. */
const COLUMNS = [
  ['id', 'uuid'],
  ['deployment_name', 'text'],
  ['version', 'int4'],
  ['time', 'timestamptz'],
  ['latency_ms', 'float8'],
  ['status', 'int4'],
  ['protocol', 'text'],
  ['input', 'json'],
  ['output', 'json'],
  ['error', 'jsonb'],
  ['ignored_fields', 'jsonb'],
  ['truncated', 'text'],
  ['answers', 'json'],
] as const;

/** A value's JSON: text that is already JSON goes in as it is, without a second writing. */
const valueJson = (value: unknown) =>
  value instanceof RawJson ? value.text : JSON.stringify(value ?? null);

/**
 * One call's row as `json_to_recordset` reads it. The monitor's copy of the predictions rides
 * in the row (one value, not a row each): feedback makes prediction rows from it, as from a
 * kept output.
 */
function rowJson(r: LoggedCall): string {
  const scalars = JSON.stringify({
    id: r.id,
    deployment_name: r.deploymentName,
    version: r.version,
    time: r.time,
    latency_ms: r.latencyMs,
    status: r.status,
    protocol: r.protocol,
    error: r.error ?? null,
    ignored_fields: r.ignoredFields ?? null,
    truncated: r.truncated ?? null,
  });
  return `${scalars.slice(0, -1)},"input":${valueJson(r.input)},"output":${valueJson(r.output)},"answers":${answersJson(r.monitored)}}`;
}

/** The monitor's copy of the predictions, as the text it was journalled as; null when it has none. */
function answersJson(monitored: MonitoredCall | null | undefined): string {
  const answers = monitored?.predictions;
  if (!answers) return 'null';
  if (answers instanceof RawJson) return answers.text === '[]' ? 'null' : answers.text;
  const count = Array.isArray(answers) ? answers.length : predictedCount(answers.predicted);
  return count > 0 ? JSON.stringify(answers) : 'null';
}

type Monitored = LoggedCall & { monitored: MonitoredCall };

/** Adds each call's feature values to its hour's summaries. */
async function mergeRollups(tx: Db, rows: Monitored[]): Promise<void> {
  // The batch's values per hour and feature, summarised once (merging call by call would
  // rebuild the counts for every call).
  const columns = new Map<string, { key: RollupKey; kind: FeatureKind; parts: unknown[][] }>();
  for (const r of rows) {
    const features = featureColumns(r.monitored);
    if (!features) continue;
    const hour = hourOf(r.time);
    for (const [feature, col] of Object.entries(features)) {
      const key = { deploymentName: r.deploymentName, version: r.version, hour, feature };
      const k = rollupKey(key);
      const column = columns.get(k);
      if (column) column.parts.push(col.values);
      else columns.set(k, { key, kind: col.kind, parts: [col.values] });
    }
  }
  await mergeRollupDeltas(
    tx,
    [...columns.values()].map((c) => ({ ...c.key, summary: summarizeParts(c.kind, c.parts) })),
  );
}

/**
 * A deployment set to take its reference from its first N calls (`referenceFromFirst`), with
 * no reference uploaded, gets these calls' records until it has N.
 */
async function growReferences(tx: Db, rows: Monitored[]): Promise<void> {
  const names = [...new Set(rows.filter((r) => r.monitored.features).map((r) => r.deploymentName))];
  if (names.length === 0) return;
  const settings = await tx
    .select()
    .from(monitoringSettings)
    .where(inArray(monitoringSettings.deploymentName, names));
  for (const s of settings) {
    const wanted = (s.settings as { referenceFromFirst?: number }).referenceFromFirst ?? 0;
    if (wanted <= 0) continue;
    const [profile] = await tx
      .select()
      .from(referenceProfiles)
      .where(eq(referenceProfiles.deploymentName, s.deploymentName))
      .for('update');
    if (!takingReference(wanted, profile)) continue;
    let have = profile?.rows ?? 0;
    const features = profile ? profileFeatures(profile.features) : {};
    for (const r of rows) {
      const columns = featureColumns(r.monitored);
      if (r.deploymentName !== s.deploymentName || !columns || have >= wanted) continue;
      const records = Object.values(columns)[0]?.values.length ?? 0;
      const take = Math.min(wanted - have, records);
      for (const [name, col] of Object.entries(columns)) {
        const part = summarize(col.kind, col.values.slice(0, take));
        features[name] = features[name] ? merge(features[name], part) : part;
      }
      have += take;
    }
    await tx
      .insert(referenceProfiles)
      .values({
        deploymentName: s.deploymentName,
        rows: have,
        source: 'first_calls',
        features: storedFeatures(features),
      })
      .onConflictDoUpdate({
        target: referenceProfiles.deploymentName,
        set: { rows: have, features: storedFeatures(features) },
      });
  }
}
