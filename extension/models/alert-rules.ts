import type { TranslationBundle } from '@jupyterlab/translation';
import type {
  Alert,
  AlertCondition,
  AlertRule,
  AlertRuleInput,
  QualityMetricName,
} from '../../gateway/src/protocol/monitoring.js';
import { lowerIsBetter } from '../../gateway/src/protocol/index.js';
import type { GatewayClient } from '../client/gateway-client.js';
import { formatFigure } from './figures.js';
import { metricLabel } from './quality-model.js';
import { RemoteView } from './remote-view.js';

export type ConditionKind = AlertCondition['kind'];
export const CONDITION_KINDS: ConditionKind[] = [
  'quality',
  'drift',
  'error_rate',
  'latency_p95',
  'traffic',
];

/** The alerts tab's data. */
export interface AlertsView {
  alerts: Alert[];
  rules: AlertRule[];
}

/** Alerts and rules of one deployment; saving and deleting rules refreshes. */
export class AlertsModel extends RemoteView<AlertsView> {
  constructor(
    readonly name: string,
    private readonly client: GatewayClient,
  ) {
    super();
  }

  /** Creates the rule, or replaces rule `id`. Rejects with the error to show. */
  async saveRule(input: AlertRuleInput, id?: string): Promise<AlertRule> {
    const rule = id
      ? await this.client.updateAlertRule(this.name, id, input)
      : await this.client.createAlertRule(this.name, input);
    await this.refresh();
    return rule;
  }

  async deleteRule(id: string): Promise<void> {
    await this.client.deleteAlertRule(this.name, id);
    await this.refresh();
  }

  protected async fetch(): Promise<AlertsView> {
    const [alerts, rules] = await Promise.all([
      this.client.alerts(this.name),
      this.client.alertRules(this.name),
    ]);
    return { alerts: sortAlerts(alerts), rules };
  }
}

/** Firing first, then newest first. */
export function sortAlerts(alerts: Alert[]): Alert[] {
  return [...alerts].sort(
    (a, b) =>
      Number(b.state === 'firing') - Number(a.state === 'firing') ||
      Date.parse(b.firedAt) - Date.parse(a.firedAt),
  );
}

/** A condition in words: `accuracy below 0.9 (from 50 labels)`. */
export function describeCondition(c: AlertCondition, trans: TranslationBundle): string {
  switch (c.kind) {
    case 'quality':
      return lowerIsBetter(c.metric)
        ? trans.__(
            '%1 above %2 (from %3 labels)',
            metricLabel(c.metric, trans),
            formatFigure(c.threshold),
            c.minLabels,
          )
        : trans.__(
            '%1 below %2 (from %3 labels)',
            metricLabel(c.metric, trans),
            formatFigure(c.threshold),
            c.minLabels,
          );
    case 'drift':
      return c.feature ? trans.__('drift of %1', c.feature) : trans.__('dataset drift');
    case 'error_rate':
      return trans.__('error rate above %1%', formatFigure(c.above * 100));
    case 'latency_p95':
      return trans.__('p95 latency above %1 ms', formatFigure(c.aboveMs));
    case 'traffic':
      return trans.__('fewer than %1 calls', formatFigure(c.below));
    default:
      return (c as { kind: string }).kind;
  }
}

/** A condition kind's name for the picker. */
export function conditionKindLabel(kind: ConditionKind, trans: TranslationBundle): string {
  const labels: Record<ConditionKind, string> = {
    quality: trans._p('alert condition', 'Quality below a threshold'),
    drift: trans._p('alert condition', 'Drift'),
    error_rate: trans._p('alert condition', 'Error rate above'),
    latency_p95: trans._p('alert condition', 'p95 latency above'),
    traffic: trans._p('alert condition', 'Traffic below'),
  };
  return labels[kind];
}

/** The rule form's fields, as typed: numbers stay text until checked. */
export interface RuleDraft {
  name: string;
  kind: ConditionKind;
  metric: QualityMetricName;
  threshold: string;
  minLabels: string;
  /** Empty: dataset drift. */
  feature: string;
  /** Error rate, in percent. */
  errorRatePercent: string;
  latencyMs: string;
  minCalls: string;
  windowMinutes: string;
  webhookUrl: string;
  /** The HMAC key the webhook is signed with; never returned, so empty when editing. */
  webhookSecret: string;
  enabled: boolean;
}

/** The form's values for a new rule, or for editing `rule`. */
export function draftOf(rule?: AlertRule): RuleDraft {
  const draft: RuleDraft = {
    name: rule?.name ?? '',
    kind: rule?.condition.kind ?? 'quality',
    metric: 'accuracy',
    threshold: '0.9',
    minLabels: '50',
    feature: '',
    errorRatePercent: '5',
    latencyMs: '500',
    minCalls: '1',
    windowMinutes: String(rule?.windowMinutes ?? 60),
    webhookUrl: rule?.webhook?.url ?? '',
    webhookSecret: '',
    enabled: rule?.enabled ?? true,
  };
  const c = rule?.condition;
  if (c?.kind === 'quality')
    Object.assign(draft, {
      metric: c.metric,
      threshold: String(c.threshold),
      minLabels: String(c.minLabels),
    });
  if (c?.kind === 'drift') draft.feature = c.feature ?? '';
  if (c?.kind === 'error_rate') draft.errorRatePercent = String(c.above * 100);
  if (c?.kind === 'latency_p95') draft.latencyMs = String(c.aboveMs);
  if (c?.kind === 'traffic') draft.minCalls = String(c.below);
  return draft;
}

/** What is wrong with a draft, by field; empty when it can be saved. */
export function ruleProblems(
  d: RuleDraft,
  trans: TranslationBundle,
): Partial<Record<keyof RuleDraft, string>> {
  const problems: Partial<Record<keyof RuleDraft, string>> = {};
  const number = (field: keyof RuleDraft, ok: (n: number) => boolean, message: string) => {
    const text = String(d[field]).trim();
    const n = Number(text);
    if (text === '' || !Number.isFinite(n) || !ok(n)) problems[field] = message;
  };
  if (!d.name.trim()) problems.name = trans.__('Give the rule a name.');
  if (d.kind === 'quality') {
    number('threshold', () => true, trans.__('A number, e.g. 0.9.'));
    number(
      'minLabels',
      (n) => Number.isInteger(n) && n >= 1,
      trans.__('A whole number of labels, at least 1.'),
    );
  }
  if (d.kind === 'error_rate')
    number('errorRatePercent', (n) => n >= 0 && n <= 100, trans.__('A percentage, 0 to 100.'));
  if (d.kind === 'latency_p95')
    number('latencyMs', (n) => n > 0, trans.__('Milliseconds, more than 0.'));
  if (d.kind === 'traffic')
    number(
      'minCalls',
      (n) => Number.isInteger(n) && n >= 1,
      trans.__('A whole number of calls, at least 1.'),
    );
  number(
    'windowMinutes',
    (n) => Number.isInteger(n) && n >= 1,
    trans.__('Whole minutes, at least 1.'),
  );
  const url = d.webhookUrl.trim();
  if (url && !/^https?:\/\/[^\s]+$/i.test(url))
    problems.webhookUrl = trans.__('An http:// or https:// URL, or nothing.');
  // The gateway signs each webhook call with the secret and never returns it: a rule with a
  // webhook needs it typed again whenever the rule is saved.
  const secret = d.webhookSecret;
  if (url && secret.length < 16)
    problems.webhookSecret = trans.__(
      'A webhook needs a secret of 16 or more characters: each call is signed with it.',
    );
  if (secret && !url) problems.webhookSecret = trans.__('A secret needs a webhook URL.');
  return problems;
}

/** The rule to send for a checked draft; an edited rule keeps the version it watches. */
export function ruleInputOf(d: RuleDraft, editing?: AlertRule): AlertRuleInput {
  let condition: AlertCondition;
  switch (d.kind) {
    case 'quality':
      condition = {
        kind: 'quality',
        metric: d.metric,
        threshold: Number(d.threshold),
        minLabels: Number(d.minLabels),
      };
      break;
    case 'drift':
      condition = d.feature.trim()
        ? { kind: 'drift', feature: d.feature.trim() }
        : { kind: 'drift' };
      break;
    case 'error_rate':
      condition = { kind: 'error_rate', above: Number(d.errorRatePercent) / 100 };
      break;
    case 'latency_p95':
      condition = { kind: 'latency_p95', aboveMs: Number(d.latencyMs) };
      break;
    case 'traffic':
      condition = { kind: 'traffic', below: Number(d.minCalls) };
      break;
  }
  const input: AlertRuleInput = {
    name: d.name.trim(),
    condition,
    windowMinutes: Number(d.windowMinutes),
    enabled: d.enabled,
  };
  if (editing?.version !== undefined) input.version = editing.version;
  if (d.webhookUrl.trim()) input.webhook = { url: d.webhookUrl.trim(), secret: d.webhookSecret };
  return input;
}
