// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { Dialog } from '@jupyterlab/apputils';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GatewayClient } from '../client/gateway-client.js';
import { RetrainingModel } from '../models/retraining-model.js';
import { VersionsModel } from '../models/versions-model.js';
import { marked, markingTranslator, untranslatedIn } from '../testing/marking-translator.js';
import {
  canary,
  failedRun,
  retrainingFetch,
  retrainRun,
  RUN_ID,
  timeline,
  trainer,
} from '../testing/retraining.js';
import { UNTIL } from '../testing/until.js';
import { PublishForm } from './PublishForm.js';
import { PublishResult } from './PublishResult.js';
import { RetrainingTab } from './RetrainingTab.js';
import { VersionsTab } from './VersionsTab.js';

const translator = markingTranslator();
const trans = translator.load('slipway');

/** What the gateway sent, and how the browser writes dates: shown as they came. */
const DATA = [
  'iris',
  'iris.onnx',
  'iris-v4.onnx',
  'train.ipynb',
  RUN_ID,
  failedRun.id,
  ...trainer.parameters,
  ...canary.analysis!.reasons,
  failedRun.error!.message,
  failedRun.triggerDetail!,
  ...timeline().versions.flatMap((v) => [
    new Date(v.createdAt).toLocaleString(),
    ...v.events.map((e) => new Date(e.at).toLocaleString()),
  ]),
  ...[retrainRun(), failedRun].map((r) => new Date(r.createdAt).toLocaleString()),
  new Date(canary.startedAt).toLocaleString(),
  new Date(canary.analysis!.at).toLocaleString(),
];

function client(state = { trainer: true }) {
  return new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    {
      trans,
      fetch: retrainingFetch({
        runs: [retrainRun(), failedRun],
        trainer: state.trainer ? trainer : null,
        timeline: timeline(),
      }),
    },
  );
}

async function openDialog(): Promise<HTMLElement> {
  return vi.waitFor(() => {
    const dialog = document.querySelector<HTMLElement>('.jp-Dialog');
    expect(dialog?.querySelector('.jp-Dialog-header')?.textContent).toBeTruthy();
    return dialog!;
  }, UNTIL);
}

async function cancelDialog(dialog: HTMLElement): Promise<void> {
  dialog.querySelector<HTMLButtonElement>('.jp-Dialog-footer button')!.click();
  await vi.waitFor(() => expect(document.querySelector('.jp-Dialog')).toBeNull(), UNTIL);
}

beforeAll(() => {
  Dialog.translator = translator;
});
afterEach(() => {
  Dialog.flush();
  document.body.replaceChildren();
});

describe('the retraining loop speaks through the translator it is given', () => {
  it('the Versions tab, the canary and the action dialogs', async () => {
    const tab = new VersionsTab(new VersionsModel('iris', client()), trans);
    expect(tab.title.label).toBe(marked('Versions'));
    expect(untranslatedIn(tab.node, DATA)).toEqual([]);
    await tab.refresh();
    expect(tab.node.querySelectorAll('tbody tr').length).toBeGreaterThan(4);
    expect(untranslatedIn(tab.node, DATA)).toEqual([]);

    tab.node.querySelector<HTMLButtonElement>('button[aria-label="«Promote version 3»"]')!.click();
    let dialog = await openDialog();
    expect(untranslatedIn(dialog, DATA)).toEqual([]);
    await cancelDialog(dialog);
    tab.node
      .querySelector<HTMLButtonElement>('button[aria-label="«Shadow version 1»"]')!
      .closest('tr')!
      .querySelector<HTMLButtonElement>('button[aria-label="«Retire version 1»"]')!
      .click();
    dialog = await openDialog();
    expect(untranslatedIn(dialog, DATA)).toEqual([]);
    await cancelDialog(dialog);
    tab.dispose();
  });

  it('the canary share dialog', async () => {
    const gw = new GatewayClient(
      { baseUrl: 'http://gw.test', token: 't' },
      {
        trans,
        fetch: retrainingFetch({
          runs: [],
          trainer,
          timeline: timeline({ canary: null }),
        }),
      },
    );
    const tab = new VersionsTab(new VersionsModel('iris', gw), trans);
    await tab.refresh();
    tab.node
      .querySelector<HTMLButtonElement>('button[aria-label="«Start a canary of version 3»"]')!
      .click();
    const dialog = await openDialog();
    expect(untranslatedIn(dialog, DATA)).toEqual([]);
    await cancelDialog(dialog);
    tab.dispose();
  });

  it('the Retraining tab, with and without a trainer, and the cancel dialog', async () => {
    const none = new RetrainingTab({
      model: new RetrainingModel('iris', client({ trainer: false })),
      trans,
    });
    await none.refresh();
    expect(untranslatedIn(none.node, DATA)).toEqual([]);
    none.dispose();

    const tab = new RetrainingTab({
      model: new RetrainingModel('iris', client()),
      trans,
      openNotebook: async () => {},
    });
    expect(tab.title.label).toBe(marked('Retraining'));
    await tab.refresh();
    expect(tab.node.querySelectorAll('tbody tr')).toHaveLength(2);
    expect(untranslatedIn(tab.node, DATA)).toEqual([]);
  });

  it('the publish form as a trainer, and its result', () => {
    const form = new PublishForm({
      path: 'work/train.ipynb',
      format: 'notebook',
      pools: ['cpu'],
      deployments: ['iris'],
      initial: { name: 'train', pool: 'cpu', public: false, as: 'trainer', trainingFile: 'x.txt' },
      problems: { trainingFile: trans.__('Training data is a .csv or .parquet file.') },
      trans,
    });
    expect(
      untranslatedIn(form.node, [...DATA, 'work/train.ipynb', 'train', 'cpu', 'x.txt']),
    ).toEqual([]);
    expect(form.getValue()).toMatchObject({
      as: 'trainer',
      trainerOf: 'iris',
      trainingFile: 'x.txt',
    });

    const result = new PublishResult(trans);
    result.showTrainer(trainer);
    expect(result.node.textContent).toContain(
      marked('train.ipynb is the training notebook of iris.'),
    );
    expect(untranslatedIn(result.node, DATA)).toEqual([]);
  });
});
