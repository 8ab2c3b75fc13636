// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { Dialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DeploymentDetail, Invocation, Metrics } from '../../gateway/src/protocol/index.js';
import { irisDeployment, irisDetail } from '../testing/deployments.js';
import { GatewayClient } from '../client/gateway-client.js';
import { MonitorModel } from '../models/monitor-model.js';
import { publishProblems } from '../models/publish-options.js';
import { marked, markingTranslator, untranslatedIn } from '../testing/marking-translator.js';
import { DeploymentsPanel } from './DeploymentsPanel.js';
import { MonitorPanel } from './MonitorPanel.js';
import { PublishForm } from './PublishForm.js';
import { PublishResult } from './PublishResult.js';
import { showCellTags } from './cell-tag-badges.js';
import { UNTIL } from '../testing/until.js';
import {
  accuracyRule,
  alerts,
  driftReport,
  driftRule,
  monitoringFetch,
} from '../testing/monitoring.js';
import { AlertsModel } from '../models/alert-rules.js';
import { DriftModel } from '../models/drift-model.js';
import { QualityModel } from '../models/quality-model.js';
import { DataUploadForm } from './DataUploadForm.js';
import { DataUploadProgress } from './DataUploadProgress.js';
import { QualityTab } from './QualityTab.js';
import { DriftTab } from './DriftTab.js';
import { AlertsTab } from './AlertsTab.js';

// jsdom has no canvas: a stand-in Chart keeps what the chart was asked to draw.
const charts = vi.hoisted(() => [] as { data: unknown; options: unknown }[]);
vi.mock('chart.js', async (original) =>
  (await import('../testing/chart-stand-in.js')).withChartStandIn(
    await original<typeof import('chart.js')>(),
    charts,
  ),
);

const translator = markingTranslator();
const trans = translator.load('slipway');

const iris: DeploymentDetail = {
  ...irisDeployment({
    version: 2,
    warnings: ['The gateway says: no parameters cell.'],
    updatedAt: '2026-11-22T10:05:00.000Z',
  }),
  versions: [
    {
      version: 2,
      format: 'onnx',
      artifactSha256: 'a',
      artifactSize: 1,
      live: true,
      createdAt: '2026-11-22T10:05:00.000Z',
    },
    {
      version: 1,
      format: 'onnx',
      artifactSha256: 'b',
      artifactSize: 1,
      live: false,
      createdAt: '2026-11-22T10:00:00.000Z',
    },
  ],
};
const metrics: Metrics = {
  name: 'iris',
  from: '2026-11-22T09:05:00.000Z',
  to: '2026-11-22T10:05:00.000Z',
  count: 2,
  errors: 1,
  serverErrors: 0,
  errorRate: 0.5,
  latencyMs: { p50: 3, p95: 40, p99: 1500, mean: 20 },
  ignoredFields: [{ name: 'row_id', calls: 2 }],
  truncatedCalls: 0,
  series: [
    {
      minute: '2026-11-22T10:04:00.000Z',
      count: 2,
      errors: 1,
      serverErrors: 0,
      p50: 3,
      p95: 40,
      p99: 1500,
    },
  ],
};
const invocations: Invocation[] = [
  {
    id: '1',
    name: 'iris',
    version: 2,
    time: '2026-11-22T10:04:10.000Z',
    latencyMs: 3,
    status: 200,
    protocol: 'records',
    input: { X: [1, 2] },
    output: { label: 'setosa' },
    error: null,
    ignoredFields: ['row_id'],
    truncated: null,
  },
  {
    id: '2',
    name: 'iris',
    version: 2,
    time: '2026-11-22T10:04:20.000Z',
    latencyMs: 1,
    status: 400,
    protocol: 'records',
    input: { X: 'x' },
    output: null,
    error: { code: 'invalid_input', message: 'X must be numbers' },
    ignoredFields: null,
    truncated: null,
  },
];

/** What the gateway sent, and how the browser writes dates: shown as they came. */
const DATA = [
  iris.name,
  iris.invokeUrl,
  iris.invokeKey!,
  iris.curl,
  ...iris.warnings!,
  'onnx',
  'cpu',
  'gpu',
  ...invocations.flatMap((i) => [
    JSON.stringify(i.input),
    JSON.stringify(i.output),
    new Date(i.time).toLocaleTimeString(),
    i.error?.message ?? '',
  ]),
  ...iris.versions.map((v) => new Date(v.createdAt).toLocaleString()),
];

/** A client whose gateway answers from the fixtures above, or not at all once `down`. */
function fixtureClient(state = { down: false, empty: false }): GatewayClient {
  const answer = (path: string): unknown => {
    if (path === '/api/deployments') return { deployments: state.empty ? [] : [iris] };
    if (path === '/api/deployments/iris') return iris;
    if (path.startsWith('/api/deployments/iris/metrics')) return metrics;
    if (path.startsWith('/api/deployments/iris/invocations')) return { invocations };
    throw new Error(`unexpected ${path}`);
  };
  return new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    {
      trans,
      fetch: async (input) => {
        if (state.down) throw new TypeError('fetch failed');
        const url = new URL(String(input));
        return new Response(JSON.stringify(answer(url.pathname)), { status: 200 });
      },
    },
  );
}

/** The dialog showDialog put on the page, once React has drawn its title. */
async function openDialog(): Promise<HTMLElement> {
  return vi.waitFor(() => {
    const dialog = document.querySelector<HTMLElement>('.jp-Dialog');
    expect(dialog?.querySelector('.jp-Dialog-header')?.textContent).toBeTruthy();
    return dialog!;
  }, UNTIL);
}

/** Answers the open dialog with its first button (Cancel), as a person would. */
async function cancelDialog(dialog: HTMLElement): Promise<void> {
  dialog.querySelector<HTMLButtonElement>('.jp-Dialog-footer button')!.click();
  await vi.waitFor(() => expect(document.querySelector('.jp-Dialog')).toBeNull(), UNTIL);
}

beforeAll(() => {
  // As in JupyterLab, where the application's translator also serves the dialogs' own buttons.
  Dialog.translator = translator;
});
afterEach(() => {
  Dialog.flush();
  document.body.replaceChildren();
});

describe('widgets speak through the translator they are given', () => {
  it('the publish form: labels, help, placeholders and problems', () => {
    const initial = { name: 'Bad Name', pool: 'cpu', public: false, preprocess: 'x' };
    const form = new PublishForm({
      path: 'work/iris.pkl',
      format: 'pickle',
      pools: ['cpu', 'gpu'],
      initial,
      problems: publishProblems({ ...initial, timeoutSeconds: 0 }, trans),
      trans,
    });
    // The snippets' placeholders are Python around a translated comment.
    const python = [
      'def preprocess(records):',
      'import pandas as pd',
      'return pd.DataFrame(records)',
      'def predict(model, data):',
      'return model.predict(data).tolist()',
      '[{"name": "text", "type": "string"}]',
    ];
    expect(untranslatedIn(form.node, [...DATA, 'work/iris.pkl', ...python])).toEqual([]);
    expect(form.node.querySelectorAll('[role="alert"]')).toHaveLength(3);
    expect(form.node.querySelector('input[name="name"]')?.getAttribute('aria-label')).toBe(
      marked('Deployment name'),
    );
  });

  it('the publish result: progress, the deployment, and a failure', () => {
    const result = new PublishResult(trans);
    result.setProgress(0.42);
    expect(result.node.textContent).toContain(marked('Uploading… 42%'));
    expect(untranslatedIn(result.node, DATA)).toEqual([]);
    result.showDeployment(iris);
    expect(untranslatedIn(result.node, DATA)).toEqual([]);

    const open = new PublishResult(trans);
    open.showDeployment({ ...iris, invokeKey: undefined, public: true, warnings: [] });
    expect(open.node.textContent).toContain(marked('Public: no key needed.'));
    open.showError(marked('The gateway cannot use this file: bad bytes'));
    expect(untranslatedIn(open.node, DATA)).toEqual([]);
  });

  it('the deployments panel: list, empty state, error, and the delete dialog', async () => {
    const state = { down: false, empty: false };
    const panel = new DeploymentsPanel({
      client: fixtureClient(state),
      openMonitor: () => {},
      trans,
    });
    expect(panel.title.caption).toBe(marked('Slipway deployments'));
    await panel.refresh();
    expect(panel.node.querySelectorAll('li')).toHaveLength(1);
    expect(panel.node.textContent).toContain(marked('onnx · cpu · v2'));
    expect(untranslatedIn(panel.node, DATA)).toEqual([]);

    panel.node.querySelector<HTMLButtonElement>('button[aria-label="«Delete iris»"]')!.click();
    const dialog = await openDialog();
    expect(dialog.textContent).toContain(marked('Delete iris?'));
    expect(untranslatedIn(dialog, DATA)).toEqual([]);
    await cancelDialog(dialog);

    state.empty = true;
    await panel.refresh();
    expect(panel.node.querySelector('[role="status"]')?.textContent).toMatch(/^«Nothing published/);
    state.down = true;
    await panel.refresh();
    expect(panel.node.querySelector('[role="status"]')?.textContent).toMatch(
      /^«Slipway gateway not reachable at http:\/\/gw\.test/,
    );
    expect(untranslatedIn(panel.node, DATA)).toEqual([]);
    panel.dispose();
  });

  it('the monitor panel: totals, chart, tables, the rollback dialog and errors', async () => {
    const state = { down: false, empty: false };
    const model = new MonitorModel('iris', fixtureClient(state));
    const panel = new MonitorPanel({ model, trans, refreshSeconds: 3600 });
    expect(panel.title.label).toBe(marked('Monitor: iris'));
    await model.refresh();
    expect(panel.node.querySelector('[aria-label="«requests»"]')?.textContent).toBe('2«requests»');
    expect(panel.node.querySelectorAll('tbody tr')).toHaveLength(5);
    expect(untranslatedIn(panel.node, DATA)).toEqual([]);

    const chart = charts.at(-1) as {
      data: { datasets: { label: string }[] };
      options: { scales: Record<string, { title?: { text: string } }> };
    };
    const chartWords = [
      ...chart.data.datasets.map((d) => d.label),
      ...Object.values(chart.options.scales).flatMap((s) => (s.title ? [s.title.text] : [])),
    ];
    expect(chartWords).toHaveLength(7);
    for (const word of chartWords) expect(word).toMatch(/^«.*»$/);

    panel.node
      .querySelector<HTMLButtonElement>('button[aria-label="«Roll back to version 1»"]')!
      .click();
    const dialog = await openDialog();
    expect(dialog.textContent).toContain(marked('Version 1 becomes live for every caller.'));
    expect(untranslatedIn(dialog, DATA)).toEqual([]);
    await cancelDialog(dialog);

    state.down = true;
    await model.refresh();
    expect(panel.node.querySelector('[role="alert"]')?.textContent).toMatch(/^«Slipway gateway/);
    expect(untranslatedIn(panel.node, DATA)).toEqual([]);
    panel.dispose();
  });

  it('the quality, drift and alerts tabs, the rule dialog, and their charts', async () => {
    const client = new GatewayClient(
      { baseUrl: 'http://gw.test', token: 't' },
      { trans, fetch: monitoringFetch() },
    );
    // What the gateway sent: names, classes, messages, URLs, and the browser's dates.
    const MONITORING = [
      ...driftReport.features.map((f) => f.name),
      'setosa',
      'versicolor',
      'virginica',
      'red',
      'blue',
      accuracyRule.name,
      driftRule.name,
      accuracyRule.webhook!.url,
      ...alerts.flatMap((a) => [
        a.message,
        a.ruleName,
        new Date(a.firedAt).toLocaleString(),
        a.resolvedAt ? new Date(a.resolvedAt).toLocaleString() : '',
      ]),
      new Date(accuracyRule.lastEvaluatedAt!).toLocaleString(),
    ];
    const chartWords = () => {
      const chart = charts.at(-1) as {
        data: { datasets: { label: string }[] };
        options: { scales: Record<string, { title?: { text: string } }> };
      };
      return [
        ...chart.data.datasets.map((d) => d.label),
        ...Object.values(chart.options.scales).flatMap((s) => (s.title ? [s.title.text] : [])),
      ];
    };

    const quality = new QualityTab(new QualityModel('iris', client), trans);
    expect(quality.title.label).toBe(marked('Quality'));
    expect(untranslatedIn(quality.node, MONITORING)).toEqual([]);
    await quality.refresh();
    expect(quality.node.querySelectorAll('table')).toHaveLength(2);
    expect(untranslatedIn(quality.node, MONITORING)).toEqual([]);
    for (const word of chartWords()) expect(word).toMatch(/^«.*»$/);
    quality.dispose();

    const drift = new DriftTab(new DriftModel('iris', client), trans);
    await drift.refresh();
    drift.model.select('petal_length');
    expect(drift.node.querySelector('.jp-SlipwayDrift-detail')?.hasAttribute('hidden')).toBe(false);
    expect(untranslatedIn(drift.node, MONITORING)).toEqual([]);
    for (const word of chartWords()) expect(word).toMatch(/^«.*»$/);
    drift.dispose();

    // Calls go to three versions: the version picker speaks the user's words too.
    const routed = new GatewayClient(
      { baseUrl: 'http://gw.test', token: 't' },
      {
        trans,
        fetch: monitoringFetch([], () =>
          irisDetail({
            version: 3,
            traffic: { split: { '3': 90, '2': 10 }, sticky: null },
            shadow: { version: 1 },
          }),
        ),
      },
    );
    const perVersion = new DriftTab(new DriftModel('iris', routed), trans);
    await perVersion.refresh();
    const picked = perVersion.node.querySelector('select[aria-label="«Version»"]');
    expect([...picked!.querySelectorAll('option')].map((o) => o.textContent)).toEqual([
      marked(`v3 (${marked('live')}, 90%)`),
      marked(`v2 (${marked('split')}, 10%)`),
      marked(`v1 (${marked('shadow')})`),
    ]);
    expect(untranslatedIn(perVersion.node, MONITORING)).toEqual([]);
    perVersion.dispose();

    const alertsTab = new AlertsTab({
      model: new AlertsModel('iris', client),
      trans,
      features: () => ['petal_length'],
    });
    await alertsTab.refresh();
    expect(alertsTab.node.querySelectorAll('tbody tr')).toHaveLength(4);
    expect(untranslatedIn(alertsTab.node, MONITORING)).toEqual([]);
    alertsTab.node
      .querySelector<HTMLButtonElement>(`button[aria-label="«Edit rule ${accuracyRule.name}»"]`)!
      .click();
    const dialog = await openDialog();
    expect(dialog.querySelector('input[name="threshold"]')?.getAttribute('aria-label')).toBe(
      marked('Threshold'),
    );
    expect(untranslatedIn(dialog, [...MONITORING, '0.9', '10', '60'])).toEqual([]);
    await cancelDialog(dialog);
    alertsTab.dispose();
  });

  it('the ground truth and reference dialog, and the upload progress', () => {
    for (const purpose of ['feedback', 'reference'] as const) {
      const form = new DataUploadForm({
        path: 'data/labels.csv',
        purpose,
        deployments: [iris],
        trans,
      });
      expect(form.getValue()).toBe('iris');
      expect(untranslatedIn(form.node, [...DATA, 'data/labels.csv'])).toEqual([]);
    }
    const progress = new DataUploadProgress(trans);
    expect(untranslatedIn(progress.node)).toEqual([]);
    progress.setProgress(0.5);
    expect(progress.node.textContent).toContain(marked('Uploading… 50%'));
    progress.setProgress(1);
    expect(untranslatedIn(progress.node)).toEqual([]);
  });

  it("the cell tags' label, while the tags stay as papermill reads them", async () => {
    const cell = {
      node: document.createElement('div'),
      model: { getMetadata: () => ['parameters'], metadataChanged: { connect: () => {} } },
      toggleClass: () => {},
    };
    const panel = {
      content: { widgets: [cell], model: { cells: { changed: { connect: () => {} } } } },
      context: { ready: Promise.resolve() },
    };
    showCellTags(panel as unknown as Parameters<typeof showCellTags>[0], trans);
    await panel.context.ready;
    await Promise.resolve();
    const badges = cell.node.querySelector('.jp-SlipwayCellTags');
    expect(badges?.getAttribute('aria-label')).toBe(marked('Slipway tags'));
    expect(badges?.textContent).toBe('parameters');
  });
});

describe('in English the words stay those the UI tests select by', () => {
  const english = nullTranslator.load('slipway');

  it('the publish form and the monitor', async () => {
    const form = new PublishForm({
      path: 'm.pkl',
      format: 'pickle',
      pools: ['cpu'],
      initial: { name: 'm', pool: 'cpu', public: false },
      trans: english,
    });
    const labels = [...form.node.querySelectorAll('[aria-label]')].map((e) =>
      e.getAttribute('aria-label'),
    );
    expect(labels).toEqual(
      expect.arrayContaining([
        'Deployment name',
        'Pre-processing snippet',
        'Prediction snippet',
        'Inputs (JSON)',
      ]),
    );

    const model = new MonitorModel('iris', fixtureClient());
    const panel = new MonitorPanel({ model, trans: english, refreshSeconds: 3600 });
    await model.refresh();
    const text = (label: string) =>
      panel.node.querySelector(`[aria-label="${label}"]`)?.textContent?.replace(/\s+/g, ' ');
    expect(text('requests')).toBe('2requests');
    expect(text('error rate')).toBe('50.0%error rate');
    const ignored = panel.node.querySelector<HTMLElement>('.jp-SlipwayMonitor-ignored')!;
    expect(ignored.hidden).toBe(false);
    expect(ignored.textContent).toBe(
      'Ignored fields (sent by callers, not used by the model): row_id (2 calls)',
    );
    expect(panel.node.querySelector('table[aria-label="Recent calls"]')).not.toBeNull();
    expect(
      panel.node.querySelector('button[aria-label="Roll back to version 1"]')?.textContent,
    ).toBe('Roll back');
    expect(panel.node.querySelector('.jp-SlipwayMonitor-header')?.textContent).toContain(
      ' v2 · onnx · cpu pool · ',
    );
    panel.dispose();
  });
});
