import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Invocation, VersionInfo } from '../../gateway/src/protocol/index.js';
import { userMessage } from '../client/errors.js';
import { formatShare } from '../models/figures.js';
import {
  chartSeries,
  formatLatency,
  versionTrafficRows,
  type MonitorModel,
  type VersionTrafficRow,
} from '../models/monitor-model.js';
import {
  coldStartText,
  lifecycleText,
  noReplicasText,
  replicaRows,
  type ReplicaRow,
} from '../models/replicas-model.js';
import { routedVersionLabel } from '../models/routed-versions.js';
import { CallDetail, type OpenCallNotebook } from './CallDetail.js';
import { el } from './dom.js';
import { LatencyChart } from './LatencyChart.js';
import { MonitorPage } from './MonitorPage.js';
import { monitorTable } from './table.js';

/** What the Traffic tab needs besides its model. */
export interface TrafficTabOptions {
  /** Opens a notebook call's executed notebook; absent: the call detail offers none. */
  openNotebook?: OpenCallNotebook;
}

/**
 * The Traffic tab: counts, error rate, latency percentiles over time, the same per routed
 * version, recent calls with inputs and outputs (a click opens one in full), and versions
 * with rollback. Draws whatever its model last fetched.
 */
export class TrafficTab extends MonitorPage<MonitorModel> {
  private readonly chart: LatencyChart;
  private readonly stats: HTMLDivElement;
  /** Fields callers send that the model does not take: an id column, or a misspelt name. */
  private readonly ignored = el('p', { class: 'jp-SlipwayMonitor-ignored', hidden: true });
  private readonly perVersion = el('tbody');
  private readonly calls = el('tbody');
  private readonly versions = el('tbody');
  /** The lifecycle settings, and why there is no replica when there is none. */
  private readonly lifecycle = el('p', { class: 'jp-SlipwayMonitor-lifecycle' });
  private readonly coldStarts = el('p', { class: 'jp-SlipwayMonitor-coldStarts' });
  private readonly replicas = el('tbody');
  private readonly replicasSection = el('section', { class: 'jp-SlipwayReplicas', hidden: true });
  /** The call opened from the recent calls; hidden until a row is clicked. */
  readonly callDetail: CallDetail;

  constructor(model: MonitorModel, trans: TranslationBundle, options: TrafficTabOptions = {}) {
    super(model, trans, 'traffic', trans._p('monitor tab', 'Traffic'));
    this.chart = this.own(new LatencyChart(trans));
    this.callDetail = this.own(
      new CallDetail({
        client: model.client,
        name: model.name,
        trans,
        openNotebook: options.openNotebook,
        onClose: () => this.markOpenCall(),
      }),
    );
    this.stats = el('div', { class: 'jp-SlipwayMonitor-stats', 'aria-label': trans.__('Totals') });
    this.node.append(
      this.error,
      this.stats,
      this.ignored,
      this.chart.node,
      el('h3', {}, [trans.__('Calls per version')]),
      monitorTable(
        trans.__('Calls per version'),
        [
          trans._p('column', 'version'),
          trans._p('column', 'share of calls'),
          trans._p('column', 'calls'),
          trans._p('column', 'error rate'),
          trans._p('column', 'p50'),
          trans._p('column', 'p95'),
        ],
        this.perVersion,
      ),
      el('h3', {}, [trans.__('Recent calls')]),
      monitorTable(
        trans.__('Recent calls'),
        [
          trans._p('column', 'time'),
          trans._p('column', 'version'),
          trans._p('column', 'status'),
          trans._p('column', 'latency'),
          trans._p('column', 'input'),
          trans._p('column', 'output'),
        ],
        this.calls,
      ),
      this.callDetail.node,
      this.replicasSection,
      el('h3', {}, [trans.__('Versions')]),
      monitorTable(
        trans.__('Versions'),
        [
          trans._p('column', 'version'),
          trans._p('column', 'format'),
          trans._p('column', 'published'),
          trans._p('column', 'state'),
        ],
        this.versions,
      ),
    );
  }

  /** The replicas section's parts, once: filled by `renderReplicas`. */
  private buildReplicas(): void {
    const trans = this.trans;
    this.replicasSection.setAttribute('aria-label', trans.__('Replicas'));
    this.replicasSection.append(
      el('h3', {}, [trans.__('Replicas')]),
      this.lifecycle,
      this.coldStarts,
      monitorTable(
        trans.__('Replicas'),
        [
          trans._p('column', 'version'),
          trans._p('column', 'replica'),
          trans._p('column', 'state'),
          trans._p('column', 'calls'),
          trans._p('column', 'where'),
          trans._p('column', 'started'),
          trans._p('column', 'last call'),
        ],
        this.replicas,
      ),
    );
  }

  private renderReplicas(): void {
    const view = this.model.snapshot?.replicas;
    this.replicasSection.hidden = !view;
    if (!view) return;
    if (!this.replicasSection.firstChild) this.buildReplicas();
    const rows = replicaRows(view);
    this.lifecycle.textContent = lifecycleText(view.lifecycle, this.trans);
    this.coldStarts.textContent = coldStartText(view.coldStarts, this.trans);
    this.replicas.replaceChildren(
      ...(rows.length
        ? rows.map((r) => this.replicaRow(r))
        : [el('tr', {}, [el('td', { colspan: '7' }, [noReplicasText(view, this.trans)])])]),
    );
  }

  private replicaRow(r: ReplicaRow): HTMLTableRowElement {
    const trans = this.trans;
    const version =
      r.role === 'retiring'
        ? trans.__('v%1 (draining)', r.version)
        : r.role === 'live'
          ? trans.__('v%1 (live)', r.version)
          : trans.__('v%1', r.version);
    const state = {
      starting: trans._p('replica state', 'starting'),
      ready: trans._p('replica state', 'ready'),
      stopping: trans._p('replica state', 'stopping'),
    }[r.state];
    const when = (iso: string | null) => (iso ? new Date(iso).toLocaleTimeString() : '—');
    return el('tr', { class: `jp-mod-${r.state}` }, [
      el('td', {}, [version]),
      el('td', {}, [String(r.id)]),
      el('td', {}, [state]),
      el('td', {}, [String(r.calls)]),
      el('td', {}, [r.where]),
      el('td', {}, [when(r.startedAt)]),
      el('td', {}, [when(r.lastCallAt)]),
    ]);
  }

  protected render(): void {
    const trans = this.trans;
    this.renderReplicas();
    this.renderError();
    const snapshot = this.model.snapshot;
    if (!snapshot) return;
    const { deployment: d, metrics: m, invocations } = snapshot;
    const stat = (label: string, value: string) =>
      el('div', { class: 'jp-SlipwayMonitor-stat', 'aria-label': label }, [
        el('span', { class: 'jp-SlipwayMonitor-statValue' }, [value]),
        el('span', { class: 'jp-SlipwayMonitor-statLabel' }, [label]),
      ]);
    this.stats.replaceChildren(
      stat(trans.__('requests'), String(m.count)),
      stat(trans.__('error rate'), trans.__('%1%', (m.errorRate * 100).toFixed(1))),
      stat(trans.__('p50'), formatLatency(m.latencyMs.p50, trans)),
      stat(trans.__('p95'), formatLatency(m.latencyMs.p95, trans)),
      stat(trans.__('p99'), formatLatency(m.latencyMs.p99, trans)),
    );
    this.ignored.hidden = m.ignoredFields.length === 0;
    this.ignored.textContent = trans.__(
      'Ignored fields (sent by callers, not used by the model): %1',
      m.ignoredFields
        .map((f) => trans._n('%2 (%1 call)', '%2 (%1 calls)', f.calls, f.name))
        .join(', '),
    );
    this.chart.update(chartSeries(m));
    const rows = versionTrafficRows(snapshot);
    this.perVersion.replaceChildren(
      ...(rows.length
        ? rows.map((r) => this.perVersionRow(r))
        : [
            el('tr', {}, [
              el('td', { colspan: '6' }, [trans.__('No version answered calls in this window.')]),
            ]),
          ]),
    );
    this.calls.replaceChildren(...invocations.map((i) => this.callRow(i)));
    this.versions.replaceChildren(...d.versions.map((v) => this.versionRow(v)));
  }

  private perVersionRow(r: VersionTrafficRow): HTMLTableRowElement {
    const trans = this.trans;
    const m = r.metrics;
    const share =
      r.share === null
        ? el('span', { title: trans.__('Copies of the calls, answered to nobody') }, [
            trans.__('copies'),
          ])
        : formatShare(r.share, trans);
    return el('tr', { class: r.role === 'shadow' ? 'jp-mod-shadow' : undefined }, [
      el('th', { scope: 'row' }, [routedVersionLabel(r, trans)]),
      el('td', {}, [share]),
      el('td', {}, [String(m.count)]),
      el('td', {}, [formatShare(m.errorRate, trans)]),
      el('td', {}, [formatLatency(m.latencyMs.p50, trans)]),
      el('td', {}, [formatLatency(m.latencyMs.p95, trans)]),
    ]);
  }

  private callRow(i: Invocation): HTMLTableRowElement {
    const json = (v: unknown) => {
      const s = v === undefined || v === null ? '' : JSON.stringify(v);
      return el('code', { title: s }, [s.length > 200 ? `${s.slice(0, 200)}…` : s]);
    };
    const open = (e: Event) => {
      if (e instanceof KeyboardEvent && e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault();
      void this.openCall(i.id);
    };
    const classes = ['jp-SlipwayMonitor-call', i.status >= 400 ? 'jp-mod-error' : ''];
    if (i.id === this.callDetail.current) classes.push('jp-mod-selected');
    return el(
      'tr',
      {
        class: classes.join(' ').trim(),
        'data-call': i.id,
        tabindex: '0',
        title: this.trans.__('Show this call in full'),
        onClick: open,
        onKeydown: open,
      },
      [
        el('td', {}, [new Date(i.time).toLocaleTimeString()]),
        el('td', {}, [this.trans.__('v%1', i.version)]),
        el('td', {}, [String(i.status)]),
        el('td', {}, [formatLatency(i.latencyMs, this.trans)]),
        el('td', {}, [json(i.input)]),
        // The error is the function's own message, recorded by the gateway: shown as it came.
        el('td', {}, [i.error ? i.error.message : json(i.output)]),
      ],
    );
  }

  /** Shows the call below the recent calls and marks its row. */
  async openCall(id: string): Promise<void> {
    const shown = this.callDetail.showCall(id);
    this.markOpenCall();
    await shown;
  }

  private markOpenCall(): void {
    for (const row of this.calls.querySelectorAll<HTMLElement>('tr[data-call]'))
      row.classList.toggle('jp-mod-selected', row.dataset.call === this.callDetail.current);
  }

  private versionRow(v: VersionInfo): HTMLTableRowElement {
    const trans = this.trans;
    const action = v.live
      ? el('span', {}, [trans._p('version state', 'live')])
      : el(
          'button',
          {
            class: 'jp-mod-styled',
            type: 'button',
            'aria-label': trans.__('Roll back to version %1', v.version),
            onClick: () => void this.rollback(v.version),
          },
          [trans.__('Roll back')],
        );
    return el('tr', { class: v.live ? 'jp-mod-live' : undefined }, [
      el('td', {}, [trans.__('v%1', v.version)]),
      el('td', {}, [v.format]),
      el('td', {}, [new Date(v.createdAt).toLocaleString()]),
      el('td', {}, [action]),
    ]);
  }

  private async rollback(version: number): Promise<void> {
    const trans = this.trans;
    const answer = await showDialog({
      title: trans.__('Roll back %1?', this.model.name),
      body: trans.__('Version %1 becomes live for every caller.', version),
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: trans.__('Roll back') })],
    });
    if (!answer.button.accept) return;
    try {
      await this.model.rollback(version);
    } catch (err) {
      await showErrorMessage(trans.__('Rollback failed'), userMessage(err));
    }
  }
}
