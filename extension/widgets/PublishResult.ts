import { Clipboard } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import type { Deployment } from '../../gateway/src/protocol/index.js';
import { el } from './dom.js';

/**
 * Upload progress, then what the user needs to call the function: URL, key, curl command.
 * Lives in a dialog that stays open while the upload runs.
 */
export class PublishResult extends Widget {
  private readonly bar = el('progress', { max: '1', value: '0', 'aria-label': 'Upload progress' });
  private readonly status = el('p', { class: 'jp-SlipwayPublishResult-status', role: 'status' }, [
    'Uploading…',
  ]);

  constructor() {
    super();
    this.addClass('jp-SlipwayPublishResult');
    this.node.append(this.bar, this.status);
  }

  /** Fraction of the upload sent; at 1 the gateway is loading the model. */
  setProgress(fraction: number): void {
    this.bar.value = fraction;
    this.status.textContent =
      fraction < 1
        ? `Uploading… ${Math.round(fraction * 100)}%`
        : 'Loading the model on the gateway…';
  }

  showDeployment(d: Deployment): void {
    this.addClass('jp-mod-done');
    this.bar.remove();
    this.status.textContent = `Version ${d.version} of ${d.name} is live (${d.format}, ${d.pool} pool).`;
    const copyable = (label: string, value: string, cls: string, multiline = false) => {
      const button = el(
        'button',
        {
          class: 'jp-mod-styled jp-SlipwayCopy',
          type: 'button',
          'aria-label': `Copy ${label.toLowerCase()}`,
        },
        ['Copy'],
      );
      button.addEventListener('click', () => {
        Clipboard.copyToSystem(value);
        button.textContent = 'Copied';
      });
      const valueNode = multiline
        ? el('pre', { class: cls, 'aria-label': label }, [value])
        : el('code', { class: cls, 'aria-label': label }, [value]);
      return el('div', { class: 'jp-SlipwayPublishResult-field' }, [
        el('span', { class: 'jp-SlipwayPublishResult-label' }, [label]),
        valueNode,
        button,
      ]);
    };
    this.node.append(copyable('Invoke URL', d.invokeUrl, 'jp-SlipwayPublishResult-url'));
    if (d.invokeKey)
      this.node.append(
        copyable('Invoke key', d.invokeKey, 'jp-SlipwayPublishResult-key'),
        el('p', { class: 'jp-SlipwayPublishResult-help' }, [
          'The key is shown once: keep it. Callers send it as "Authorization: Bearer <key>".',
        ]),
      );
    else if (d.public)
      this.node.append(
        el('p', { class: 'jp-SlipwayPublishResult-help' }, ['Public: no key needed.']),
      );
    this.node.append(copyable('curl', d.curl, 'jp-SlipwayPublishResult-curl', true));
    for (const w of d.warnings ?? [])
      this.node.append(el('p', { class: 'jp-SlipwayPublishResult-warning', role: 'note' }, [w]));
  }

  showError(message: string): void {
    this.addClass('jp-mod-error');
    this.bar.remove();
    this.status.textContent = 'Not published.';
    this.node.append(el('p', { class: 'jp-SlipwayPublishResult-error', role: 'alert' }, [message]));
  }
}
