import { Dialog, InputDialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type {
  CanarySide,
  CanaryView,
  VersionTimelineEntry,
} from '../../gateway/src/protocol/retraining.js';
import { userMessage } from '../client/errors.js';
import { formatFigure, formatShare } from '../models/figures.js';
import { formatLatency } from '../models/monitor-model.js';
import { metricLabel } from '../models/quality-model.js';
import {
  canaryPercentOf,
  canaryVerdictLabel,
  DEFAULT_CANARY_PERCENT,
  eventLabel,
  gateText,
  gateVerdict,
  originText,
  stateLabel,
  versionActions,
  type VersionAction,
  type VersionsModel,
} from '../models/versions-model.js';
import { el } from './dom.js';
import { MonitorPage } from './MonitorPage.js';
import { monitorTable } from './table.js';

const time = (iso: string) => new Date(iso).toLocaleString();

/**
 * The Versions tab: each version newest first with its state, where it came from and its
 * gate, the actions its state allows, and the running canary with its last analysis.
 */
export class VersionsTab extends MonitorPage<VersionsModel> {
  private readonly status = el('p', { class: 'jp-SlipwayMonitor-status', role: 'status' });
  private readonly canary = el('section', {
    class: 'jp-SlipwayCanary',
    'aria-label': this.trans.__('Canary'),
    hidden: true,
  });
  private readonly rows = el('tbody');

  constructor(model: VersionsModel, trans: TranslationBundle) {
    super(model, trans, 'versions', trans._p('monitor tab', 'Versions'));
    this.node.append(
      this.error,
      this.status,
      this.canary,
      monitorTable(
        trans.__('Version timeline'),
        [
          trans._p('column', 'version'),
          trans._p('column', 'state'),
          trans._p('column', 'origin'),
          trans._p('column', 'gate'),
          trans._p('column', 'created'),
          trans._p('column', 'actions'),
        ],
        this.rows,
      ),
    );
    this.render();
  }

  protected render(): void {
    this.renderError();
    const timeline = this.model.value;
    if (!timeline) {
      this.status.textContent = this.loadingText();
      return;
    }
    this.status.textContent = '';
    this.status.hidden = true;
    const canaryRunning = timeline.canary?.status === 'running';
    this.renderCanary(timeline.canary);
    this.rows.replaceChildren(...timeline.versions.map((v) => this.row(v, canaryRunning)));
  }

  private row(v: VersionTimelineEntry, canaryRunning: boolean): HTMLTableRowElement {
    const trans = this.trans;
    const gate = v.gate
      ? el('div', { class: 'jp-SlipwayGate' }, [
          el('span', {}, [gateText(v.gate, trans)]),
          el(
            'span',
            { class: `jp-SlipwayGate-verdict jp-mod-${v.gate.passed ? 'passed' : 'failed'}` },
            [gateVerdict(v.gate, trans)],
          ),
        ])
      : '–';
    const history = v.events.length
      ? el('details', { class: 'jp-SlipwayVersions-history' }, [
          el('summary', {}, [trans.__('History')]),
          el(
            'ul',
            {},
            v.events.map((e) =>
              el('li', {}, [trans.__('%1: %2', time(e.at), eventLabel(e.kind, trans))]),
            ),
          ),
        ])
      : null;
    const origin =
      v.origin.kind === 'retraining'
        ? el('span', { title: v.origin.runId }, [originText(v.origin, trans)])
        : originText(v.origin, trans);
    return el('tr', { class: `jp-mod-${v.state}`, 'data-version': String(v.version) }, [
      el('th', { scope: 'row' }, [trans.__('v%1', v.version)]),
      el('td', {}, [
        el('span', { class: `jp-SlipwayVersionState jp-mod-${v.state}` }, [
          stateLabel(v.state, v.trafficPercent, trans),
        ]),
      ]),
      el('td', {}, [origin, history]),
      el('td', {}, [gate]),
      el('td', {}, [time(v.createdAt)]),
      el('td', {}, [
        el(
          'div',
          { class: 'jp-SlipwayMonitor-actions' },
          versionActions(v.state, { canaryRunning }).map((a) => this.actionButton(a, v.version)),
        ),
      ]),
    ]);
  }

  private actionButton(action: VersionAction, version: number): HTMLButtonElement {
    const trans = this.trans;
    const words: Record<VersionAction, [string, string]> = {
      promote: [trans.__('Promote'), trans.__('Promote version %1', version)],
      canary: [trans.__('Start canary'), trans.__('Start a canary of version %1', version)],
      shadow: [trans.__('Shadow'), trans.__('Shadow version %1', version)],
      stopShadow: [trans.__('Stop shadow'), trans.__('Stop shadowing version %1', version)],
      rollback: [trans.__('Roll back'), trans.__('Roll back to version %1', version)],
      retire: [trans.__('Retire'), trans.__('Retire version %1', version)],
      endCanary: [
        trans.__('Roll back canary'),
        trans.__('Roll back the canary of version %1', version),
      ],
    };
    const [label, aria] = words[action];
    return el(
      'button',
      {
        type: 'button',
        class: action === 'promote' ? 'jp-mod-styled jp-mod-accept' : 'jp-mod-styled',
        'aria-label': aria,
        onClick: () => void this.run(action, version),
      },
      [label],
    );
  }

  /** Asks what needs asking (the canary's share, a confirmation), then acts. */
  private async run(action: VersionAction, version: number): Promise<void> {
    const trans = this.trans;
    let percent: number | undefined;
    if (action === 'canary') {
      const chosen = await this.askPercent(version);
      if (chosen === null) return;
      percent = chosen;
    } else if (action !== 'shadow' && action !== 'stopShadow') {
      const confirm: Partial<Record<VersionAction, [string, string, string]>> = {
        promote: [
          trans.__('Promote version %1 of %2?', version, this.model.name),
          trans.__('Version %1 becomes live for every caller.', version),
          trans.__('Promote'),
        ],
        rollback: [
          trans.__('Roll back %1?', this.model.name),
          trans.__('Version %1 becomes live for every caller.', version),
          trans.__('Roll back'),
        ],
        retire: [
          trans.__('Retire version %1 of %2?', version, this.model.name),
          trans.__('A retired version answers no calls and is no longer offered for promotion.'),
          trans.__('Retire'),
        ],
        endCanary: [
          trans.__('Roll back the canary of %1?', this.model.name),
          trans.__(
            'Every call goes to the live version again; version %1 stays a candidate.',
            version,
          ),
          trans.__('Roll back canary'),
        ],
      };
      const [title, body, label] = confirm[action]!;
      const answer = await showDialog({
        title,
        body,
        buttons: [
          Dialog.cancelButton(),
          action === 'promote' ? Dialog.okButton({ label }) : Dialog.warnButton({ label }),
        ],
      });
      if (!answer.button.accept) return;
    }
    try {
      await this.model.act(action, version, percent);
    } catch (err) {
      await showErrorMessage(trans.__('Version %1 was not changed', version), userMessage(err));
    }
  }

  /** The canary's share, asked until it is a whole percent from 1 to 99; null if cancelled. */
  private async askPercent(version: number): Promise<number | null> {
    const trans = this.trans;
    let value = DEFAULT_CANARY_PERCENT;
    for (;;) {
      const answer = await InputDialog.getNumber({
        title: trans.__('Start a canary of version %1', version),
        label: trans.__('Share of the calls it answers (percent, 1 to 99)'),
        value,
        okLabel: trans.__('Start canary'),
      });
      if (!answer.button.accept || answer.value === null) return null;
      const percent = canaryPercentOf(answer.value);
      if (percent !== null) return percent;
      await showErrorMessage(
        trans.__('Not a share of the calls'),
        trans.__('A canary answers a whole percent of the calls, from 1 to 99.'),
      );
      value = DEFAULT_CANARY_PERCENT;
    }
  }

  private renderCanary(canary: CanaryView | null): void {
    const trans = this.trans;
    this.canary.hidden = canary === null;
    if (!canary) return;
    if (canary.status !== 'running') {
      this.canary.replaceChildren(
        el('p', { class: 'jp-SlipwayMonitor-status' }, [
          canary.status === 'promoted'
            ? trans.__('The last canary, version %1, was promoted.', canary.version)
            : trans.__('The last canary, version %1, was rolled back.', canary.version),
        ]),
      );
      return;
    }
    const heading = el('h3', {}, [
      trans.__(
        'Canary: version %1 answers %2% of the calls (since %3)',
        canary.version,
        canary.percent,
        time(canary.startedAt),
      ),
    ]);
    const a = canary.analysis;
    if (!a) {
      this.canary.replaceChildren(
        heading,
        el('p', { class: 'jp-SlipwayMonitor-status' }, [
          trans.__(
            'No analysis yet: it needs %1 calls to the canary before it decides.',
            canary.policy.minCalls,
          ),
        ]),
      );
      return;
    }
    const side = (s: CanarySide) => [
      String(s.calls),
      formatShare(s.errorRate, trans),
      formatLatency(s.p95Ms, trans),
      String(s.labels),
      formatFigure(s.quality),
    ];
    const names = [
      trans._p('canary figure', 'calls'),
      trans._p('canary figure', 'error rate'),
      trans._p('canary figure', 'p95 latency'),
      trans._p('canary figure', 'labels'),
      metricLabel(canary.metric, trans),
    ];
    const live = side(a.live);
    const cand = side(a.canary);
    const body = el(
      'tbody',
      {},
      names.map((n, i) =>
        el('tr', {}, [
          el('th', { scope: 'row' }, [n]),
          el('td', {}, [live[i]]),
          el('td', {}, [cand[i]]),
        ]),
      ),
    );
    this.canary.replaceChildren(
      heading,
      el('p', { class: `jp-SlipwayCanary-verdict jp-mod-${a.verdict}` }, [
        trans.__('Last analysis %1: %2.', time(a.at), canaryVerdictLabel(a.verdict, trans)),
        // The reasons are the gateway's own words: shown as they came.
        ...a.reasons.map((r) => el('span', { class: 'jp-SlipwayCanary-reason' }, [` ${r}`])),
      ]),
      monitorTable(
        trans.__('Canary analysis'),
        [
          trans._p('column', 'figure'),
          trans.__('live v%1', a.live.version),
          trans.__('canary v%1', a.canary.version),
        ],
        body,
      ),
    );
  }
}
