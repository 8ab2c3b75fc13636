import type { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import type { AuditEntry } from '../../gateway/src/protocol/identity.js';
import type { GatewayClient } from '../client/gateway-client.js';
import { userMessage } from '../client/errors.js';
import { el } from './dom.js';

/** Entries shown at once (the gateway's answer is newest first). */
const SHOWN = 200;

/**
 * The gateway's audit log for admins: every management action, newest first, with who did it,
 * how they authenticated, what, on which deployment, from where and how it ended. Filters by
 * user and by deployment are sent to the gateway.
 */
export class AuditLogPanel extends Widget {
  private readonly actor: HTMLInputElement;
  private readonly deployment: HTMLInputElement;
  private readonly body = el('tbody');
  private readonly message = el('p', { class: 'jp-SlipwayAudit-message', role: 'status' });

  constructor(
    private readonly client: GatewayClient,
    private readonly trans: TranslationBundle,
  ) {
    super();
    this.id = 'slipway-audit-log';
    this.addClass('jp-SlipwayAudit');
    this.title.label = trans.__('Slipway Audit Log');
    this.title.closable = true;
    const filter = (label: string, name: string) =>
      el('input', {
        type: 'search',
        name,
        'aria-label': label,
        placeholder: label,
        onChange: () => void this.refresh(),
      });
    this.actor = filter(trans.__('User'), 'actor');
    this.deployment = filter(trans.__('Deployment'), 'deployment');
    const refresh = el('button', {
      class: 'jp-ToolbarButtonComponent jp-mod-minimal jp-Button',
      type: 'button',
      title: trans.__('Refresh'),
      'aria-label': trans.__('Refresh the audit log'),
      onClick: () => void this.refresh(),
    });
    refresh.append(refreshIcon.element({ tag: 'span' }));
    const head = el(
      'tr',
      {},
      [
        trans.__('Time'),
        trans.__('User'),
        trans.__('Via'),
        trans.__('Action'),
        trans.__('Deployment'),
        trans.__('Result'),
        trans.__('From'),
      ].map((h) => el('th', { scope: 'col' }, [h])),
    );
    this.node.append(
      el('div', { class: 'jp-SlipwayAudit-header' }, [
        el('h2', {}, [trans.__('Audit log')]),
        this.actor,
        this.deployment,
        refresh,
      ]),
      this.message,
      el('table', { class: 'jp-SlipwayAudit-table', 'aria-label': trans.__('Audit log') }, [
        el('thead', {}, [head]),
        this.body,
      ]),
    );
  }

  /** Reloads the entries with the filters of the moment; shows the gateway's error instead. */
  async refresh(): Promise<void> {
    let entries: AuditEntry[];
    try {
      entries = await this.client.audit({
        actor: this.actor.value.trim() || undefined,
        deployment: this.deployment.value.trim() || undefined,
        limit: SHOWN,
      });
    } catch (err) {
      this.body.replaceChildren();
      this.message.textContent = userMessage(err);
      return;
    }
    this.message.textContent = entries.length ? '' : this.trans.__('No management actions yet.');
    this.body.replaceChildren(...entries.map((e) => this.row(e)));
  }

  private row(e: AuditEntry): HTMLTableRowElement {
    const ok = e.status < 400;
    return el('tr', { 'data-id': String(e.id), class: ok ? '' : 'jp-mod-refused' }, [
      el('td', {}, [new Date(e.time).toLocaleString()]),
      el('td', {}, [e.actor]),
      el('td', {}, [e.via]),
      el('td', {}, [el('code', {}, [`${e.method} ${e.path}`])]),
      el('td', {}, [e.deploymentName ?? '']),
      el('td', {}, [String(e.status)]),
      el('td', {}, [e.remote ?? '']),
    ]);
  }
}
