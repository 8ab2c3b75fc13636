// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { Dialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayClient } from '../client/gateway-client.js';
import { irisDeployment, irisDetail } from '../testing/deployments.js';
import { UNTIL } from '../testing/until.js';
import type { ISlipway } from '../tokens.js';
import { publishWithDialog } from './publish-flow.js';

const trans = nullTranslator.load('slipway');

function dialogTitled(title: string): Promise<HTMLElement> {
  return vi.waitFor(() => {
    const dialog = [...document.querySelectorAll<HTMLElement>('.jp-Dialog')].find(
      (d) => d.querySelector('.jp-Dialog-header')?.textContent === title,
    );
    expect(dialog, title).toBeDefined();
    return dialog!;
  }, UNTIL);
}

function press(dialog: HTMLElement, label: string): void {
  [...dialog.querySelectorAll<HTMLButtonElement>('.jp-Dialog-footer button')]
    .find((b) => b.textContent === label)!
    .click();
}

afterEach(() => {
  Dialog.flush();
  document.body.replaceChildren();
});

const IRIS = irisDetail({
  version: 1,
  format: 'pickle',
  signature: {
    inputs: [
      { name: 'sepal_length', type: 'float64' },
      { name: 'sepal_width', type: 'float64' },
    ],
    outputs: [],
  },
});
const CHANGED =
  'iris v1 (pickle) has other inputs or outputs than this onnx file: input sepal_length is gone; input X is new. Callers sending what iris takes today would fail.';

/** A gateway where iris exists; its uploads answer as `answers` says, one per upload. */
function gatewayWith(answers: { status: number; body: unknown }[]) {
  const uploads: FormData[] = [];
  const client = new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    {
      trans,
      fetch: async (input) => {
        const path = new URL(String(input)).pathname;
        if (path === '/api/pools')
          return new Response(
            JSON.stringify({ pools: [{ name: 'cpu', backend: 'local', deployments: 1 }] }),
          );
        if (path === '/api/deployments/iris') return new Response(JSON.stringify(IRIS));
        return new Response(JSON.stringify({ error: { code: 'not_found', message: 'no' } }), {
          status: 404,
        });
      },
      upload: async ({ body }) => {
        uploads.push(body as FormData);
        const answer = answers.shift()!;
        return { status: answer.status, body: JSON.stringify(answer.body) };
      },
    },
  );
  const slipway = {
    ready: Promise.resolve(),
    client,
    notifyDeploymentsChanged: () => {},
  } as unknown as ISlipway;
  return { slipway, uploads };
}

const source = {
  path: 'work/iris.onnx',
  filename: 'iris.onnx',
  read: async () => new Blob(['onnx']),
};

describe('Publish under a name that exists', () => {
  it('says what exists and publishes a new version only once that is chosen', async () => {
    const v2 = irisDeployment({ version: 2, invokeKey: undefined });
    const { slipway, uploads } = gatewayWith([{ status: 201, body: v2 }]);
    const published = publishWithDialog(slipway, trans, source, {
      name: 'iris',
      pool: 'cpu',
      public: false,
    });
    let dialog = await dialogTitled('Publish iris.onnx');
    const existing = await vi.waitFor(() => {
      const text = dialog.querySelector('.jp-SlipwayPublishForm-existing')?.textContent;
      expect(text).toContain('iris exists: v1, pickle, inputs sepal_length, sepal_width');
      return text!;
    }, UNTIL);
    expect(existing).toContain('this becomes v2.');
    // Publish without choosing: the dialog comes back saying what to do, nothing is sent.
    press(dialog, 'Publish');
    await vi.waitFor(() => {
      dialog = [...document.querySelectorAll<HTMLElement>('.jp-Dialog')].at(-1)!;
      expect(dialog.querySelector('.jp-SlipwayPublishForm-problem')?.textContent).toContain(
        'Choose "Publish as a new version of iris", or change the name.',
      );
    }, UNTIL);
    expect(uploads).toEqual([]);
    const choice = await vi.waitFor(() => {
      const box = dialog.querySelector<HTMLInputElement>('input[name="newVersion"]');
      expect(box).not.toBeNull();
      return box!;
    }, UNTIL);
    choice.checked = true;
    press(dialog, 'Publish');
    expect(await published).toEqual({ kind: 'function', deployment: v2 });
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.get('allowSignatureChange')).toBeNull();
    press(await dialogTitled('Publishing iris'), 'Close');
  });

  it('shows the gateway signature_changed message and publishes anyway when asked', async () => {
    const v2 = irisDeployment({ version: 2, invokeKey: undefined });
    const { slipway, uploads } = gatewayWith([
      { status: 409, body: { error: { code: 'signature_changed', message: CHANGED } } },
      { status: 201, body: v2 },
    ]);
    const published = publishWithDialog(slipway, trans, source, {
      name: 'iris',
      pool: 'cpu',
      public: false,
      newVersionOf: 'iris',
    });
    press(await dialogTitled('Publish iris.onnx'), 'Publish');
    const result = await dialogTitled('Publishing iris');
    const anyway = await vi.waitFor(() => {
      const button = [...result.querySelectorAll('button')].find(
        (b) => b.textContent === 'Publish anyway',
      );
      expect(button).toBeDefined();
      return button!;
    }, UNTIL);
    expect(result.querySelector('.jp-SlipwayPublishResult-error')?.textContent).toContain(CHANGED);
    anyway.click();
    expect(await published).toEqual({ kind: 'function', deployment: v2 });
    press(result, 'Close');
    expect(uploads.map((f) => f.get('allowSignatureChange'))).toEqual([null, 'true']);
  });

  it('publishes nothing more when the change is not accepted', async () => {
    const { slipway, uploads } = gatewayWith([
      { status: 409, body: { error: { code: 'signature_changed', message: CHANGED } } },
    ]);
    const published = publishWithDialog(slipway, trans, source, {
      name: 'iris',
      pool: 'cpu',
      public: false,
      newVersionOf: 'iris',
    });
    press(await dialogTitled('Publish iris.onnx'), 'Publish');
    const result = await dialogTitled('Publishing iris');
    await vi.waitFor(
      () =>
        expect(result.querySelector('.jp-SlipwayPublishResult-error')?.textContent).toContain(
          CHANGED,
        ),
      UNTIL,
    );
    press(result, 'Close');
    expect(await published).toBeNull();
    expect(uploads).toHaveLength(1);
  });
});
