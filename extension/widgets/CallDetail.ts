import { showErrorMessage } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import type { InvocationDetail } from '../../gateway/src/protocol/invocation-detail.js';
import { userMessage } from '../client/errors.js';
import type { GatewayClient } from '../client/gateway-client.js';
import { shortCallId, showValue } from '../models/call-values.js';
import { formatLatency } from '../models/monitor-model.js';
import { el } from './dom.js';

/** Opens an executed notebook in JupyterLab: the call's deployment and id name the file. */
export type OpenCallNotebook = (
  run: { deployment: string; id: string },
  notebook: Record<string, unknown>,
) => Promise<void>;

/** What a call's detail needs. */
export interface CallDetailOptions {
  client: GatewayClient;
  /** The deployment. */
  name: string;
  trans: TranslationBundle;
  /** Absent: notebook calls offer no Open executed notebook (outside JupyterLab). */
  openNotebook?: OpenCallNotebook;
  /** Called when the user closes the detail. */
  onClose?: () => void;
}

/**
 * One recorded call in full, below the recent calls: status, latency, version, the error,
 * the input and output as indented JSON (images drawn), and for a notebook its run, the
 * traceback and Open executed notebook.
 */
export class CallDetail extends Widget {
  private readonly opts: CallDetailOptions;
  private readonly body = el('div', { class: 'jp-SlipwayCallDetail-body' });
  private readonly heading = el('h3', {});
  private _current: string | null = null;
  private _detail: InvocationDetail | null = null;

  constructor(opts: CallDetailOptions) {
    super({ node: el('section', { class: 'jp-SlipwayCallDetail' }) });
    this.opts = opts;
    const { trans } = opts;
    this.node.setAttribute('aria-label', trans.__('Call detail'));
    this.node.append(
      el('div', { class: 'jp-SlipwayMonitor-heading' }, [
        this.heading,
        el(
          'button',
          {
            type: 'button',
            class: 'jp-mod-styled',
            'aria-label': trans.__('Close call detail'),
            onClick: () => this.close(),
          },
          [trans.__('Close')],
        ),
      ]),
      this.body,
    );
    this.hide();
  }

  /** The id of the call shown; null when closed. */
  get current(): string | null {
    return this._current;
  }

  /** The call as last fetched. */
  get detail(): InvocationDetail | null {
    return this._detail;
  }

  /** Fetches the call and shows it; a failure is shown in its place. */
  async showCall(id: string): Promise<void> {
    const { trans } = this.opts;
    this._current = id;
    this._detail = null;
    this.heading.textContent = trans.__('Call %1', shortCallId(id));
    this.body.replaceChildren(el('p', { role: 'status' }, [trans.__('Loading…')]));
    this.show();
    let detail: InvocationDetail;
    try {
      detail = await this.opts.client.invocation(this.opts.name, id);
    } catch (err) {
      if (this._current !== id) return;
      this.body.replaceChildren(
        el('p', { class: 'jp-SlipwayMonitor-error', role: 'alert' }, [userMessage(err)]),
      );
      return;
    }
    // Another row was clicked meanwhile: that one is shown.
    if (this._current !== id) return;
    this._detail = detail;
    this.render(detail);
    // The detail opens below the recent calls, often out of view. (jsdom lays nothing out.)
    this.node.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' });
  }

  /** Hides the detail. */
  close(): void {
    this._current = null;
    this._detail = null;
    this.hide();
    this.opts.onClose?.();
  }

  private render(d: InvocationDetail): void {
    const { trans } = this.opts;
    const fact = (term: string, value: string, cls?: string) => [
      el('dt', {}, [term]),
      el('dd', { class: cls }, [value]),
    ];
    const facts = el('dl', { class: 'jp-SlipwayCallDetail-facts' }, [
      ...fact(trans.__('status'), String(d.status), d.status >= 400 ? 'jp-mod-error' : undefined),
      ...fact(trans.__('latency'), formatLatency(d.latencyMs, trans)),
      ...fact(
        trans.__('version'),
        d.format ? trans.__('v%1 · %2', d.version, d.format) : trans.__('v%1', d.version),
      ),
      ...fact(trans.__('time'), new Date(d.time).toLocaleString()),
      ...fact(trans.__('protocol'), d.protocol),
    ]);
    const parts: (Node | null)[] = [facts];
    if (d.error)
      parts.push(
        el('h4', {}, [trans.__('Error')]),
        el('pre', { class: 'jp-SlipwayCallDetail-error', 'aria-label': trans.__('Error') }, [
          `${d.error.code}: ${d.error.message}`,
        ]),
      );
    if (d.truncated)
      parts.push(
        el('p', { class: 'jp-SlipwayMonitor-help' }, [
          trans.__('Not kept as it came: %1', d.truncated),
        ]),
      );
    if (d.ignoredFields?.length)
      parts.push(
        el('p', { class: 'jp-SlipwayMonitor-help' }, [
          trans.__('Ignored fields: %1', d.ignoredFields.join(', ')),
        ]),
      );
    parts.push(
      ...this.value(trans.__('Input'), d.input),
      ...this.value(trans.__('Output'), d.output),
    );
    if (d.run) parts.push(...this.run(d));
    this.body.replaceChildren(...parts.filter((p): p is Node => p !== null));
  }

  /** A heading, the value's text and its images; "none" when nothing was kept. */
  private value(label: string, value: unknown): Node[] {
    const shown = showValue(value);
    return [
      el('h4', {}, [label]),
      el('pre', { class: 'jp-SlipwayCallDetail-value', 'aria-label': label }, [
        shown.text || this.opts.trans.__('(none)'),
      ]),
      ...shown.images.map((img) =>
        el('figure', { class: 'jp-SlipwayCallDetail-image' }, [
          el('img', { src: img.src, alt: `${label} ${img.label}` }),
          el('figcaption', {}, [img.label]),
        ]),
      ),
    ];
  }

  private run(d: InvocationDetail): Node[] {
    const { trans, openNotebook } = this.opts;
    const run = d.run!;
    const nodes: Node[] = [
      el('h4', {}, [trans.__('Notebook run')]),
      el('p', {}, [trans.__('Run %1: %2', shortCallId(run.id), run.status)]),
    ];
    for (const tb of run.tracebacks)
      nodes.push(
        el('h4', {}, [
          tb.executionCount === null
            ? trans.__('Traceback')
            : trans.__('Traceback (cell [%1])', tb.executionCount),
        ]),
        el(
          'pre',
          { class: 'jp-SlipwayCallDetail-traceback', 'aria-label': trans.__('Traceback') },
          [tb.traceback || `${tb.ename}: ${tb.evalue}`],
        ),
      );
    if (run.notebookPath && openNotebook)
      nodes.push(
        el(
          'button',
          {
            type: 'button',
            class: 'jp-mod-styled jp-mod-accept',
            onClick: () => void this.openExecuted(d),
          },
          [trans.__('Open executed notebook')],
        ),
      );
    else if (!run.notebookPath)
      nodes.push(
        el('p', { class: 'jp-SlipwayMonitor-help' }, [
          trans.__('The run has not written its executed notebook.'),
        ]),
      );
    return nodes;
  }

  private async openExecuted(d: InvocationDetail): Promise<void> {
    const { client, name, trans, openNotebook } = this.opts;
    try {
      await openNotebook!({ deployment: name, id: d.id }, await client.callNotebook(name, d.id));
    } catch (err) {
      await showErrorMessage(trans.__('The notebook was not opened'), userMessage(err));
    }
  }
}
