// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { Dialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeploymentDetail, Metrics, ReplicasView } from '../../gateway/src/protocol/index.js';
import { GatewayClient } from '../client/gateway-client.js';
import { LiveEvents } from '../client/live-events.js';
import { MonitorModel } from '../models/monitor-model.js';
import { irisDeployment, irisDetail } from '../testing/deployments.js';
import { monitoringFetch, noTraffic, type SeenRequest } from '../testing/monitoring.js';
import { press } from '../testing/dialogs.js';
import { UNTIL } from '../testing/until.js';
import { MonitorPanel } from './MonitorPanel.js';

// jsdom has no canvas: a stand-in Chart keeps what each chart was asked to draw, and where.
const charts = vi.hoisted(
  () =>
    [] as {
      canvas: HTMLCanvasElement;
      config: { type?: string };
      data: { labels: unknown[]; datasets: { label: string; data: unknown[] }[] };
    }[],
);
vi.mock('chart.js', async (original) =>
  (await import('../testing/chart-stand-in.js')).withChartStandIn(
    await original<typeof import('chart.js')>(),
    charts,
  ),
);

const trans = nullTranslator.load('slipway');
const detail: DeploymentDetail = {
  ...irisDeployment({ version: 2 }),
  versions: [
    {
      version: 2,
      format: 'onnx',
      artifactSha256: 'a',
      artifactSize: 1,
      live: true,
      createdAt: '2026-11-22T10:05:00.000Z',
    },
  ],
};
const metrics = noTraffic;

/** A stream the test writes events to. */
function eventStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return {
    stream,
    send: (type: string, data: unknown) =>
      controller.enqueue(
        new TextEncoder().encode(
          `event: ${type}\ndata: ${JSON.stringify({ type, ...(data as object) })}\n\n`,
        ),
      ),
  };
}

/** Calls of the last hour: v3 live with 90% of them, v2 with 10%, and v1 the shadow. */
const routed = irisDetail({
  version: 3,
  traffic: { split: { '3': 90, '2': 10 }, sticky: null },
  shadow: { version: 1 },
});
const callsOf = (count: number, errors: number, p50: number, p95: number): Metrics => ({
  ...metrics,
  count,
  errors,
  errorRate: count ? errors / count : 0,
  latencyMs: { p50, p95, p99: p95, mean: p50 },
});
const routedMetrics: Record<string, Metrics> = {
  all: callsOf(40, 2, 3, 40),
  '3': callsOf(30, 0, 2.5, 30),
  '2': callsOf(10, 2, 4, 1500),
  '1': callsOf(30, 3, 12, 60),
};

function setup(
  opts: { live?: boolean; noReference?: boolean; routed?: boolean; replicas?: ReplicasView } = {},
) {
  const seen: SeenRequest[] = [];
  const gateway = monitoringFetch(seen, (path, query) => {
    if (path === '/api/deployments/iris') return opts.routed ? routed : detail;
    if (path === '/api/deployments/iris/replicas' && opts.replicas) return opts.replicas;
    if (path === '/api/deployments/iris/metrics')
      return opts.routed ? routedMetrics[query.get('version') ?? 'all'] : metrics;
    if (path === '/api/deployments/iris/invocations') return { invocations: [] };
    throw new Error(`unexpected ${path}`);
  });
  const noReference = {
    error: { code: 'no_reference', message: 'deployment iris has no reference data' },
  };
  const client = new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    {
      trans,
      fetch: (input, init) =>
        opts.noReference && String(input).includes('/drift')
          ? Promise.resolve(new Response(JSON.stringify(noReference), { status: 409 }))
          : gateway(input, init),
    },
  );
  const stream = eventStream();
  const events = opts.live
    ? new LiveEvents({ connect: async () => stream.stream, wait: () => new Promise(() => {}) })
    : undefined;
  const panel = new MonitorPanel({
    model: new MonitorModel('iris', client),
    trans,
    refreshSeconds: 3600,
    events,
  });
  Widget.attach(panel, document.body);
  const asked = (path: string) =>
    seen.filter((s) => s.path === `/api/deployments/iris/${path}`).length;
  return { panel, seen, stream, events, asked };
}

/** The tab bar's tab of that label, clicked as a person would. */
function clickTab(panel: MonitorPanel, label: string) {
  const index = panel.tabBar.titles.findIndex((t) => t.label === label);
  expect(index, label).toBeGreaterThanOrEqual(0);
  panel.tabBar.currentIndex = index;
}

const shown = (panel: MonitorPanel) =>
  [...panel.node.querySelectorAll<HTMLElement>('.jp-SlipwayMonitor-tab')]
    .filter((n) => !n.classList.contains('lm-mod-hidden'))
    .map((n) => n.dataset.tab);

afterEach(() => {
  Dialog.flush();
  document.body.replaceChildren();
});

/** v2 live on two GPU replicas, one busy; v1 draining its last call on the CPU. */
const replicas: ReplicasView = {
  name: 'iris',
  pool: 'gpu',
  status: 'ready',
  statusReason: null,
  lifecycle: {
    minReplicas: 0,
    maxReplicas: 4,
    concurrency: 8,
    idleSeconds: 900,
    queueSize: 64,
    queueSeconds: 30,
  },
  coldStarts: { count: 3, p50Ms: 1200, p95Ms: 3100, lastAt: '2026-11-22T10:06:00.000Z' },
  versions: [
    {
      version: 2,
      live: true,
      retiring: false,
      calls: 1,
      replicas: [
        {
          id: 1,
          state: 'ready',
          calls: 1,
          pool: 'gpu',
          devices: ['0'],
          startedAt: '2026-11-22T10:05:00.000Z',
          lastCallAt: null,
        },
        {
          id: 2,
          state: 'starting',
          calls: 0,
          pool: 'gpu',
          devices: ['1'],
          startedAt: '2026-11-22T10:06:00.000Z',
          lastCallAt: null,
        },
      ],
    },
    {
      version: 1,
      live: false,
      retiring: true,
      calls: 1,
      replicas: [
        {
          id: 1,
          state: 'ready',
          calls: 1,
          pool: 'cpu',
          devices: [],
          startedAt: '2026-11-22T09:00:00.000Z',
          lastCallAt: null,
        },
      ],
    },
  ],
};

describe('the monitor panel: replicas', () => {
  const table = (panel: MonitorPanel) =>
    vi.waitFor(() => {
      const t = panel.node.querySelector<HTMLTableElement>('table[aria-label="Replicas"]');
      expect(t?.querySelector('tbody tr')).toBeTruthy();
      return t!;
    }, UNTIL);
  const cells = (t: HTMLTableElement) =>
    [...t.querySelectorAll('tbody tr')].map((r) =>
      [...r.children].slice(0, 5).map((c) => c.textContent),
    );

  it('Traffic lists each replica: its version, state, calls and where it runs', async () => {
    const { panel } = setup({ replicas });
    expect(cells(await table(panel))).toEqual([
      ['v2 (live)', '1', 'ready', '1', 'gpu (0)'],
      ['v2 (live)', '2', 'starting', '0', 'gpu (1)'],
      ['v1 (draining)', '1', 'ready', '1', 'cpu'],
    ]);
    expect(panel.node.querySelector('.jp-SlipwayMonitor-lifecycle')?.textContent).toBe(
      '0–4 replicas, 8 calls each, 64 more may wait; a replica above 0 stops after 15 min idle',
    );
    expect(panel.node.querySelector('.jp-SlipwayMonitor-coldStarts')?.textContent).toBe(
      '3 cold starts since the gateway started (wait p50 1.20 s, p95 3.10 s)',
    );
    panel.dispose();
  });

  it('none up: scaled to zero, or the reason none can start', async () => {
    const zero = { ...replicas, versions: [{ ...replicas.versions[0]!, replicas: [] }] };
    const first = setup({ replicas: zero });
    expect(cells(await table(first.panel))).toEqual([
      ['Scaled to zero: the next call starts a replica (a cold start).'],
    ]);
    first.panel.dispose();
    const failed = setup({
      replicas: {
        ...zero,
        status: 'failed',
        statusReason: 'pool: the gpu pool has 0 GPU device(s) free',
      },
    });
    expect(cells(await table(failed.panel))).toEqual([
      ['No replica can start: pool: the gpu pool has 0 GPU device(s) free'],
    ]);
    failed.panel.dispose();
    const reason =
      'pod slw-x waits: Unschedulable: 0/3 nodes are available: 1 Insufficient nvidia.com/gpu';
    const pending = setup({ replicas: { ...zero, status: 'pending', statusReason: reason } });
    expect(cells(await table(pending.panel))).toEqual([
      [`A replica waits for its pool: ${reason}`],
    ]);
    pending.panel.dispose();
  });

  it('a replica on a cluster: where it runs names its pod', async () => {
    const onCluster = {
      ...replicas,
      versions: [
        {
          ...replicas.versions[0]!,
          replicas: [
            {
              ...replicas.versions[0]!.replicas[0]!,
              pool: 'cpu',
              devices: [],
              pod: 'slw-iris-1a2b-xyz',
            },
          ],
        },
      ],
    };
    const { panel } = setup({ replicas: onCluster });
    expect(cells(await table(panel))).toEqual([
      ['v2 (live)', '1', 'ready', '1', 'cpu (slw-iris-1a2b-xyz)'],
    ]);
    panel.dispose();
  });

  it('a gateway that does not list replicas: the section stays hidden, the rest shows', async () => {
    const { panel } = setup();
    await vi.waitFor(
      () =>
        expect(panel.node.querySelector('.jp-SlipwayMonitor-stats')?.textContent).toContain(
          'requests',
        ),
      UNTIL,
    );
    expect(panel.node.querySelector<HTMLElement>('.jp-SlipwayReplicas')!.hidden).toBe(true);
    panel.dispose();
  });
});

describe('the monitor panel, in tabs', () => {
  it('shows Traffic first, and one tab at a time', async () => {
    const { panel } = setup();
    expect(panel.tabBar.titles.map((t) => t.label)).toEqual([
      'Traffic',
      'Quality',
      'Drift',
      'Alerts',
      'Versions',
      'Retraining',
      'Jobs',
      'Try it',
    ]);
    expect(shown(panel)).toEqual(['traffic']);
    clickTab(panel, 'Drift');
    expect(shown(panel)).toEqual(['drift']);
    expect(panel.currentTab).toBe('drift');
    // Only the latency chart has a canvas: a chart gets one when it first draws.
    expect(panel.node.querySelectorAll('canvas')).toHaveLength(1);
    panel.dispose();
  });

  it('Drift without a reference: the state explained, not an error', async () => {
    const { panel } = setup({ noReference: true });
    clickTab(panel, 'Drift');
    const page = panel.page('drift').node;
    await vi.waitFor(
      () =>
        expect(page.querySelector('.jp-SlipwayDrift-verdict')?.textContent).toBe(
          'deployment iris has no reference data',
        ),
      UNTIL,
    );
    expect(page.querySelector<HTMLElement>('[role="alert"]')!.hidden).toBe(true);
    expect(page.querySelector<HTMLElement>('.jp-SlipwayMonitor-help')!.hidden).toBe(false);
    expect(page.textContent).toContain('Set as Reference for…');
    panel.dispose();
  });

  it('Quality: a line per version, the figures with their labels, the confusion matrix', async () => {
    const { panel } = setup();
    clickTab(panel, 'Quality');
    const page = panel.page('quality').node;
    const figures = await vi.waitFor(() => {
      const t = page.querySelector<HTMLTableElement>('table[aria-label="Quality figures"]');
      expect(t).not.toBeNull();
      return t!;
    }, UNTIL);
    const cells = (row: Element) => [...row.children].map((c) => c.textContent);
    expect(cells(figures.querySelector('thead tr')!)).toEqual([
      'figure',
      'all versions',
      'v2',
      'v1',
    ]);
    expect(cells(figures.querySelector('tbody tr')!)).toEqual(['accuracy', '0.85', '0.9', '0.8']);
    expect(cells(figures.querySelector('tbody tr:last-child')!)).toEqual([
      'labels',
      '20',
      '10',
      '10',
    ]);
    expect(page.querySelector('[role="status"]')?.textContent).toBe(
      'From 20 labelled predictions.',
    );
    const matrix = page.querySelector('table[aria-label="Confusion matrix"]')!;
    expect(cells(matrix.querySelector('thead tr')!)).toEqual([
      'actual \\ predicted',
      'setosa',
      'versicolor',
      'virginica',
    ]);
    expect(cells(matrix.querySelectorAll('tbody tr')[2]!)).toEqual(['virginica', '0', '2', '3']);
    // The tab's own chart: the traffic tab's may be drawn before or after it.
    const chart = charts.filter((c) => page.contains(c.canvas)).at(-1)!;
    expect(chart.data.datasets.map((d) => [d.label, d.data])).toEqual([
      ['v1', [0.8, null]],
      ['v2', [null, 0.9]],
    ]);
    panel.dispose();
  });

  it('Drift: the verdict, a row per feature, and the histograms of the one clicked', async () => {
    const { panel } = setup();
    clickTab(panel, 'Drift');
    const page = panel.page('drift').node;
    const rows = await vi.waitFor(() => {
      const r = page.querySelectorAll('table[aria-label="Feature drift"] tbody tr');
      expect(r).toHaveLength(3);
      return r;
    }, UNTIL);
    expect([...rows[0]!.children].map((c) => c.textContent)).toEqual([
      'petal_length',
      'Kolmogorov–Smirnov',
      '0.62 (p = 1.00e-5)',
      '0.05',
      'drift',
      '1.7',
    ]);
    expect(rows[1]!.textContent).toContain('no drift');
    expect(rows[2]!.querySelector('th')?.textContent).toBe('prediction');
    expect(page.querySelector('.jp-SlipwayDrift-verdict')?.textContent).toBe(
      'Dataset drift: 50.0% of the features drifted (threshold 50.0%). 150 reference rows, 40 current.',
    );
    const detail = page.querySelector<HTMLElement>('.jp-SlipwayDrift-detail')!;
    expect(detail.hidden).toBe(true);
    page
      .querySelector<HTMLButtonElement>('button[title="Show the histograms of petal_length"]')!
      .click();
    expect(detail.hidden).toBe(false);
    expect(detail.querySelector('h3')?.textContent).toBe('petal_length: reference and current');
    const chart = charts.filter((c) => page.contains(c.canvas)).at(-1)!;
    expect(chart.data.labels).toEqual(['[1, 3)', '[3, 5)', '[5, 7]']);
    expect(chart.data.datasets.map((d) => [d.label, d.data])).toEqual([
      ['reference', [0.33, 0.33, 0.34]],
      ['current', [0, 0.1, 0.9]],
    ]);
    // Clicked again, the histograms close.
    page.querySelector<HTMLButtonElement>('button[aria-pressed="true"]')!.click();
    expect(detail.hidden).toBe(true);
    // One version routed: nothing to choose, and the drift of every call, as before.
    expect(page.querySelector('select[aria-label="Version"]')).toBeNull();
    panel.dispose();
  });

  it('Traffic: a row per version that answered, its share of the calls; the shadow apart', async () => {
    const { panel, seen } = setup({ routed: true });
    const page = panel.page('traffic').node;
    const rows = await vi.waitFor(() => {
      const r = page.querySelectorAll('table[aria-label="Calls per version"] tbody tr');
      expect(r).toHaveLength(3);
      return r;
    }, UNTIL);
    const cells = (row: Element) => [...row.children].map((c) => c.textContent);
    expect(cells(page.querySelector('table[aria-label="Calls per version"] thead tr')!)).toEqual([
      'version',
      'share of calls',
      'calls',
      'error rate',
      'p50',
      'p95',
    ]);
    expect([...rows].map(cells)).toEqual([
      ['v3 (live, 90%)', '75.0%', '30', '0.0%', '2.50 ms', '30 ms'],
      ['v2 (split, 10%)', '25.0%', '10', '20.0%', '4.00 ms', '1.5 s'],
      ['v1 (shadow)', 'copies', '30', '10.0%', '12 ms', '60 ms'],
    ]);
    expect(rows[2]!.classList.contains('jp-mod-shadow')).toBe(true);
    // The deployment's figures, and the routed versions' alone.
    const asked = seen.filter((s) => s.path.endsWith('/metrics'));
    expect(new Set(asked.map((s) => s.query.version ?? 'all'))).toEqual(
      new Set(['all', '3', '2', '1']),
    );
    panel.dispose();
  });

  it('Traffic: no calls in the window, no version rows', async () => {
    const { panel } = setup();
    const page = panel.page('traffic').node;
    await vi.waitFor(
      () =>
        expect(page.querySelector('table[aria-label="Calls per version"] tbody')?.textContent).toBe(
          'No version answered calls in this window.',
        ),
      UNTIL,
    );
    panel.dispose();
  });

  it('Drift: a version to choose while calls go to several, the live one first', async () => {
    const { panel, seen } = setup({ routed: true });
    clickTab(panel, 'Drift');
    const page = panel.page('drift').node;
    const drifts = () => seen.filter((s) => s.path === '/api/deployments/iris/drift');
    const select = await vi.waitFor(() => {
      const s = page.querySelector<HTMLSelectElement>('select[aria-label="Version"]');
      expect(s).not.toBeNull();
      return s!;
    }, UNTIL);
    expect([...select.options].map((o) => [o.value, o.textContent])).toEqual([
      ['3', 'v3 (live, 90%)'],
      ['2', 'v2 (split, 10%)'],
      ['1', 'v1 (shadow)'],
    ]);
    expect(select.value).toBe('3');
    expect(drifts().at(-1)!.query.version).toBe('3');
    select.value = '1';
    select.dispatchEvent(new Event('change'));
    await vi.waitFor(() => expect(drifts().at(-1)!.query.version).toBe('1'), UNTIL);
    await vi.waitFor(
      () =>
        expect(page.querySelector<HTMLSelectElement>('select[aria-label="Version"]')!.value).toBe(
          '1',
        ),
      UNTIL,
    );
    panel.dispose();
  });

  it('Alerts: firing first, the rules with state and last value, and the rule dialog', async () => {
    const { panel, seen } = setup();
    clickTab(panel, 'Alerts');
    const page = panel.page('alerts').node;
    const alertRows = await vi.waitFor(() => {
      const r = page.querySelectorAll('table[aria-label="Alerts"] tbody tr');
      expect(r).toHaveLength(2);
      return r;
    }, UNTIL);
    expect(alertRows[0]!.textContent).toContain('firing');
    expect(alertRows[1]!.textContent).toContain('resolved');
    const rules = page.querySelectorAll('table[aria-label="Alert rules"] tbody tr');
    expect([...rules[0]!.children].slice(0, 5).map((c) => c.textContent)).toEqual([
      'accuracy floor',
      'accuracy below 0.9 (from 10 labels)',
      '60 minutes',
      'firing',
      '0.85',
    ]);
    expect(rules[1]!.children[3]!.textContent).toBe('disabled');

    // Add a rule: the form shows the fields of the kind chosen; a bad value reopens it.
    [...page.querySelectorAll('button')].find((b) => b.textContent === 'Add rule')!.click();
    let dialog = await openDialog();
    const form = dialog.querySelector('.jp-SlipwayAlertRuleForm')!;
    const input = (name: string) => form.querySelector<HTMLInputElement>(`[name="${name}"]`)!;
    const visible = () =>
      [...form.querySelectorAll<HTMLElement>('.jp-SlipwayPublishForm-row')]
        .filter((r) => !r.hidden)
        .map((r) => r.querySelector('input, select')!.getAttribute('name'));
    expect(visible()).toEqual([
      'name',
      'kind',
      'metric',
      'threshold',
      'minLabels',
      'windowMinutes',
      'webhookUrl',
      'webhookSecret',
      'enabled',
    ]);
    const kind = form.querySelector<HTMLSelectElement>('select[name="kind"]')!;
    kind.value = 'latency_p95';
    kind.dispatchEvent(new Event('change'));
    expect(visible()).toContain('latencyMs');
    expect(visible()).not.toContain('threshold');
    input('name').value = 'slow';
    input('latencyMs').value = 'fast';
    press(dialog, 'Save');
    dialog = await openDialog();
    expect(dialog.querySelector('[role="alert"]')?.textContent).toBe('Milliseconds, more than 0.');
    dialog.querySelector<HTMLInputElement>('[name="latencyMs"]')!.value = '250';
    press(dialog, 'Save');
    await vi.waitFor(() => expect(seen.some((s) => s.method === 'POST')).toBe(true), UNTIL);
    const posted = seen.find((s) => s.method === 'POST')!;
    expect(JSON.parse(posted.body!)).toEqual({
      name: 'slow',
      condition: { kind: 'latency_p95', aboveMs: 250 },
      windowMinutes: 60,
      enabled: true,
    });

    // Delete asks first.
    page
      .querySelector<HTMLButtonElement>('button[aria-label="Delete rule dataset drift"]')!
      .click();
    dialog = await openDialog();
    expect(dialog.textContent).toContain('Delete rule dataset drift?');
    press(dialog, 'Delete');
    await vi.waitFor(() => expect(seen.some((s) => s.method === 'DELETE')).toBe(true), UNTIL);
    expect(seen.find((s) => s.method === 'DELETE')!.path).toBe(
      '/api/deployments/iris/alert-rules/r2',
    );
    panel.dispose();
  });
});

describe('live updates', () => {
  it('refreshes the shown tab on its events, the others when next shown', async () => {
    const { panel, stream, events, asked } = setup({ live: true });
    // The panel hears each event before this list does: once listed, it has been handled.
    const received: string[] = [];
    events!.received.connect((_, e) => void received.push(e.type));
    await vi.waitFor(() => expect(events!.state).toBe('open'), UNTIL);
    expect(panel.node.querySelector('.jp-SlipwayMonitor-live')?.textContent).toBe('live');
    clickTab(panel, 'Quality');
    await vi.waitFor(() => expect(asked('quality')).toBeGreaterThan(0), UNTIL);
    const settled = () => panel.page('quality').node.querySelector('table') !== null;
    await vi.waitFor(() => expect(settled()).toBe(true), UNTIL);
    const before = asked('quality');

    stream.send('feedback', { deployment: 'iris', accepted: 3 });
    await vi.waitFor(() => expect(asked('quality')).toBeGreaterThan(before), UNTIL);

    // Another deployment's event changes nothing.
    const now = asked('quality');
    stream.send('feedback', { deployment: 'other', accepted: 1 });
    stream.send('reference', { deployment: 'iris', rows: 10 });
    await vi.waitFor(() => expect(received).toContain('reference'), UNTIL);
    expect(asked('drift')).toBe(0);
    expect(asked('quality')).toBe(now);

    // Drift was made stale while hidden: shown, it fetches; shown again without news, it does not.
    clickTab(panel, 'Drift');
    await vi.waitFor(
      () =>
        expect(
          panel.page('drift').node.querySelectorAll('table[aria-label="Feature drift"] tbody tr'),
        ).toHaveLength(3),
      UNTIL,
    );
    expect(asked('drift')).toBe(1);
    clickTab(panel, 'Quality');
    clickTab(panel, 'Drift');
    expect(asked('drift')).toBe(1);
    panel.dispose();
    expect(events!.isDisposed).toBe(true);
  });

  it('without a stream, fetches a report tab each time it is shown', async () => {
    const { panel, asked } = setup();
    // Attached and shown, the panel fetches its traffic at once, then the header shows.
    await vi.waitFor(
      () =>
        expect(panel.node.querySelector('.jp-SlipwayMonitor-live')?.textContent).toBe(
          'polling every 3600 s',
        ),
      UNTIL,
    );
    clickTab(panel, 'Alerts');
    await vi.waitFor(() => expect(asked('alerts')).toBe(1), UNTIL);
    clickTab(panel, 'Traffic');
    clickTab(panel, 'Alerts');
    await vi.waitFor(() => expect(asked('alerts')).toBe(2), UNTIL);
    panel.dispose();
  });
});

async function openDialog(): Promise<HTMLElement> {
  return vi.waitFor(() => {
    const dialog = document.querySelector<HTMLElement>('.jp-Dialog');
    expect(dialog?.querySelector('.jp-Dialog-header')?.textContent).toBeTruthy();
    return dialog!;
  }, UNTIL);
}
