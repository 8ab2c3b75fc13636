import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { Poll } from '@lumino/polling';
import { Widget } from '@lumino/widgets';
import type { Invocation, VersionInfo } from '../../gateway/src/protocol/index.js';
import { userMessage } from '../client/errors.js';
import { chartSeries, formatLatency, type MonitorModel } from '../models/monitor-model.js';
import { el } from './dom.js';
import { LatencyChart } from './LatencyChart.js';

/**
 * One deployment's monitoring: counts, error rate, latency percentiles over time, recent calls
 * with inputs and outputs, and versions with rollback. Polls the gateway while it is visible.
 */
export class MonitorPanel extends Widget {
  private readonly chart = new LatencyChart();
  private readonly poll: Poll;
  private readonly header = el('div', { class: 'jp-SlipwayMonitor-header' });
  private readonly stats = el('div', { class: 'jp-SlipwayMonitor-stats', 'aria-label': 'Totals' });
  private readonly error = el('p', {
    class: 'jp-SlipwayMonitor-error',
    role: 'alert',
    hidden: true,
  });
  private readonly calls = el('tbody');
  private readonly versions = el('tbody');

  constructor(
    readonly model: MonitorModel,
    refreshSeconds = 2,
  ) {
    super();
    this.id = `slipway-monitor-${model.name}`;
    this.title.label = `Monitor: ${model.name}`;
    this.title.closable = true;
    this.addClass('jp-SlipwayMonitor');
    const table = (label: string, heads: string[], body: HTMLElement) =>
      el('table', { class: 'jp-SlipwayMonitor-table', 'aria-label': label }, [
        el('thead', {}, [
          el(
            'tr',
            {},
            heads.map((h) => el('th', {}, [h])),
          ),
        ]),
        body,
      ]);
    this.node.append(
      this.header,
      this.error,
      this.stats,
      this.chart.node,
      el('h3', {}, ['Recent calls']),
      table(
        'Recent calls',
        ['time', 'version', 'status', 'latency', 'input', 'output'],
        this.calls,
      ),
      el('h3', {}, ['Versions']),
      table('Versions', ['version', 'format', 'published', 'state'], this.versions),
    );
    model.changed.connect(this.render, this);
    this.poll = new Poll({
      factory: () => model.refresh(),
      frequency: { interval: refreshSeconds * 1000, backoff: false },
      standby: 'when-hidden',
      name: `slipway:monitor:${model.name}`,
    });
  }

  /** Refreshes now instead of at the next tick (after a publish or a rollback). */
  refresh(): Promise<void> {
    return this.poll.refresh();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.poll.dispose();
    this.chart.dispose();
    this.model.changed.disconnect(this.render, this);
    super.dispose();
  }

  private render(): void {
    const { snapshot, error } = this.model;
    this.error.hidden = !error;
    this.error.textContent = error ?? '';
    if (!snapshot) return;
    const { deployment: d, metrics: m, invocations } = snapshot;
    this.header.replaceChildren(
      el('h2', {}, [d.name]),
      el('span', { class: `jp-SlipwayStatus jp-mod-${d.status}` }, [d.status]),
      el('span', {}, [` v${d.version} · ${d.format} · ${d.pool} pool · `]),
      el('code', {}, [d.invokeUrl]),
    );
    const stat = (label: string, value: string) =>
      el('div', { class: 'jp-SlipwayMonitor-stat', 'aria-label': label }, [
        el('span', { class: 'jp-SlipwayMonitor-statValue' }, [value]),
        el('span', { class: 'jp-SlipwayMonitor-statLabel' }, [label]),
      ]);
    this.stats.replaceChildren(
      stat('requests', String(m.count)),
      stat('error rate', `${(m.errorRate * 100).toFixed(1)}%`),
      stat('p50', formatLatency(m.latencyMs.p50)),
      stat('p95', formatLatency(m.latencyMs.p95)),
      stat('p99', formatLatency(m.latencyMs.p99)),
    );
    this.chart.update(chartSeries(m));
    this.calls.replaceChildren(...invocations.map((i) => this.callRow(i)));
    this.versions.replaceChildren(...d.versions.map((v) => this.versionRow(v)));
  }

  private callRow(i: Invocation): HTMLTableRowElement {
    const json = (v: unknown) => {
      const s = v === undefined || v === null ? '' : JSON.stringify(v);
      return el('code', { title: s }, [s.length > 200 ? `${s.slice(0, 200)}…` : s]);
    };
    return el('tr', { class: i.status >= 400 ? 'jp-mod-error' : undefined }, [
      el('td', {}, [new Date(i.time).toLocaleTimeString()]),
      el('td', {}, [`v${i.version}`]),
      el('td', {}, [String(i.status)]),
      el('td', {}, [formatLatency(i.latencyMs)]),
      el('td', {}, [json(i.input)]),
      el('td', {}, [i.error ? i.error.message : json(i.output)]),
    ]);
  }

  private versionRow(v: VersionInfo): HTMLTableRowElement {
    const action = v.live
      ? el('span', {}, ['live'])
      : el(
          'button',
          {
            class: 'jp-mod-styled',
            type: 'button',
            'aria-label': `Roll back to version ${v.version}`,
            onClick: () => void this.rollback(v.version),
          },
          ['Roll back'],
        );
    return el('tr', { class: v.live ? 'jp-mod-live' : undefined }, [
      el('td', {}, [`v${v.version}`]),
      el('td', {}, [v.format]),
      el('td', {}, [new Date(v.createdAt).toLocaleString()]),
      el('td', {}, [action]),
    ]);
  }

  private async rollback(version: number): Promise<void> {
    const answer = await showDialog({
      title: `Roll back ${this.model.name}?`,
      body: `Version ${version} becomes live for every caller.`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Roll back' })],
    });
    if (!answer.button.accept) return;
    try {
      await this.model.rollback(version);
    } catch (err) {
      await showErrorMessage('Rollback failed', userMessage(err));
    }
  }
}
