import type { TranslationBundle } from '@jupyterlab/translation';
import type { Message } from '@lumino/messaging';
import { Poll } from '@lumino/polling';
import { PanelLayout, TabBar, Widget } from '@lumino/widgets';
import type { MonitoringEvent } from '../../gateway/src/protocol/monitoring.js';
import type { LiveEvents, LiveState } from '../client/live-events.js';
import { AlertsModel } from '../models/alert-rules.js';
import { DriftModel, driftRows } from '../models/drift-model.js';
import { JobsModel } from '../models/jobs-model.js';
import type { MonitorModel } from '../models/monitor-model.js';
import {
  eventDeployment,
  MONITOR_TABS,
  shouldPoll,
  StaleTabs,
  type MonitorTab,
} from '../models/monitor-tabs.js';
import { QualityModel } from '../models/quality-model.js';
import { RetrainingModel } from '../models/retraining-model.js';
import { TryItModel } from '../models/try-it-model.js';
import { VersionsModel } from '../models/versions-model.js';
import { AlertsTab } from './AlertsTab.js';
import { el } from './dom.js';
import { JobsTab } from './JobsTab.js';
import { issueNewInvokeKey } from './NewKeyDialog.js';
import { exportDeploymentBundle } from './export-bundle.js';
import { shareDeploymentPage } from './ShareLinkDialog.js';
import { DriftTab } from './DriftTab.js';
import { QualityTab } from './QualityTab.js';
import { RetrainingTab, type OpenRunNotebook } from './RetrainingTab.js';
import { statusBadge } from './status-badge.js';
import { TrafficTab } from './TrafficTab.js';
import { TryItTab } from './TryItTab.js';
import { VersionsTab } from './VersionsTab.js';

/** What a monitoring panel needs. */
export interface MonitorPanelOptions {
  /** Traffic, versions and the header's deployment. */
  model: MonitorModel;
  /** The words of the panel: the plugin's bundle (`translator.load('slipway')`). */
  trans: TranslationBundle;
  /** Seconds between refreshes of the Traffic tab while the panel is visible. */
  refreshSeconds?: number;
  /** Seconds between polls of the tabs other than Traffic while no event stream is open. */
  reportSeconds?: number;
  /** The other tabs' models; made on `model.client` when not given. */
  quality?: QualityModel;
  drift?: DriftModel;
  alerts?: AlertsModel;
  versions?: VersionsModel;
  retraining?: RetrainingModel;
  jobs?: JobsModel;
  /** Opens a retraining run's executed notebook; absent: runs offer no Open notebook. */
  openRunNotebook?: OpenRunNotebook;
  /** The gateway's event stream for this deployment; the panel starts it and disposes it. */
  events?: LiveEvents;
}

/** A tab's page: a widget that can fetch its figures again. */
type Page = Widget & { refresh(): Promise<void> };

/**
 * One deployment's monitoring in tabs: Traffic, Quality, Drift, Alerts, Versions, Retraining,
 * Jobs and Try it. Refreshes the shown tab when an event about it arrives, and polls while the
 * event stream is down (Traffic polls always, as it did before the stream existed). Nothing
 * is fetched while hidden.
 */
export class MonitorPanel extends Widget {
  readonly model: MonitorModel;
  readonly tabBar: TabBar<Widget>;
  private readonly trans: TranslationBundle;
  private readonly pages: Record<MonitorTab, Page>;
  private readonly loaded: Record<MonitorTab, () => boolean>;
  private readonly reportRefreshedAt: (tab: MonitorTab) => Date | null;
  private readonly stale = new StaleTabs();
  private readonly events: LiveEvents | null;
  private readonly poll: Poll;
  private readonly refreshSeconds: number;
  private readonly reportSeconds: number;
  private readonly header = el('div', { class: 'jp-SlipwayMonitor-header' });
  private readonly live = el('span', { class: 'jp-SlipwayMonitor-live', role: 'status' });
  private readonly newKey: HTMLButtonElement;
  private readonly share: HTMLButtonElement;
  private readonly exportBundle: HTMLButtonElement;

  constructor(options: MonitorPanelOptions) {
    super();
    const { model, trans, refreshSeconds = 2, reportSeconds = 30 } = options;
    this.model = model;
    this.trans = trans;
    this.refreshSeconds = refreshSeconds;
    this.reportSeconds = Math.max(reportSeconds, refreshSeconds);
    this.events = options.events ?? null;
    this.id = `slipway-monitor-${model.name}`;
    this.title.label = trans.__('Monitor: %1', model.name);
    this.title.closable = true;
    this.addClass('jp-SlipwayMonitor');
    this.newKey = el(
      'button',
      {
        class: 'jp-mod-styled jp-SlipwayMonitor-newKey',
        type: 'button',
        'aria-label': trans.__('New invoke key for %1', model.name),
        onClick: () => void issueNewInvokeKey({ client: model.client, name: model.name, trans }),
      },
      [trans.__('New invoke key…')],
    );
    this.share = el(
      'button',
      {
        class: 'jp-mod-styled jp-SlipwayMonitor-share',
        type: 'button',
        'aria-label': trans.__('Share the page of %1', model.name),
        onClick: () => void shareDeploymentPage({ client: model.client, name: model.name, trans }),
      },
      [trans.__('Share page…')],
    );
    this.exportBundle = el(
      'button',
      {
        class: 'jp-mod-styled jp-SlipwayMonitor-export',
        type: 'button',
        'aria-label': trans.__('Export %1 as a bundle that runs without the gateway', model.name),
        title: trans.__(
          'Download the live version with its runner, run.sh, Dockerfile and Kubernetes manifest',
        ),
        onClick: () =>
          void exportDeploymentBundle({ client: model.client, name: model.name, trans }),
      },
      [trans.__('Export')],
    );

    const quality = options.quality ?? new QualityModel(model.name, model.client);
    const drift = options.drift ?? new DriftModel(model.name, model.client);
    const alerts = options.alerts ?? new AlertsModel(model.name, model.client);
    const versions = options.versions ?? new VersionsModel(model.name, model.client);
    const retraining = options.retraining ?? new RetrainingModel(model.name, model.client);
    const jobs = options.jobs ?? new JobsModel(model.name, model.client);
    const tryIt = new TryItModel(model.name, model.client);
    this.pages = {
      traffic: new TrafficTab(model, trans, { openNotebook: options.openRunNotebook }),
      quality: new QualityTab(quality, trans),
      drift: new DriftTab(drift, trans),
      alerts: new AlertsTab({
        model: alerts,
        trans,
        features: () => (drift.value ? driftRows(drift.value).map((f) => f.name) : []),
      }),
      versions: new VersionsTab(versions, trans),
      retraining: new RetrainingTab({
        model: retraining,
        trans,
        openNotebook: options.openRunNotebook,
      }),
      jobs: new JobsTab({ model: jobs, trans }),
      tryit: new TryItTab(tryIt, trans),
    };
    this.loaded = {
      traffic: () => model.snapshot !== null,
      quality: () => quality.refreshedAt !== null,
      drift: () => drift.refreshedAt !== null,
      alerts: () => alerts.refreshedAt !== null,
      versions: () => versions.refreshedAt !== null,
      retraining: () => retraining.refreshedAt !== null,
      jobs: () => jobs.refreshedAt !== null,
      tryit: () => tryIt.refreshedAt !== null,
    };
    this.reportRefreshedAt = (tab) =>
      ({
        traffic: null,
        quality: quality.refreshedAt,
        drift: drift.refreshedAt,
        alerts: alerts.refreshedAt,
        versions: versions.refreshedAt,
        retraining: retraining.refreshedAt,
        jobs: jobs.refreshedAt,
        tryit: tryIt.refreshedAt,
      })[tab];

    this.tabBar = new TabBar<Widget>({ orientation: 'horizontal', insertBehavior: 'none' });
    this.tabBar.addClass('jp-SlipwayMonitor-tabs');
    const layout = new PanelLayout();
    this.layout = layout;
    const header = new Widget({ node: this.header });
    layout.addWidget(header);
    layout.addWidget(this.tabBar);
    for (const tab of MONITOR_TABS) {
      const page = this.pages[tab];
      page.node.dataset.tab = tab;
      this.tabBar.addTab(page.title);
      layout.addWidget(page);
      if (tab !== 'traffic') page.hide();
    }
    this.tabBar.currentIndex = 0;
    this.tabBar.currentChanged.connect(this.onTabChanged, this);

    model.changed.connect(this.renderHeader, this);
    versions.changed.connect(this.onVersionsChanged, this);
    this.events?.received.connect(this.onEvent, this);
    this.events?.stateChanged.connect(this.onLiveState, this);
    this.renderLive();
    this.poll = new Poll({
      factory: () => this.tick(),
      frequency: { interval: refreshSeconds * 1000, backoff: false },
      standby: () => document.hidden || !this.isVisible,
      name: `slipway:monitor:${model.name}`,
    });
  }

  /** The tab shown. */
  get currentTab(): MonitorTab {
    return MONITOR_TABS[Math.max(0, this.tabBar.currentIndex)]!;
  }

  /** Shows a tab (and fetches its figures when they are not current). */
  showTab(tab: MonitorTab): void {
    this.tabBar.currentIndex = MONITOR_TABS.indexOf(tab);
  }

  /** The widget of a tab. */
  page(tab: MonitorTab): Widget {
    return this.pages[tab];
  }

  /** Refreshes the traffic and the shown tab now (after a publish or a rollback). */
  async refresh(): Promise<void> {
    const tab = this.currentTab;
    await Promise.all([
      this.model.refresh(),
      tab === 'traffic' ? undefined : this.pages[tab].refresh(),
    ]);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.poll.dispose();
    this.events?.dispose();
    this.model.changed.disconnect(this.renderHeader, this);
    super.dispose();
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    void this.events?.start();
    if (this.isVisible) this.showCurrent();
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.showCurrent();
  }

  private get isLive(): boolean {
    return this.events?.state === 'open';
  }

  private async tick(): Promise<void> {
    const tab = this.currentTab;
    const due = shouldPoll(
      tab,
      { live: this.isLive, refreshedAt: this.reportRefreshedAt(tab), now: new Date() },
      { refreshSeconds: this.refreshSeconds, reportSeconds: this.reportSeconds },
    );
    if (due) await this.pages[tab].refresh();
  }

  private onTabChanged(): void {
    for (const tab of MONITOR_TABS) this.pages[tab].setHidden(tab !== this.currentTab);
    this.showCurrent();
  }

  /** Fetches the shown tab when its figures are not current: stale, never loaded, or not live. */
  private showCurrent(): void {
    const tab = this.currentTab;
    const stale = this.stale.take(tab);
    if (stale || !this.loaded[tab]() || (!this.isLive && tab !== 'traffic'))
      void this.pages[tab].refresh();
    // The header is drawn from the traffic figures: a panel opened on another tab needs them.
    if (tab !== 'traffic' && !this.loaded.traffic()) void this.model.refresh();
  }

  private onEvent(_: LiveEvents, event: MonitoringEvent): void {
    if (eventDeployment(event) !== this.model.name) return;
    const shown = this.isVisible ? this.currentTab : null;
    for (const tab of this.stale.onEvent(event, shown)) void this.pages[tab].refresh();
    // The header shows the live version: keep it right whichever tab is shown.
    if ((event.type === 'deployment' || event.type === 'versions') && shown !== 'traffic')
      void this.model.refresh();
  }

  /** A promotion from the Versions tab changes the live version the header shows. */
  private onVersionsChanged(versions: VersionsModel): void {
    const live = versions.value?.versions.find((v) => v.state === 'live')?.version;
    const shown = this.model.snapshot?.deployment.version;
    if (live !== undefined && shown !== undefined && live !== shown) void this.model.refresh();
  }

  private onLiveState(_: LiveEvents, state: LiveState): void {
    this.renderLive();
    // The gateway does not replay what it sent while the stream was down: reload.
    if (state === 'open')
      for (const tab of this.stale.onOpen(this.isVisible ? this.currentTab : null))
        void this.pages[tab].refresh();
  }

  private renderLive(): void {
    const trans = this.trans;
    const state: LiveState | null = this.events?.state ?? null;
    this.live.className = `jp-SlipwayMonitor-live jp-mod-${state ?? 'polling'}`;
    this.live.title = this.events?.error ?? '';
    this.live.textContent =
      state === 'open'
        ? trans.__('live')
        : state === 'connecting'
          ? trans.__('connecting…')
          : trans.__('polling every %1 s', this.refreshSeconds);
  }

  private renderHeader(): void {
    const trans = this.trans;
    const d = this.model.snapshot?.deployment;
    if (!d) return;
    this.header.replaceChildren(
      el('h2', {}, [d.name]),
      statusBadge(d.status, trans),
      el('span', {}, [` ${trans.__('v%1 · %2 · %3 pool', d.version, d.format, d.pool)} · `]),
      el('code', {}, [d.invokeUrl]),
      this.live,
      this.newKey,
      this.share,
      this.exportBundle,
    );
  }
}
