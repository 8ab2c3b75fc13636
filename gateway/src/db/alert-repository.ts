import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Alert, AlertCondition, AlertRule } from '../protocol/monitoring.js';
import type { Db } from './client.js';
import { alertRules, alerts } from './schema.js';

/** A rule as stored: the wire rule plus its webhook's secret. */
export interface StoredRule extends AlertRule {
  webhookSecret: string | null;
}

export interface RuleFields {
  name: string;
  condition: AlertCondition;
  windowMinutes: number;
  version: number | null;
  webhookUrl: string | null;
  webhookSecret: string | null;
  action: 'retrain' | null;
  enabled: boolean;
}

/** Alert rules, their evaluated state, and the alerts they fired. */
export class AlertRepository {
  constructor(private readonly db: Db) {}

  async rules(name?: string): Promise<StoredRule[]> {
    const rows = await this.db
      .select()
      .from(alertRules)
      .where(name === undefined ? undefined : eq(alertRules.deploymentName, name))
      .orderBy(alertRules.createdAt);
    return rows.map(toRule);
  }

  async rule(name: string, id: string): Promise<StoredRule | undefined> {
    const [row] = await this.db
      .select()
      .from(alertRules)
      .where(and(eq(alertRules.deploymentName, name), eq(alertRules.id, id)));
    return row && toRule(row);
  }

  async create(name: string, id: string, fields: RuleFields): Promise<StoredRule> {
    const [row] = await this.db
      .insert(alertRules)
      .values({ id, deploymentName: name, ...fields })
      .returning();
    return toRule(row!);
  }

  /** A change of the rule starts it afresh: its open alert resolves, its state is unknown. */
  async update(
    name: string,
    id: string,
    fields: RuleFields,
    at: Date,
  ): Promise<StoredRule | undefined> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(alertRules)
        .set({ ...fields, state: 'insufficient_data', lastValue: null, lastEvaluatedAt: null })
        .where(and(eq(alertRules.deploymentName, name), eq(alertRules.id, id)))
        .returning();
      if (!row) return undefined;
      await tx
        .update(alerts)
        .set({ resolvedAt: at })
        .where(and(eq(alerts.ruleId, id), isNull(alerts.resolvedAt)));
      return toRule(row);
    });
  }

  async delete(name: string, id: string): Promise<boolean> {
    const gone = await this.db
      .delete(alertRules)
      .where(and(eq(alertRules.deploymentName, name), eq(alertRules.id, id)))
      .returning({ id: alertRules.id });
    return gone.length > 0;
  }

  /**
   * Stores an evaluation. With `fire`, opens an alert — only when the rule was not already
   * firing as read inside this transaction, so two evaluations never open two. With `resolve`,
   * closes the open one. Answers the alert opened or closed, if any.
   */
  async record(
    rule: StoredRule,
    outcome: { state: AlertRule['state']; value: number | null; at: Date },
    change?: { kind: 'fire'; id: string; message: string } | { kind: 'resolve' },
  ): Promise<Alert | undefined> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx
        .select({ state: alertRules.state })
        .from(alertRules)
        .where(eq(alertRules.id, rule.id))
        .for('update');
      if (!current) return undefined;
      await tx
        .update(alertRules)
        .set({ state: outcome.state, lastValue: outcome.value, lastEvaluatedAt: outcome.at })
        .where(eq(alertRules.id, rule.id));
      if (change?.kind === 'fire' && current.state !== 'firing') {
        const [row] = await tx
          .insert(alerts)
          .values({
            id: change.id,
            ruleId: rule.id,
            deploymentName: rule.deployment,
            ruleName: rule.name,
            value: outcome.value,
            message: change.message,
            firedAt: outcome.at,
          })
          .returning();
        return toAlert(row!);
      }
      if (change?.kind === 'resolve') {
        const [row] = await tx
          .update(alerts)
          .set({ resolvedAt: outcome.at })
          .where(and(eq(alerts.ruleId, rule.id), isNull(alerts.resolvedAt)))
          .returning();
        return row && toAlert(row);
      }
      return undefined;
    });
  }

  async alerts(name: string, limit: number): Promise<Alert[]> {
    const rows = await this.db
      .select()
      .from(alerts)
      .where(eq(alerts.deploymentName, name))
      .orderBy(desc(alerts.firedAt))
      .limit(limit);
    return rows.map(toAlert);
  }
}

function toRule(r: typeof alertRules.$inferSelect): StoredRule {
  return {
    id: r.id,
    deployment: r.deploymentName,
    name: r.name,
    condition: r.condition as AlertCondition,
    windowMinutes: r.windowMinutes,
    ...(r.version !== null && { version: r.version }),
    ...(r.webhookUrl !== null && { webhook: { url: r.webhookUrl } }),
    ...(r.action !== null && { action: r.action }),
    enabled: r.enabled,
    state: r.state as AlertRule['state'],
    lastValue: r.lastValue,
    lastEvaluatedAt: r.lastEvaluatedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    webhookSecret: r.webhookSecret,
  };
}

function toAlert(r: typeof alerts.$inferSelect): Alert {
  return {
    id: r.id,
    ruleId: r.ruleId,
    ruleName: r.ruleName,
    deployment: r.deploymentName,
    state: r.resolvedAt ? 'resolved' : 'firing',
    value: r.value,
    message: r.message,
    firedAt: r.firedAt.toISOString(),
    resolvedAt: r.resolvedAt?.toISOString() ?? null,
  };
}
