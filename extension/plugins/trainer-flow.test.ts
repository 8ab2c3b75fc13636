// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { Dialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayClient } from '../client/gateway-client.js';
import { irisDeployment } from '../testing/deployments.js';
import { trainer } from '../testing/retraining.js';
import { dialogTitled, press } from '../testing/dialogs.js';
import { UNTIL } from '../testing/until.js';
import type { ISlipway } from '../tokens.js';
import { publishWithDialog } from './publish-flow.js';
import { cpuPool } from '../testing/pools.js';

const trans = nullTranslator.load('slipway');

afterEach(() => {
  Dialog.flush();
  document.body.replaceChildren();
});

describe('Publish of a notebook: use as the trainer of…', () => {
  it('uploads the notebook and its training data as the trainer of the deployment chosen', async () => {
    const uploads: { url: string; method?: string; form: FormData }[] = [];
    const client = new GatewayClient(
      { baseUrl: 'http://gw.test', token: 't' },
      {
        trans,
        fetch: async (input) => {
          const path = new URL(String(input)).pathname;
          if (path === '/api/deployments/train')
            return new Response(JSON.stringify({ error: { code: 'not_found', message: 'no' } }), {
              status: 404,
            });
          const body =
            path === '/api/pools'
              ? { pools: [cpuPool()] }
              : {
                  deployments: [
                    irisDeployment(),
                    irisDeployment({ name: 'scale', format: 'notebook' }),
                  ],
                };
          return new Response(JSON.stringify(body));
        },
        upload: async ({ url, method, body }) => {
          uploads.push({ url, method, form: body as FormData });
          return { status: 200, body: JSON.stringify(trainer) };
        },
      },
    );
    const slipway = {
      ready: Promise.resolve(),
      client,
      notifyDeploymentsChanged: () => {},
    } as unknown as ISlipway;
    const read: string[] = [];
    const published = publishWithDialog(
      slipway,
      trans,
      {
        path: 'work/train.ipynb',
        filename: 'train.ipynb',
        format: 'notebook',
        read: async () => new Blob(['{"cells": []}']),
        readData: async (path) => {
          read.push(path);
          return new Blob(['x,actual\n1,0\n']);
        },
      },
      { name: 'train', pool: 'cpu', public: false },
    );
    const dialog = await dialogTitled('Publish train.ipynb');
    const form = dialog.querySelector<HTMLElement>('.jp-SlipwayPublishForm')!;
    // A notebook deployment is no model to retrain: only iris is offered.
    const select = form.querySelector<HTMLSelectElement>('select[name="trainerOf"]')!;
    expect([...select.options].map((o) => o.value)).toEqual(['iris']);
    const sections = form.querySelectorAll<HTMLElement>('.jp-SlipwayPublishForm-section');
    expect([...sections].map((s) => s.hidden)).toEqual([true, false]);
    const asTrainer = form.querySelector<HTMLInputElement>('input[name="as"][value="trainer"]')!;
    asTrainer.checked = true;
    asTrainer.dispatchEvent(new Event('change'));
    expect([...sections].map((s) => s.hidden)).toEqual([false, true]);
    form.querySelector<HTMLInputElement>('input[name="trainingFile"]')!.value = 'data/train.csv';
    press(dialog, 'Publish');

    expect(await published).toEqual({ kind: 'trainer', trainer });
    expect(read).toEqual(['data/train.csv']);
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatchObject({
      url: 'http://gw.test/api/deployments/iris/trainer',
      method: 'PUT',
    });
    expect((uploads[0]!.form.get('file') as File).name).toBe('train.ipynb');
    expect((uploads[0]!.form.get('training_file') as File).name).toBe('train.csv');
    const result = await dialogTitled('Making train.ipynb the trainer of iris');
    expect(result.querySelector('.jp-SlipwayPublishResult.jp-mod-done')?.textContent).toContain(
      'train.ipynb is the training notebook of iris.',
    );
    press(result, 'Close');
    await vi.waitFor(() => expect(result.isConnected).toBe(false), UNTIL);
  });
});
