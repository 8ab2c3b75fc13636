import type { Dialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { QUALITY_METRIC_NAMES } from '../../gateway/src/protocol/index.js';
import {
  CONDITION_KINDS,
  conditionKindLabel,
  type ConditionKind,
  type RuleDraft,
} from '../models/alert-rules.js';
import { metricLabel } from '../models/quality-model.js';
import { el } from './dom.js';

export interface AlertRuleFormProps {
  initial: RuleDraft;
  /** Problems from a previous attempt, by field, shown beside the fields. */
  problems?: Partial<Record<keyof RuleDraft, string>>;
  /** Feature names of the last drift report, offered for a drift rule. */
  features?: string[];
  trans: TranslationBundle;
}

/** Which fields each condition kind shows. */
const FIELDS_OF: Record<ConditionKind, (keyof RuleDraft)[]> = {
  quality: ['metric', 'threshold', 'minLabels'],
  drift: ['feature'],
  error_rate: ['errorRatePercent'],
  latency_p95: ['latencyMs'],
  traffic: ['minCalls'],
};

/** The body of the add/edit rule dialog: the condition, its window and an optional webhook. */
export class AlertRuleForm extends Widget implements Dialog.IBodyWidget<RuleDraft> {
  private readonly inputs = new Map<keyof RuleDraft, HTMLInputElement | HTMLSelectElement>();
  private readonly rows = new Map<keyof RuleDraft, HTMLElement>();
  private readonly kind: HTMLSelectElement;

  constructor({ initial, problems = {}, features = [], trans }: AlertRuleFormProps) {
    super();
    this.addClass('jp-SlipwayPublishForm');
    this.addClass('jp-SlipwayAlertRuleForm');
    const text = (field: keyof RuleDraft, label: string, attrs: Record<string, string> = {}) =>
      this.field(
        field,
        label,
        el('input', {
          type: 'text',
          name: field,
          value: String(initial[field]),
          'aria-label': label,
          spellcheck: 'false',
          ...attrs,
        }),
        problems,
      );
    this.kind = el(
      'select',
      { name: 'kind', 'aria-label': trans.__('Condition') },
      CONDITION_KINDS.map((k) =>
        el('option', { value: k, selected: k === initial.kind }, [conditionKindLabel(k, trans)]),
      ),
    );
    this.kind.addEventListener('change', () => this.showFieldsOf(this.kind.value as ConditionKind));
    const metric = el(
      'select',
      { name: 'metric', 'aria-label': trans.__('Figure') },
      QUALITY_METRIC_NAMES.map((m) =>
        el('option', { value: m, selected: m === initial.metric }, [metricLabel(m, trans)]),
      ),
    );
    const listId = `slipway-rule-features-${Math.random().toString(36).slice(2)}`;
    const enabled = el('input', {
      type: 'checkbox',
      name: 'enabled',
      checked: initial.enabled,
      'aria-label': trans.__('Enabled'),
    });
    this.inputs.set('enabled', enabled);
    this.node.append(
      text('name', trans.__('Rule name')),
      this.field('kind', trans.__('Condition'), this.kind, problems),
      this.field('metric', trans.__('Figure'), metric, problems),
      text('threshold', trans.__('Threshold'), { inputmode: 'decimal' }),
      text('minLabels', trans.__('Minimum labels'), { inputmode: 'numeric' }),
      text('feature', trans.__('Feature (empty: the whole dataset)'), { list: listId }),
      el(
        'datalist',
        { id: listId },
        features.map((f) => el('option', { value: f })),
      ),
      text('errorRatePercent', trans.__('Error rate above (%)'), { inputmode: 'decimal' }),
      text('latencyMs', trans.__('p95 latency above (ms)'), { inputmode: 'decimal' }),
      text('minCalls', trans.__('Fewer calls than'), { inputmode: 'numeric' }),
      text('windowMinutes', trans.__('Window (minutes)'), { inputmode: 'numeric' }),
      text('webhookUrl', trans.__('Webhook URL (optional)'), {
        type: 'url',
        placeholder: trans.__('https://hooks.example.com/…'),
      }),
      text('webhookSecret', trans.__('Webhook secret'), {
        type: 'password',
        autocomplete: 'new-password',
        placeholder: trans.__('16+ characters; typed again on each save'),
      }),
      el('label', { class: 'jp-SlipwayPublishForm-row' }, [
        el('span', { class: 'jp-SlipwayPublishForm-label' }, [trans.__('Enabled')]),
        enabled,
      ]),
    );
    this.showFieldsOf(initial.kind);
  }

  getValue(): RuleDraft {
    const v = (field: keyof RuleDraft) => this.inputs.get(field)!.value;
    return {
      name: v('name'),
      kind: v('kind') as ConditionKind,
      metric: v('metric') as RuleDraft['metric'],
      threshold: v('threshold'),
      minLabels: v('minLabels'),
      feature: v('feature'),
      errorRatePercent: v('errorRatePercent'),
      latencyMs: v('latencyMs'),
      minCalls: v('minCalls'),
      windowMinutes: v('windowMinutes'),
      webhookUrl: v('webhookUrl'),
      webhookSecret: v('webhookSecret'),
      enabled: (this.inputs.get('enabled') as HTMLInputElement).checked,
    };
  }

  private field(
    field: keyof RuleDraft,
    label: string,
    input: HTMLInputElement | HTMLSelectElement,
    problems: Partial<Record<keyof RuleDraft, string>>,
  ): HTMLElement {
    this.inputs.set(field, input);
    const row = el('label', { class: 'jp-SlipwayPublishForm-row' }, [
      el('span', { class: 'jp-SlipwayPublishForm-label' }, [label]),
      input,
      problems[field]
        ? el('span', { class: 'jp-SlipwayPublishForm-problem', role: 'alert' }, [problems[field]])
        : null,
    ]);
    this.rows.set(field, row);
    return row;
  }

  /** Only the fields of the chosen kind are shown; the others keep their values. */
  private showFieldsOf(kind: ConditionKind): void {
    const all = new Set(Object.values(FIELDS_OF).flat());
    for (const field of all) {
      const row = this.rows.get(field);
      if (row) row.hidden = !FIELDS_OF[kind].includes(field);
    }
  }
}
