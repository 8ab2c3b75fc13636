import { randomUUID } from 'node:crypto';
import type { AlertRepository, RuleFields, StoredRule } from '../db/alert-repository.js';
import type { InvocationRepository } from '../db/invocation-repository.js';
import { NotFoundError, SlipwayError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { DriftService } from '../monitoring/drift-service.js';
import { metricValue } from '../monitoring/quality/index.js';
import type { QualityService } from '../monitoring/quality-service.js';
import type { Alert, AlertRule, AlertRuleInput } from '../protocol/monitoring.js';
import { alertMessage, evaluateRule, type Measurement } from './evaluate.js';
import type { GatewayMetrics } from './prometheus.js';
import { checkWebhookUrl, type WebhookSender } from './webhook-sender.js';

export interface AlertServiceDeps {
  rules: AlertRepository;
  invocations: InvocationRepository;
  quality: QualityService;
  drift: DriftService;
  bus: EventBus;
  webhooks: WebhookSender;
  metrics: GatewayMetrics;
  /** Origins a webhook may name (`SLIPWAY_CALLBACK_ORIGINS`). */
  webhookOrigins: readonly string[];
  /** A rule whose action is `retrain` fired (the retraining service starts a run). */
  onRetrain?: (rule: AlertRule, alert: Alert) => void;
  /** The live version of a deployment (rules without a version watch it). */
  liveVersion: (name: string) => Promise<number | undefined>;
  now?: () => Date;
  reportError?: (err: unknown) => void;
}

/**
 * Alert rules per deployment, evaluated on a timer and whenever labels arrive: each
 * evaluation measures the rule's figure over its window, moves its state (firing → resolved
 * without duplicates while a condition stays true) and delivers what changed — an alert
 * record, an event on the bus (the SSE stream), a signed webhook and the Prometheus gauge.
 * Evaluations of one deployment run one at a time.
 */
export class AlertService {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly now: () => Date;

  constructor(private readonly deps: AlertServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async list(name: string): Promise<AlertRule[]> {
    return (await this.deps.rules.rules(name)).map(publicRule);
  }

  async create(name: string, input: AlertRuleInput): Promise<AlertRule> {
    const rule = await this.deps.rules.create(name, randomUUID(), this.fields(input));
    await this.evaluate(name);
    return publicRule((await this.deps.rules.rule(name, rule.id)) ?? rule);
  }

  async update(name: string, id: string, input: AlertRuleInput): Promise<AlertRule> {
    const rule = await this.deps.rules.update(name, id, this.fields(input), this.now());
    if (!rule) throw new NotFoundError(`alert rule ${id} of deployment ${name}`);
    this.deps.metrics.setAlert({ deployment: name, rule: rule.name, firing: false });
    await this.evaluate(name);
    return publicRule((await this.deps.rules.rule(name, id)) ?? rule);
  }

  async delete(name: string, id: string): Promise<void> {
    const rule = await this.deps.rules.rule(name, id);
    if (!rule || !(await this.deps.rules.delete(name, id)))
      throw new NotFoundError(`alert rule ${id} of deployment ${name}`);
    this.deps.metrics.setAlert({ deployment: name, rule: rule.name, firing: false });
  }

  alerts(name: string, limit = 200): Promise<Alert[]> {
    return this.deps.rules.alerts(name, limit);
  }

  /** Evaluates the rules of one deployment, or of all; resolves when done. */
  evaluate(name?: string): Promise<void> {
    if (name === undefined)
      return this.deps.rules
        .rules()
        .then((rules) =>
          Promise.all([...new Set(rules.map((r) => r.deployment))].map((n) => this.evaluate(n))),
        )
        .then(() => undefined);
    const prev = this.chains.get(name) ?? Promise.resolve();
    const next = prev
      .then(() => this.evaluateNow(name))
      .catch((err: unknown) => this.deps.reportError?.(err));
    this.chains.set(name, next);
    void next.finally(() => {
      if (this.chains.get(name) === next) this.chains.delete(name);
    });
    return next;
  }

  private async evaluateNow(name: string): Promise<void> {
    for (const rule of await this.deps.rules.rules(name)) {
      if (!rule.enabled) continue;
      const at = this.now();
      const measurement = await this.measure(rule, at);
      const result = evaluateRule(rule, rule.state, measurement);
      const change =
        result.transition === 'fired'
          ? ({
              kind: 'fire',
              id: randomUUID(),
              message: alertMessage(rule, 'fired', measurement),
            } as const)
          : result.transition === 'resolved'
            ? ({ kind: 'resolve' } as const)
            : undefined;
      const alert = await this.deps.rules.record(
        rule,
        { state: result.state, value: result.value, at },
        change,
      );
      this.deps.metrics.setAlert({
        deployment: name,
        rule: rule.name,
        firing: result.state === 'firing',
      });
      if (alert)
        this.deliver(
          rule,
          alert.state === 'resolved'
            ? { ...alert, message: alertMessage(rule, 'resolved', measurement) }
            : alert,
        );
    }
  }

  private deliver(rule: StoredRule, alert: Alert): void {
    this.deps.bus.publish({ type: 'alert', alert });
    if (rule.action === 'retrain' && alert.state === 'firing') this.deps.onRetrain?.(rule, alert);
    if (rule.webhook && rule.webhookSecret)
      this.deps.webhooks.send(rule.webhook.url, `alert.${alert.state}`, alert, {
        secret: rule.webhookSecret,
      });
  }

  /** The rule's figure over its window, ending now. */
  private async measure(rule: StoredRule, at: Date): Promise<Measurement> {
    const to = at;
    const from = new Date(at.getTime() - rule.windowMinutes * 60_000);
    const version = rule.version ?? (await this.deps.liveVersion(rule.deployment));
    const c = rule.condition;
    switch (c.kind) {
      case 'quality': {
        const report = await this.deps.quality.report(rule.deployment, {
          from,
          to,
          version,
          bucket: 'hour',
        });
        const m = report.overall;
        return { value: m ? metricValue(m, c.metric) : null, labels: m?.labelled ?? 0 };
      }
      case 'drift': {
        try {
          const report = await this.deps.drift.report(rule.deployment, { from, to, version });
          if (c.feature === undefined)
            return { value: report.features.length ? Number(report.datasetDrift) : null };
          const f =
            c.feature === 'prediction'
              ? report.prediction
              : report.features.find((x) => x.name === c.feature);
          return { value: f ? Number(f.drift) : null };
        } catch (err) {
          // No reference yet: nothing to measure drift against.
          if (err instanceof SlipwayError && err.code === 'no_reference') return { value: null };
          throw err;
        }
      }
      default: {
        const m = await this.deps.invocations.metrics(rule.deployment, from, to, version);
        if (c.kind === 'traffic') return { value: m.count };
        if (m.count === 0) return { value: null };
        return { value: c.kind === 'error_rate' ? m.errorRate : m.latencyMs.p95 };
      }
    }
  }

  private fields(input: AlertRuleInput): RuleFields {
    if (input.webhook) checkWebhookUrl(input.webhook.url, this.deps.webhookOrigins);
    return {
      name: input.name,
      condition: input.condition,
      windowMinutes: input.windowMinutes,
      version: input.version ?? null,
      webhookUrl: input.webhook?.url ?? null,
      webhookSecret: input.webhook?.secret ?? null,
      action: input.action ?? null,
      enabled: input.enabled ?? true,
    };
  }
}

/** The rule without its secret. */
function publicRule({ webhookSecret: _, ...rule }: StoredRule): AlertRule {
  return rule;
}
