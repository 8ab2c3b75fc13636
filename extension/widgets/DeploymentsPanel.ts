import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import type { Deployment } from '../../gateway/src/protocol/index.js';
import type { GatewayClient } from '../client/gateway-client.js';
import { userMessage } from '../client/errors.js';
import { el } from './dom.js';
import { issueNewInvokeKey } from './NewKeyDialog.js';
import { statusBadge } from './status-badge.js';

/** What the sidebar needs. */
export interface DeploymentsPanelOptions {
  client: GatewayClient;
  /** Opens the monitoring panel of a deployment. */
  openMonitor: (name: string) => void;
  /** The words of the panel: the plugin's bundle (`translator.load('slipway')`). */
  trans: TranslationBundle;
}

/** The sidebar: every deployment with its state and URL, and what can be done with it. */
export class DeploymentsPanel extends Widget {
  private readonly client: GatewayClient;
  private readonly openMonitor: (name: string) => void;
  private readonly trans: TranslationBundle;
  private readonly list: HTMLUListElement;
  private readonly message = el('p', { class: 'jp-SlipwayDeployments-message', role: 'status' });

  constructor({ client, openMonitor, trans }: DeploymentsPanelOptions) {
    super();
    this.client = client;
    this.openMonitor = openMonitor;
    this.trans = trans;
    this.id = 'slipway-deployments';
    this.addClass('jp-SlipwayDeployments');
    this.title.caption = trans.__('Slipway deployments');
    this.list = el('ul', {
      class: 'jp-SlipwayDeployments-list',
      'aria-label': trans.__('Deployments'),
    });
    const refresh = el('button', {
      class: 'jp-ToolbarButtonComponent jp-mod-minimal jp-Button',
      type: 'button',
      title: trans.__('Refresh'),
      'aria-label': trans.__('Refresh deployments'),
      onClick: () => void this.refresh(),
    });
    refresh.append(refreshIcon.element({ tag: 'span' }));
    this.node.append(
      el('div', { class: 'jp-SlipwayDeployments-header' }, [
        el('h2', {}, [trans.__('Deployments')]),
        refresh,
      ]),
      this.message,
      this.list,
    );
  }

  /** Reloads the list; shows the gateway's error in place of the list when it fails. */
  async refresh(): Promise<void> {
    const trans = this.trans;
    this.message.textContent = trans.__('Loading…');
    try {
      const deployments = await this.client.deployments();
      this.list.replaceChildren(...deployments.map((d) => this.item(d)));
      this.message.textContent = deployments.length
        ? ''
        : trans.__(
            'Nothing published yet: use Publish in a notebook toolbar, or right-click a model file.',
          );
      this.removeClass('jp-mod-error');
    } catch (err) {
      this.addClass('jp-mod-error');
      this.list.replaceChildren();
      this.message.textContent = userMessage(err);
    }
  }

  protected override onAfterShow(): void {
    void this.refresh();
  }

  private item(d: Deployment): HTMLLIElement {
    const trans = this.trans;
    const button = (label: string, aria: string, onClick: () => void) =>
      el('button', { class: 'jp-mod-styled', type: 'button', 'aria-label': aria, onClick }, [
        label,
      ]);
    const meta = d.public
      ? trans.__('%1 · %2 · v%3 · public', d.format, d.pool, d.version)
      : trans.__('%1 · %2 · v%3', d.format, d.pool, d.version);
    return el('li', { class: 'jp-SlipwayDeployments-item', 'data-name': d.name }, [
      el('div', { class: 'jp-SlipwayDeployments-title' }, [
        el('strong', {}, [d.name]),
        statusBadge(d.status, trans),
      ]),
      el('div', { class: 'jp-SlipwayDeployments-meta' }, [meta]),
      // Why it failed, or why its pool cannot place it yet (the scheduler's words).
      ...(d.statusReason
        ? [el('div', { class: 'jp-SlipwayDeployments-reason', role: 'status' }, [d.statusReason])]
        : []),
      el('code', { class: 'jp-SlipwayDeployments-url' }, [d.invokeUrl]),
      el('div', { class: 'jp-SlipwayDeployments-actions' }, [
        button(trans.__('Monitor'), trans.__('Monitor %1', d.name), () => this.openMonitor(d.name)),
        button(
          trans.__('New invoke key…'),
          trans.__('New invoke key for %1', d.name),
          () => void issueNewInvokeKey({ client: this.client, name: d.name, trans }),
        ),
        button(trans.__('Delete'), trans.__('Delete %1', d.name), () => void this.remove(d.name)),
      ]),
    ]);
  }

  private async remove(name: string): Promise<void> {
    const trans = this.trans;
    const answer = await showDialog({
      title: trans.__('Delete %1?', name),
      body: trans.__('Every version and its URL go away; callers get 404.'),
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: trans.__('Delete') })],
    });
    if (!answer.button.accept) return;
    try {
      await this.client.deleteDeployment(name);
    } catch (err) {
      await showErrorMessage(trans.__('Could not delete %1', name), userMessage(err));
    }
    await this.refresh();
  }
}
