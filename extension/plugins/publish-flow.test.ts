// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { Dialog, Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayClient } from '../client/gateway-client.js';
import { irisDeployment, irisDetail } from '../testing/deployments.js';
import { dialogTitled, press } from '../testing/dialogs.js';
import { UNTIL } from '../testing/until.js';
import type { ISlipway } from '../tokens.js';
import type { PublishOptions } from '../models/publish-options.js';
import { publishWithDialog, type PublishSource } from './publish-flow.js';
import { cpuPool } from '../testing/pools.js';

const trans = nullTranslator.load('slipway');

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

type Answer = { status: number; body: unknown };

/** A gateway where iris exists; its uploads answer as `answers` says, one per upload. */
function gatewayWith(answers: (Answer | Promise<Answer>)[]) {
  const uploads: FormData[] = [];
  const client = new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    {
      trans,
      fetch: async (input) => {
        const path = new URL(String(input)).pathname;
        if (path === '/api/pools') return new Response(JSON.stringify({ pools: [cpuPool()] }));
        if (path === '/api/deployments/iris') return new Response(JSON.stringify(IRIS));
        return new Response(JSON.stringify({ error: { code: 'not_found', message: 'no' } }), {
          status: 404,
        });
      },
      upload: async ({ body }) => {
        uploads.push(body as FormData);
        const answer = await answers.shift()!;
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

/** Opens the publish dialog of `file` as the private deployment `name` on the cpu pool. */
function publishAs(
  slipway: ISlipway,
  file: PublishSource,
  name: string,
  more: Partial<PublishOptions> = {},
) {
  return publishWithDialog(slipway, trans, file, { name, pool: 'cpu', public: false, ...more });
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
    const published = publishAs(slipway, source, 'iris');
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
    // Checking it is a change: Publish, disabled while the name was refused, is enabled again.
    choice.click();
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
    const published = publishAs(slipway, source, 'iris', { newVersionOf: 'iris' });
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
    const published = publishAs(slipway, source, 'iris', { newVersionOf: 'iris' });
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

describe('The publish dialog of a model file', () => {
  it('checks the file first: shows its inputs, and what they would break for the name', async () => {
    const check = {
      name: 'iris',
      format: 'onnx',
      signature: { inputs: [{ name: 'X', type: 'float32', shape: [null, 4] }], outputs: [] },
      warnings: [],
      existing: null,
      breakingChanges: [],
    };
    const v2 = irisDeployment({ version: 2, invokeKey: undefined });
    const { slipway, uploads } = gatewayWith([
      { status: 200, body: check },
      { status: 201, body: v2 },
    ]);
    let reads = 0;
    const small = {
      ...source,
      format: 'onnx',
      size: async () => 4,
      read: async () => (reads++, new Blob(['onnx'])),
    };
    const published = publishAs(slipway, small, 'iris');
    const dialog = await dialogTitled('Publish iris.onnx');
    const inputs = await vi.waitFor(() => {
      const table = dialog.querySelector('table[aria-label="Model inputs"]');
      expect(table).not.toBeNull();
      return table!.textContent;
    }, UNTIL);
    expect(inputs).toContain('Xfloat32[?, 4]');
    await vi.waitFor(() => {
      const text = dialog.querySelector('.jp-SlipwayPublishForm-existing')?.textContent;
      expect(text).toContain(
        'this becomes v2 as onnx with inputs X. Today’s callers would fail: input sepal_length is gone',
      );
    }, UNTIL);
    expect(uploads[0]!.get('dryRun')).toBe('true');
    dialog.querySelector<HTMLInputElement>('input[name="newVersion"]')!.click();
    press(dialog, 'Publish');
    expect(await published).toEqual({ kind: 'function', deployment: v2 });
    // The publish sends the bytes the check read: the file is read once.
    expect(reads).toBe(1);
    expect(uploads).toHaveLength(2);
    expect(uploads[1]!.get('dryRun')).toBeNull();
    press(await dialogTitled('Publishing iris'), 'Close');
  });

  it('does not check a file too large to send twice, nor a pickle', async () => {
    const { slipway, uploads } = gatewayWith([]);
    for (const [format, size] of [
      ['onnx', 65 * 1024 * 1024],
      ['pickle', 4],
    ] as const) {
      const published = publishWithDialog(
        slipway,
        trans,
        { ...source, format, size: async () => size },
        { name: 'other', pool: 'cpu', public: false },
      );
      const dialog = await dialogTitled('Publish iris.onnx');
      expect(dialog.querySelector('table[aria-label="Model inputs"]')).toBeNull();
      press(dialog, 'Cancel');
      expect(await published).toBeNull();
      Dialog.flush();
    }
    expect(uploads).toEqual([]);
  });
});

describe('A publish whose result dialog is closed before it ends', () => {
  afterEach(() => Notification.dismiss());

  it('ends in a notification whose Show gives URL and one-time key', async () => {
    let answer!: (a: Answer) => void;
    const { slipway } = gatewayWith([new Promise<Answer>((resolve) => (answer = resolve))]);
    const published = publishAs(slipway, source, 'fresh');
    press(await dialogTitled('Publish iris.onnx'), 'Publish');
    press(await dialogTitled('Publishing fresh'), 'Close');
    const going = await vi.waitFor(() => {
      const n = Notification.manager.notifications.find((m) => m.type === 'in-progress');
      expect(n?.message).toBe('Publishing fresh goes on; its URL and key will be here.');
      return n!;
    }, UNTIL);
    const v1 = irisDeployment({
      name: 'fresh',
      invokeUrl: 'http://gw.test/fn/fresh',
      invokeKey: 'sk_once',
    });
    answer({ status: 201, body: v1 });
    expect(await published).toEqual({ kind: 'function', deployment: v1 });
    // The same notification turned into the outcome: no second one.
    const done = Notification.manager.notifications.find((m) => m.id === going.id)!;
    expect(done.type).toBe('success');
    expect(done.message).toBe(
      'Version 1 of fresh is live. Show it to copy the URL and the key (shown once).',
    );
    const show = done.options.actions?.find((a) => a.label === 'Show');
    show!.callback(new MouseEvent('click'));
    const again = await dialogTitled('Published fresh');
    expect(again.querySelector('.jp-SlipwayPublishResult-url')?.textContent).toBe(
      'http://gw.test/fn/fresh',
    );
    expect(again.querySelector('.jp-SlipwayPublishResult-key')?.textContent).toBe('sk_once');
    press(again, 'Close');
  });

  it('reports a refusal there, since nobody can answer it in the dialog', async () => {
    let answer!: (a: Answer) => void;
    const { slipway, uploads } = gatewayWith([
      new Promise<Answer>((resolve) => (answer = resolve)),
    ]);
    const published = publishAs(slipway, source, 'iris', { newVersionOf: 'iris' });
    press(await dialogTitled('Publish iris.onnx'), 'Publish');
    press(await dialogTitled('Publishing iris'), 'Close');
    answer({ status: 409, body: { error: { code: 'signature_changed', message: CHANGED } } });
    expect(await published).toBeNull();
    const n = Notification.manager.notifications.find((m) => m.type === 'error');
    expect(n?.message).toBe(`iris was not published: ${CHANGED}`);
    expect(uploads).toHaveLength(1);
  });
});

describe('The publish dialog of a notebook', () => {
  const notebook = {
    path: 'work/score.ipynb',
    filename: 'score.ipynb',
    format: 'notebook',
    read: async () => new Blob(['{}']),
    cells: () => [
      { type: 'code', source: '%pip install xgboost', tags: [] },
      {
        type: 'code',
        source: 'n = 3  # how many\nthreshold = np.float64(0.5)',
        tags: ['parameters'],
      },
      { type: 'code', source: 'print(n)', tags: [] },
    ],
  };

  /** Opens the dialog of the notebook as score, on a gateway that publishes its v1. */
  async function openScoreDialog() {
    const v1 = irisDeployment({ name: 'score', format: 'notebook' });
    const { slipway, uploads } = gatewayWith([{ status: 201, body: v1 }]);
    const published = publishAs(slipway, notebook, 'score');
    return { v1, uploads, published, dialog: await dialogTitled('Publish score.ipynb') };
  }

  it('shows the signature, what a call returns and the warnings before the upload', async () => {
    const { slipway, uploads } = gatewayWith([]);
    const published = publishAs(slipway, notebook, 'score');
    const dialog = await dialogTitled('Publish score.ipynb');
    const rows = [...dialog.querySelectorAll('table[aria-label="Parameters"] tbody tr')].map((r) =>
      [...r.querySelectorAll('td')].map((d) => d.textContent),
    );
    expect(rows).toEqual([
      ['n', 'int64', '3'],
      ['threshold', 'json', 'none (np.float64(0.5) is not a literal)'],
    ]);
    expect(dialog.querySelector('.jp-SlipwayPublishForm-returns')?.textContent).toBe(
      'No cell is tagged "output": a call returns the outputs of the last code cell (cell 3). Tag the cells to return with Tag as Output.',
    );
    const warnings = [...dialog.querySelectorAll('.jp-SlipwayPublishForm-warning')].map((w) =>
      w.getAttribute('data-kind'),
    );
    expect(warnings).toEqual(['not-literal', 'installs-packages']);
    press(dialog, 'Cancel');
    expect(await published).toBeNull();
    expect(uploads).toEqual([]);
  });

  it('takes requirements, sent as the list the gateway installs at publish', async () => {
    const { v1, uploads, published, dialog } = await openScoreDialog();
    const field = dialog.querySelector<HTMLTextAreaElement>('textarea[name="requirements"]')!;
    expect(field.getAttribute('aria-label')).toBe('Requirements');
    field.value = 'xgboost==2.1.3  # was %pip install\n\nhumanize\n';
    field.dispatchEvent(new Event('input', { bubbles: true }));
    press(dialog, 'Publish');
    expect(await published).toEqual({ kind: 'function', deployment: v1 });
    expect(JSON.parse(String(uploads[0]!.get('config')))).toEqual({
      requirements: ['xgboost==2.1.3', 'humanize'],
    });
    press(await dialogTitled('Publishing score'), 'Close');
  });

  it('disables Publish while an option is out of range, and says why', async () => {
    const { v1, uploads, published, dialog } = await openScoreDialog();
    const publish = [
      ...dialog.querySelectorAll<HTMLButtonElement>('.jp-Dialog-footer button'),
    ].find((b) => b.textContent === 'Publish')!;
    const reason = dialog.querySelector<HTMLElement>('.jp-SlipwayPublishForm-disabled')!;
    expect(publish.disabled).toBe(false);
    expect(reason.hidden).toBe(true);
    const type = (name: string, value: string) => {
      const input = dialog.querySelector<HTMLInputElement>(`input[name="${name}"]`)!;
      input.value = value;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    };
    type('timeoutSeconds', '0');
    expect(publish.disabled).toBe(true);
    expect(reason.hidden).toBe(false);
    expect(reason.textContent).toBe(
      'Publish is disabled until this is fixed: Timeout (s): A timeout is a number of seconds between 1 and 86400; leave it empty for the gateway default.',
    );
    type('timeoutSeconds', '120');
    type('warmKernels', '0');
    type('maxConcurrency', '2');
    dialog.querySelector<HTMLInputElement>('input[name="asyncCalls"]')!.click();
    expect(publish.disabled).toBe(false);
    press(dialog, 'Publish');
    expect(await published).toEqual({ kind: 'function', deployment: v1 });
    expect(JSON.parse(String(uploads[0]!.get('config')))).toEqual({
      timeoutSeconds: 120,
      maxConcurrency: 2,
      warmKernels: 0,
    });
    // Asynchronous calls: the result shows that form of the call too.
    const result = await dialogTitled('Publishing score');
    expect(result.querySelector('.jp-SlipwayPublishResult-async')?.textContent).toContain(
      "curl -X POST 'http://gw.test/fn/iris?async=true'",
    );
    press(result, 'Close');
  });
});
