import { and, desc, eq, gte, isNotNull, lt, ne, sql } from 'drizzle-orm';
import type { Invocation, Metrics, MetricsPoint } from '../protocol/deployments.js';
import type { Db } from './client.js';
import { MAX_VERSION } from './deployment-repository.js';
import { invocations } from './schema.js';

/** The protocol of a shadow version's rows (copies of calls, answered to nobody). */
export const SHADOW_PROTOCOL = 'shadow';

export type InvocationRow = typeof invocations.$inferInsert;

/** The invocation log's table: batched inserts, recent calls, aggregates. */
export class InvocationRepository {
  constructor(private readonly db: Db) {}

  async insertMany(rows: InvocationRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.insert(invocations).values(rows).onConflictDoNothing();
  }

  /** Most recent first. `before` pages back in time. */
  async recent(name: string, opts: { limit: number; before?: Date }): Promise<Invocation[]> {
    const where = opts.before
      ? and(eq(invocations.deploymentName, name), lt(invocations.time, opts.before))
      : eq(invocations.deploymentName, name);
    const rows = await this.db
      .select()
      .from(invocations)
      .where(where)
      .orderBy(desc(invocations.time))
      .limit(opts.limit);
    return rows.map(presentInvocation);
  }

  /** One call of a deployment by its id; undefined when there is none. */
  async get(name: string, id: string): Promise<Invocation | undefined> {
    const [row] = await this.db
      .select()
      .from(invocations)
      .where(and(eq(invocations.deploymentName, name), eq(invocations.id, id)))
      .limit(1);
    return row ? presentInvocation(row) : undefined;
  }

  /**
   * Count, errors and latency percentiles over [from, to), with a per-minute series. The
   * deployment's figures are of the calls it answered; a shadow's copies count only in its
   * version's figures (`version`), so a failing shadow never shows as the deployment failing.
   */
  async metrics(name: string, from: Date, to: Date, version?: number): Promise<Metrics> {
    const conds = [
      eq(invocations.deploymentName, name),
      gte(invocations.time, from),
      lt(invocations.time, to),
    ];
    if (version === undefined) conds.push(ne(invocations.protocol, SHADOW_PROTOCOL));
    else
      // A version outside int4 matches no row, and the database would refuse to compare with it.
      conds.push(
        Number.isInteger(version) && version >= 1 && version <= MAX_VERSION
          ? eq(invocations.version, version)
          : sql`false`,
      );
    const where = and(...conds);
    const agg = {
      count: sql<number>`count(*)::int`,
      errors: sql<number>`(count(*) filter (where ${invocations.status} >= 400))::int`,
      serverErrors: sql<number>`(count(*) filter (where ${invocations.status} >= 500))::int`,
      truncated: sql<number>`(count(*) filter (where ${invocations.truncated} is not null))::int`,
      p50: sql<
        number | null
      >`percentile_cont(0.5) within group (order by ${invocations.latencyMs})`,
      p95: sql<
        number | null
      >`percentile_cont(0.95) within group (order by ${invocations.latencyMs})`,
      p99: sql<
        number | null
      >`percentile_cont(0.99) within group (order by ${invocations.latencyMs})`,
    };
    const [total] = await this.db
      .select({ ...agg, mean: sql<number | null>`avg(${invocations.latencyMs})` })
      .from(invocations)
      .where(where);
    const minute = sql<string>`date_trunc('minute', ${invocations.time})`;
    const rows = await this.db
      .select({ minute, ...agg })
      .from(invocations)
      .where(where)
      .groupBy(minute)
      .orderBy(minute);
    const field = sql<string>`jsonb_array_elements_text(${invocations.ignoredFields})`;
    const ignored = await this.db
      .select({ name: field, calls: sql<number>`count(*)::int` })
      .from(invocations)
      .where(and(where, isNotNull(invocations.ignoredFields)))
      .groupBy(field)
      .orderBy(desc(sql`count(*)`), field)
      .limit(50);
    const count = Number(total?.count ?? 0);
    const errors = Number(total?.errors ?? 0);
    const series: MetricsPoint[] = rows.map((r) => ({
      minute: new Date(r.minute).toISOString(),
      count: Number(r.count),
      errors: Number(r.errors),
      serverErrors: Number(r.serverErrors),
      p50: num(r.p50),
      p95: num(r.p95),
      p99: num(r.p99),
    }));
    return {
      name,
      from: from.toISOString(),
      to: to.toISOString(),
      count,
      errors,
      serverErrors: Number(total?.serverErrors ?? 0),
      errorRate: count === 0 ? 0 : errors / count,
      latencyMs: {
        p50: num(total?.p50),
        p95: num(total?.p95),
        p99: num(total?.p99),
        mean: num(total?.mean),
      },
      ignoredFields: ignored.map((r) => ({ name: r.name, calls: Number(r.calls) })),
      truncatedCalls: Number(total?.truncated ?? 0),
      series,
    };
  }
}

function presentInvocation(r: typeof invocations.$inferSelect): Invocation {
  return {
    id: r.id,
    name: r.deploymentName,
    version: r.version,
    time: r.time.toISOString(),
    latencyMs: r.latencyMs,
    status: r.status,
    protocol: r.protocol,
    input: r.input,
    output: r.output,
    error: r.error ?? null,
    ignoredFields: r.ignoredFields ?? null,
    truncated: r.truncated ?? null,
  };
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}
