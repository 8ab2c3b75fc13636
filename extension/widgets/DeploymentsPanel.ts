import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { refreshIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import type { Deployment } from '../../gateway/src/protocol/index.js';
import type { GatewayClient } from '../client/gateway-client.js';
import { userMessage } from '../client/errors.js';
import { el } from './dom.js';

/** The sidebar: every deployment with its state and URL, and what can be done with it. */
export class DeploymentsPanel extends Widget {
  private readonly list = el('ul', {
    class: 'jp-SlipwayDeployments-list',
    'aria-label': 'Deployments',
  });
  private readonly message = el('p', { class: 'jp-SlipwayDeployments-message', role: 'status' });

  constructor(
    private readonly client: GatewayClient,
    private readonly openMonitor: (name: string) => void,
  ) {
    super();
    this.id = 'slipway-deployments';
    this.addClass('jp-SlipwayDeployments');
    this.title.caption = 'Slipway deployments';
    const refresh = el('button', {
      class: 'jp-ToolbarButtonComponent jp-mod-minimal jp-Button',
      type: 'button',
      title: 'Refresh',
      'aria-label': 'Refresh deployments',
      onClick: () => void this.refresh(),
    });
    refresh.append(refreshIcon.element({ tag: 'span' }));
    this.node.append(
      el('div', { class: 'jp-SlipwayDeployments-header' }, [
        el('h2', {}, ['Deployments']),
        refresh,
      ]),
      this.message,
      this.list,
    );
  }

  /** Reloads the list; shows the gateway's error in place of the list when it fails. */
  async refresh(): Promise<void> {
    this.message.textContent = 'Loading…';
    try {
      const deployments = await this.client.deployments();
      this.list.replaceChildren(...deployments.map((d) => this.item(d)));
      this.message.textContent = deployments.length
        ? ''
        : 'Nothing published yet: use Publish in a notebook toolbar, or right-click a model file.';
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
    const button = (label: string, aria: string, onClick: () => void) =>
      el('button', { class: 'jp-mod-styled', type: 'button', 'aria-label': aria, onClick }, [
        label,
      ]);
    return el('li', { class: 'jp-SlipwayDeployments-item', 'data-name': d.name }, [
      el('div', { class: 'jp-SlipwayDeployments-title' }, [
        el('strong', {}, [d.name]),
        el('span', { class: `jp-SlipwayStatus jp-mod-${d.status}` }, [d.status]),
      ]),
      el('div', { class: 'jp-SlipwayDeployments-meta' }, [
        `${d.format} · ${d.pool} · v${d.version}${d.public ? ' · public' : ''}`,
      ]),
      el('code', { class: 'jp-SlipwayDeployments-url' }, [d.invokeUrl]),
      el('div', { class: 'jp-SlipwayDeployments-actions' }, [
        button('Monitor', `Monitor ${d.name}`, () => this.openMonitor(d.name)),
        button('Delete', `Delete ${d.name}`, () => void this.remove(d.name)),
      ]),
    ]);
  }

  private async remove(name: string): Promise<void> {
    const answer = await showDialog({
      title: `Delete ${name}?`,
      body: 'Every version and its URL go away; callers get 404.',
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })],
    });
    if (!answer.button.accept) return;
    try {
      await this.client.deleteDeployment(name);
    } catch (err) {
      await showErrorMessage(`Could not delete ${name}`, userMessage(err));
    }
    await this.refresh();
  }
}
