import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Alert, AlertRule } from '../../gateway/src/protocol/monitoring.js';
import { userMessage } from '../client/errors.js';
import {
  describeCondition,
  draftOf,
  ruleInputOf,
  ruleProblems,
  type AlertsModel,
  type RuleDraft,
} from '../models/alert-rules.js';
import { formatFigure } from '../models/figures.js';
import { AlertRuleForm } from './AlertRuleForm.js';
import { el } from './dom.js';
import { MonitorPage } from './MonitorPage.js';
import { monitorTable } from './table.js';

export interface AlertsTabOptions {
  model: AlertsModel;
  trans: TranslationBundle;
  /** Feature names to offer for drift rules (from the drift tab's last report). */
  features?: () => string[];
}

const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '–');

/** The Alerts tab: alerts firing and resolved, the rules with their state, and rule editing. */
export class AlertsTab extends MonitorPage<AlertsModel> {
  private readonly features: () => string[];
  private readonly alerts = el('tbody');
  private readonly rules = el('tbody');
  private readonly noAlerts = el('p', { class: 'jp-SlipwayMonitor-status', role: 'status' });

  constructor({ model, trans, features = () => [] }: AlertsTabOptions) {
    super(model, trans, 'alerts', trans._p('monitor tab', 'Alerts'));
    this.features = features;
    this.node.append(
      this.error,
      el('h3', {}, [trans.__('Alerts')]),
      this.noAlerts,
      monitorTable(
        trans.__('Alerts'),
        [
          trans._p('column', 'state'),
          trans._p('column', 'rule'),
          trans._p('column', 'value'),
          trans._p('column', 'message'),
          trans._p('column', 'fired'),
          trans._p('column', 'resolved'),
        ],
        this.alerts,
      ),
      el('div', { class: 'jp-SlipwayMonitor-heading' }, [
        el('h3', {}, [trans.__('Rules')]),
        el(
          'button',
          {
            type: 'button',
            class: 'jp-mod-styled jp-mod-accept',
            onClick: () => void this.editRule(),
          },
          [trans.__('Add rule')],
        ),
      ]),
      monitorTable(
        trans.__('Alert rules'),
        [
          trans._p('column', 'rule'),
          trans._p('column', 'condition'),
          trans._p('column', 'window'),
          trans._p('column', 'state'),
          trans._p('column', 'last value'),
          trans._p('column', 'evaluated'),
          trans._p('column', 'actions'),
        ],
        this.rules,
      ),
    );
    this.render();
  }

  protected render(): void {
    const trans = this.trans;
    this.renderError();
    const view = this.model.value;
    if (!view) {
      this.noAlerts.textContent = this.loadingText();
      return;
    }
    this.noAlerts.hidden = view.alerts.length > 0;
    this.noAlerts.textContent = trans.__('No alert has fired.');
    this.alerts.replaceChildren(...view.alerts.map((a) => this.alertRow(a)));
    this.rules.replaceChildren(...view.rules.map((r) => this.ruleRow(r)));
  }

  private alertRow(a: Alert): HTMLTableRowElement {
    const trans = this.trans;
    return el('tr', { class: a.state === 'firing' ? 'jp-mod-firing' : undefined }, [
      el('td', {}, [
        el('span', { class: `jp-SlipwayAlertState jp-mod-${a.state}` }, [
          a.state === 'firing'
            ? trans._p('alert state', 'firing')
            : trans._p('alert state', 'resolved'),
        ]),
      ]),
      el('td', {}, [a.ruleName]),
      el('td', {}, [formatFigure(a.value)]),
      // The gateway's own description of what happened: shown as it came.
      el('td', {}, [a.message]),
      el('td', {}, [time(a.firedAt)]),
      el('td', {}, [time(a.resolvedAt)]),
    ]);
  }

  private ruleRow(r: AlertRule): HTMLTableRowElement {
    const trans = this.trans;
    const states: Record<AlertRule['state'], string> = {
      ok: trans._p('rule state', 'ok'),
      firing: trans._p('rule state', 'firing'),
      insufficient_data: trans._p('rule state', 'not enough data'),
    };
    const button = (label: string, aria: string, onClick: () => void) =>
      el('button', { type: 'button', class: 'jp-mod-styled', 'aria-label': aria, onClick }, [
        label,
      ]);
    return el('tr', { class: r.enabled ? undefined : 'jp-mod-disabled' }, [
      el('td', {}, [r.name]),
      el('td', {}, [describeCondition(r.condition, trans)]),
      el('td', {}, [trans._n('%1 minute', '%1 minutes', r.windowMinutes)]),
      el('td', {}, [
        el('span', { class: `jp-SlipwayAlertState jp-mod-${r.state}` }, [
          r.enabled ? (states[r.state] ?? r.state) : trans._p('rule state', 'disabled'),
        ]),
      ]),
      el('td', {}, [formatFigure(r.lastValue)]),
      el('td', {}, [time(r.lastEvaluatedAt)]),
      el('td', {}, [
        el('div', { class: 'jp-SlipwayMonitor-actions' }, [
          button(trans.__('Edit'), trans.__('Edit rule %1', r.name), () => void this.editRule(r)),
          button(
            trans.__('Delete'),
            trans.__('Delete rule %1', r.name),
            () => void this.deleteRule(r),
          ),
        ]),
      ]),
    ]);
  }

  /** The add/edit dialog; invalid values reopen it with the values kept. */
  private async editRule(rule?: AlertRule): Promise<void> {
    const trans = this.trans;
    let draft: RuleDraft = draftOf(rule);
    let problems: ReturnType<typeof ruleProblems> = {};
    for (;;) {
      const answer = await showDialog({
        title: rule ? trans.__('Edit rule %1', rule.name) : trans.__('Add an alert rule'),
        body: new AlertRuleForm({ initial: draft, problems, features: this.features(), trans }),
        buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Save') })],
        focusNodeSelector: 'input[name="name"]',
      });
      if (!answer.button.accept || !answer.value) return;
      draft = answer.value;
      problems = ruleProblems(draft, trans);
      if (Object.keys(problems).length) continue;
      try {
        await this.model.saveRule(ruleInputOf(draft, rule), rule?.id);
        return;
      } catch (err) {
        await showErrorMessage(trans.__('The rule was not saved'), userMessage(err));
      }
    }
  }

  private async deleteRule(rule: AlertRule): Promise<void> {
    const trans = this.trans;
    const answer = await showDialog({
      title: trans.__('Delete rule %1?', rule.name),
      body: trans.__('The rule and the alerts it fired are deleted.'),
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: trans.__('Delete') })],
    });
    if (!answer.button.accept) return;
    try {
      await this.model.deleteRule(rule.id);
    } catch (err) {
      await showErrorMessage(trans.__('Could not delete rule %1', rule.name), userMessage(err));
    }
  }
}
