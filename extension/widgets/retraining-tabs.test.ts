// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { Dialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RetrainRun } from '../../gateway/src/protocol/retraining.js';
import { GatewayClient } from '../client/gateway-client.js';
import { LiveEvents } from '../client/live-events.js';
import { MonitorModel } from '../models/monitor-model.js';
import { RetrainingModel } from '../models/retraining-model.js';
import { VersionsModel } from '../models/versions-model.js';
import type { SeenRequest } from '../testing/monitoring.js';
import {
  executedNotebook,
  failedRun,
  retrainingFetch,
  retrainRun,
  timeline,
  trainer,
  type RetrainingState,
} from '../testing/retraining.js';
import { UNTIL } from '../testing/until.js';
import { MonitorPanel } from './MonitorPanel.js';
import { RetrainingTab } from './RetrainingTab.js';
import { VersionsTab } from './VersionsTab.js';

const trans = nullTranslator.load('slipway');

function gateway(over: Partial<RetrainingState> = {}) {
  const seen: SeenRequest[] = [];
  const state: RetrainingState = {
    runs: [retrainRun(), failedRun],
    trainer,
    timeline: timeline(),
    ...over,
  };
  const client = new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    { trans, fetch: retrainingFetch(state, seen) },
  );
  const posted = () =>
    seen.filter((s) => s.method !== 'GET').map((s) => [s.method, s.path, s.body]);
  return { client, seen, state, posted };
}

const cells = (row: Element) => [...row.children].map((c) => c.textContent);

async function openDialog(): Promise<HTMLElement> {
  return vi.waitFor(() => {
    const dialog = document.querySelector<HTMLElement>('.jp-Dialog');
    expect(dialog?.querySelector('.jp-Dialog-header')?.textContent).toBeTruthy();
    return dialog!;
  }, UNTIL);
}

/** Presses a dialog button and waits for the dialog to close. */
async function press(dialog: HTMLElement, label: string): Promise<void> {
  [...dialog.querySelectorAll<HTMLButtonElement>('.jp-Dialog-footer button')]
    .find((b) => b.textContent === label)!
    .click();
  await vi.waitFor(() => expect(dialog.isConnected).toBe(false), UNTIL);
}

const button = (root: HTMLElement, aria: string) =>
  root.querySelector<HTMLButtonElement>(`button[aria-label="${aria}"]`);

afterEach(() => {
  Dialog.flush();
  document.body.replaceChildren();
});

describe('the Versions tab', () => {
  it('lists each version with its state, origin, gate and actions, and the canary', async () => {
    const { client } = gateway();
    const tab = new VersionsTab(new VersionsModel('iris', client), trans);
    expect(tab.title.label).toBe('Versions');
    await tab.refresh();
    const rows = [...tab.node.querySelectorAll('table[aria-label="Version timeline"] tbody tr')];
    expect(rows.map((r) => cells(r).slice(0, 2))).toEqual([
      ['v4', 'canary 10%'],
      ['v3', 'candidate'],
      ['v2', 'live 90%'],
      ['v1', 'previous'],
    ]);
    expect(rows[1]!.children[2]!.textContent).toMatch(/^retraining run 1a2b3c4d \(button\)History/);
    expect(rows[1]!.children[3]!.textContent).toBe(
      'accuracy: candidate 0.95 vs live 0.9 on 40 held-back labelspassed',
    );
    expect(rows[2]!.children[2]!.textContent).toBe('uploaded iris.onnx');
    const actions = (row: Element) =>
      [...row.querySelectorAll('button')].map((b) => b.getAttribute('aria-label'));
    // A canary runs: the candidate offers no second one.
    expect(actions(rows[1]!)).toEqual([
      'Promote version 3',
      'Shadow version 3',
      'Retire version 3',
    ]);
    expect(actions(rows[0]!)).toEqual(['Promote version 4', 'Roll back the canary of version 4']);
    expect(actions(rows[2]!)).toEqual([]);
    expect(actions(rows[3]!)).toEqual([
      'Roll back to version 1',
      'Shadow version 1',
      'Retire version 1',
    ]);

    const canary = tab.node.querySelector<HTMLElement>('.jp-SlipwayCanary')!;
    expect(canary.hidden).toBe(false);
    expect(canary.querySelector('h3')?.textContent).toMatch(
      /^Canary: version 4 answers 10% of the calls/,
    );
    expect(canary.textContent).toContain('keep waiting. 60 of 100 calls');
    const analysis = canary.querySelectorAll('table[aria-label="Canary analysis"] tbody tr');
    expect(cells(analysis[0]!)).toEqual(['calls', '900', '60']);
    expect(cells(analysis[4]!)).toEqual(['accuracy', '0.9', '1']);
    tab.dispose();
  });

  it('promotes after asking, and starts a canary at the share typed', async () => {
    const { client, posted, state } = gateway();
    state.timeline = timeline({ canary: null });
    const tab = new VersionsTab(new VersionsModel('iris', client), trans);
    Widget.attach(tab, document.body);
    await tab.refresh();

    button(tab.node, 'Promote version 3')!.click();
    let dialog = await openDialog();
    expect(dialog.textContent).toContain('Promote version 3 of iris?');
    await press(dialog, 'Promote');
    await vi.waitFor(() => expect(posted()).toHaveLength(1), UNTIL);
    expect(posted()[0]).toEqual(['POST', '/api/deployments/iris/versions/3/promote', null]);

    button(tab.node, 'Start a canary of version 3')!.click();
    dialog = await openDialog();
    const input = dialog.querySelector<HTMLInputElement>('input')!;
    expect(input.value).toBe('10');
    input.value = '150';
    await press(dialog, 'Start canary');
    dialog = await openDialog();
    expect(dialog.textContent).toContain('from 1 to 99');
    await press(dialog, 'Close');
    dialog = await openDialog();
    dialog.querySelector<HTMLInputElement>('input')!.value = '25';
    await press(dialog, 'Start canary');
    await vi.waitFor(() => expect(posted()).toHaveLength(2), UNTIL);
    expect(posted()[1]).toEqual([
      'POST',
      '/api/deployments/iris/versions/3/canary',
      '{"percent":25}',
    ]);

    // Shadowing asks nothing; a cancelled retirement sends nothing.
    button(tab.node, 'Shadow version 3')!.click();
    await vi.waitFor(() => expect(posted()).toHaveLength(3), UNTIL);
    expect(posted()[2]).toEqual(['PUT', '/api/deployments/iris/shadow', '{"version":3}']);
    button(tab.node, 'Retire version 3')!.click();
    await press(await openDialog(), 'Cancel');
    expect(posted()).toHaveLength(3);
    tab.dispose();
  });
});

describe('the Retraining tab', () => {
  it('lists runs, starts one, cancels one and opens a run notebook', async () => {
    const { client, posted, seen } = gateway();
    const opened: [Pick<RetrainRun, 'id'>, unknown][] = [];
    const tab = new RetrainingTab({
      model: new RetrainingModel('iris', client),
      trans,
      openNotebook: async (run, nb) => void opened.push([run, nb]),
    });
    Widget.attach(tab, document.body);
    await tab.refresh();
    expect(tab.node.textContent).toContain(
      'Training notebook: train.ipynb (parameters: training_data_path, output_model_path).',
    );
    const rows = () => [
      ...tab.node.querySelectorAll('table[aria-label="Retraining runs"] tbody tr'),
    ];
    expect(cells(rows()[0]!).slice(1, 7)).toEqual([
      'succeeded',
      'button',
      '1 min 5 s',
      'v3',
      'awaiting promotion',
      '',
    ]);
    expect(cells(rows()[1]!).slice(1, 7)).toEqual([
      'failed',
      'alert (accuracy floor)',
      '1 min 5 s',
      '–',
      '–',
      'NameError in cell 3',
    ]);
    // A failed notebook that never ran has none to open.
    expect(rows()[1]!.querySelectorAll('button')).toHaveLength(0);

    const retrain = [...tab.node.querySelectorAll('button')].find(
      (b) => b.textContent === 'Retrain now',
    )!;
    expect(retrain.disabled).toBe(false);
    retrain.click();
    await vi.waitFor(() => expect(rows()).toHaveLength(3), UNTIL);
    expect(posted()).toEqual([['POST', '/api/deployments/iris/retrain', '{}']]);
    // The run says a person started it.
    expect(seen.find((s) => s.method === 'POST')!.headers['x-slipway-trigger']).toBe('button');
    expect(cells(rows()[0]!)[1]).toBe('running');

    button(tab.node, 'Cancel run new-run')!.click();
    await press(await openDialog(), 'Cancel run');
    await vi.waitFor(() => expect(posted()).toHaveLength(2), UNTIL);
    expect(posted()[1]![1]).toBe('/api/deployments/iris/retrain-runs/new-run/cancel');

    button(tab.node, 'Open the notebook of run 1a2b3c4d')!.click();
    await vi.waitFor(() => expect(opened).toHaveLength(1), UNTIL);
    expect(opened[0]![0].id).toBe(retrainRun().id);
    expect(opened[0]![1]).toEqual(executedNotebook);
    tab.dispose();
  });

  it('without a trainer: says how to set one, and Retrain now waits for it', async () => {
    const { client } = gateway({ trainer: null, runs: [] });
    const tab = new RetrainingTab({ model: new RetrainingModel('iris', client), trans });
    await tab.refresh();
    expect(tab.node.textContent).toContain('No training notebook yet.');
    expect(tab.node.textContent).toContain('No retraining run yet.');
    const retrain = [...tab.node.querySelectorAll('button')].find(
      (b) => b.textContent === 'Retrain now',
    )!;
    expect(retrain.disabled).toBe(true);
    tab.dispose();
  });

  it("shows the gateway's reason when a run is already under way", async () => {
    const { client } = gateway({ busy: true });
    const tab = new RetrainingTab({ model: new RetrainingModel('iris', client), trans });
    Widget.attach(tab, document.body);
    await tab.refresh();
    [...tab.node.querySelectorAll('button')].find((b) => b.textContent === 'Retrain now')!.click();
    const dialog = await openDialog();
    expect(dialog.textContent).toContain('Retraining not started');
    expect(dialog.textContent).toContain('a retraining run of iris is under way');
    await press(dialog, 'Close');
    tab.dispose();
  });
});

describe('the monitor panel on the retraining events', () => {
  it('refreshes Versions on a versions event, Retraining on a run, Versions when a run ends', async () => {
    const { client, seen } = gateway();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    const send = (data: object) =>
      controller.enqueue(new TextEncoder().encode(`data: ${JSON.stringify(data)}\n\n`));
    const events = new LiveEvents({
      connect: async () => stream,
      wait: () => new Promise(() => {}),
    });
    const panel = new MonitorPanel({
      model: new MonitorModel('iris', client),
      trans,
      refreshSeconds: 3600,
      events,
    });
    Widget.attach(panel, document.body);
    const asked = (path: string) =>
      seen.filter((s) => s.path === `/api/deployments/iris/${path}`).length;
    await vi.waitFor(() => expect(events.state).toBe('open'), UNTIL);
    panel.showTab('retraining');
    await vi.waitFor(() => expect(asked('retrain-runs')).toBe(1), UNTIL);
    panel.showTab('versions');
    await vi.waitFor(() => expect(asked('versions')).toBe(1), UNTIL);

    send({ type: 'versions', deployment: 'iris' });
    await vi.waitFor(() => expect(asked('versions')).toBe(2), UNTIL);

    // A run under way makes only the hidden Retraining tab stale; another deployment's event
    // changes nothing. The last event is in order behind them: once it is handled, so are they.
    send({ type: 'retraining', deployment: 'iris', run: retrainRun({ status: 'running' }) });
    send({ type: 'versions', deployment: 'other' });
    send({ type: 'versions', deployment: 'iris' });
    await vi.waitFor(() => expect(asked('versions')).toBe(3), UNTIL);
    expect(asked('retrain-runs')).toBe(1);
    panel.showTab('retraining');
    await vi.waitFor(() => expect(asked('retrain-runs')).toBe(2), UNTIL);

    // A run that ended may have made a candidate: Versions is fetched again when shown.
    send({ type: 'retraining', deployment: 'iris', run: retrainRun() });
    await vi.waitFor(() => expect(asked('retrain-runs')).toBe(3), UNTIL);
    panel.showTab('versions');
    await vi.waitFor(() => expect(asked('versions')).toBe(4), UNTIL);
    panel.dispose();
  });
});
