// @vitest-environment jsdom
import '../testing/dom-shims.js';
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, Notification } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import type { Widget } from '@lumino/widgets';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Deployment } from '../../gateway/src/protocol/index.js';
import { irisDeployment } from '../testing/deployments.js';
import { GatewayClient } from '../client/gateway-client.js';
import { markingTranslator, untranslated, untranslatedIn } from '../testing/marking-translator.js';
import type { ISlipway } from '../tokens.js';
import { corePlugin } from './core.js';
import { deploymentsPlugin } from './deployments.js';
import { sendDataWithDialog } from './data-upload-flow.js';
import { monitoringDataPlugin } from './monitoring-data.js';
import { publishWithDialog } from './publish-flow.js';
import { publishPlugin } from './publish.js';
import { tagsPlugin } from './tags.js';
import { dialogTitled, press } from '../testing/dialogs.js';
import { UNTIL } from '../testing/until.js';
import { cpuPool } from '../testing/pools.js';

const translator = markingTranslator();
const trans = translator.load('slipway');
/** The Jupyter server, whose proxy the extension reaches the gateway through. */
const SERVER = 'http://127.0.0.1:8888/';
const PROXY = 'http://127.0.0.1:8888/slipway';

/** What the plugins gave JupyterLab: commands, palette items, widgets in the shell. */
function fakeApp() {
  const commands = new Map<string, { label?: unknown; caption?: unknown }>();
  const palette: { command: string; category: string }[] = [];
  const shell: Widget[] = [];
  const app = {
    commands: {
      addCommand: (id: string, options: { label?: unknown; caption?: unknown }) =>
        commands.set(id, options),
      notifyCommandChanged: () => {},
      execute: async () => {},
    },
    shell: { add: (w: Widget) => shell.push(w), activateById: () => {} },
    serviceManager: {
      contents: {},
      serverSettings: ServerConnection.makeSettings({ baseUrl: SERVER }),
    },
  } as unknown as JupyterFrontEnd;
  return {
    app,
    commands,
    palette: { addItem: (i: never) => palette.push(i) },
    paletteItems: palette,
    shell,
  };
}
const signal = { connect: () => {} };
const tracker = {
  currentWidget: null,
  activeCell: null,
  activeCellChanged: signal,
  widgetAdded: signal,
};
const activate = <T>(plugin: JupyterFrontEndPlugin<T>, ...args: unknown[]) =>
  plugin.activate(...(args as [JupyterFrontEnd, ...unknown[]])) as T;

beforeAll(() => {
  Dialog.translator = translator;
  // No gateway here: every request fails as an unreachable one does.
  vi.stubGlobal('fetch', () => Promise.reject(new TypeError('fetch failed')));
});
afterAll(() => vi.unstubAllGlobals());
afterEach(() => document.body.replaceChildren());

describe('plugins speak through the ITranslator they are given', () => {
  it('commands, palette, panels and notifications', async () => {
    const { app, commands, palette, paletteItems, shell } = fakeApp();
    const slipway = activate(corePlugin, app, null, translator);
    activate(deploymentsPlugin, app, slipway, null, palette, translator);
    activate(publishPlugin, app, slipway, tracker, null, palette, translator);
    activate(tagsPlugin, app, tracker, palette, translator);
    activate(monitoringDataPlugin, app, slipway, null, translator);
    expect(new Set(translator.domains)).toEqual(new Set(['slipway']));

    expect([...commands.keys()].sort()).toEqual([
      'slipway:open-deployments',
      'slipway:open-monitor',
      'slipway:publish-model',
      'slipway:publish-notebook',
      'slipway:send-ground-truth',
      'slipway:set-reference',
      'slipway:tag-output',
      'slipway:tag-parameters',
    ]);
    for (const [id, { label, caption }] of commands) {
      for (const words of [label, caption]) {
        expect(typeof words, id).toBe('string');
        expect(untranslated(words as string), id).toBeNull();
      }
    }
    expect(paletteItems.length).toBeGreaterThan(0);
    for (const item of paletteItems) expect(item.category).toBe('«Slipway»');

    const sidebar = shell.find((w) => w.id === 'slipway-deployments')!;
    expect(sidebar.title.caption).toBe('«Slipway deployments»');

    // The gateway is not there: the notification says so, and how to fix it, translated.
    await slipway.ready;
    const notice = await vi.waitFor(() => {
      const found = Notification.manager.notifications.find((n) => n.type === 'error');
      expect(found).toBeDefined();
      return found!;
    }, UNTIL);
    expect(notice.message).toMatch(
      /^«Slipway gateway not reachable at http:\/\/127\.0\.0\.1:8888\/slipway/,
    );
    expect(untranslated(notice.message, [PROXY])).toBeNull();

    slipway.openMonitor('iris');
    const monitor = shell.find((w) => w.id === 'slipway-monitor-iris')!;
    expect(monitor.title.label).toBe('«Monitor: iris»');
    monitor.dispose();
    sidebar.dispose();
  });
});

describe('the publish flow speaks through the bundle it is given', () => {
  const deployment: Deployment = irisDeployment();
  const DATA = [
    'iris',
    'iris.onnx',
    'work/iris.onnx',
    'cpu',
    'onnx',
    deployment.invokeUrl,
    'sk_secret',
    deployment.curl,
  ];
  const source = {
    path: 'work/iris.onnx',
    filename: 'iris.onnx',
    format: 'onnx',
    read: async () => new Blob(['x']),
  };
  const slipwayWith = (client: GatewayClient) =>
    ({
      ready: Promise.resolve(),
      client,
      notifyDeploymentsChanged: () => {},
    }) as unknown as ISlipway;

  it('the dialog, the upload and the result', async () => {
    const client = new GatewayClient(
      { baseUrl: 'http://gw.test', token: 't' },
      {
        trans,
        fetch: async (input) =>
          // iris is a new name: the dialog's lookup answers 404.
          new URL(String(input)).pathname === '/api/deployments/iris'
            ? new Response(JSON.stringify({ error: { code: 'not_found', message: 'no' } }), {
                status: 404,
              })
            : new Response(JSON.stringify({ pools: [cpuPool()] })),
        upload: async () => ({ status: 201, body: JSON.stringify(deployment) }),
      },
    );
    const published = publishWithDialog(slipwayWith(client), trans, source, {
      name: 'iris',
      pool: 'cpu',
      public: false,
    });
    const form = await dialogTitled('«Publish iris.onnx»');
    expect(untranslatedIn(form, DATA)).toEqual([]);
    press(form, '«Publish»');
    expect(await published).toEqual({ kind: 'function', deployment });
    const result = await dialogTitled('«Publishing iris»');
    expect(result.querySelector('.jp-SlipwayPublishResult.jp-mod-done')).not.toBeNull();
    expect(untranslatedIn(result, DATA)).toEqual([]);
    press(result, '«Close»');
  });

  it('a gateway that does not answer', async () => {
    const client = new GatewayClient(
      { baseUrl: 'http://gw.test', token: 't' },
      { trans, fetch: () => Promise.reject(new TypeError('fetch failed')) },
    );
    const published = publishWithDialog(slipwayWith(client), trans, source, {
      name: 'iris',
      pool: 'cpu',
      public: false,
    });
    const error = await dialogTitled('«Slipway gateway»');
    expect(untranslatedIn(error, ['http://gw.test'])).toEqual([]);
    press(error, '«Close»');
    expect(await published).toBeNull();
  });
});

describe('the ground truth and reference flow speaks through the bundle it is given', () => {
  const deployment: Deployment = irisDeployment();
  const source = {
    path: 'data/labels.csv',
    filename: 'labels.csv',
    contentType: 'text/csv' as const,
    read: async () => new Blob(['id,actual\nc1,setosa\n']),
  };
  const DATA = ['iris', 'labels.csv', 'data/labels.csv', 'onnx', 'http://gw.test'];
  const slipwayWith = (client: GatewayClient) =>
    ({ ready: Promise.resolve(), client, openMonitor: () => {} }) as unknown as ISlipway;
  const lastNotice = (type: string) =>
    Notification.manager.notifications.filter((n) => n.type === type).at(0);

  it.each([
    [
      'feedback',
      '«Send labels.csv as ground truth»',
      '«Send»',
      /^«Ground truth for iris: 2 accepted, 1 rejected\.»$/,
    ],
    [
      'reference',
      '«Set labels.csv as reference»',
      '«Set»',
      /^«Reference for iris: 150 rows, 2 features\.»$/,
    ],
  ] as const)(
    '%s: the picker, the progress and the outcome',
    async (purpose, title, button, outcome) => {
      const summary = {
        name: 'iris',
        rows: 150,
        source: 'upload',
        createdAt: '',
        features: [{}, {}],
      };
      const client = new GatewayClient(
        { baseUrl: 'http://gw.test', token: 't' },
        {
          trans,
          fetch: async () => new Response(JSON.stringify({ deployments: [deployment] })),
          upload: async ({ onProgress }) => {
            onProgress?.(1);
            return {
              status: 200,
              body: JSON.stringify(purpose === 'feedback' ? { accepted: 2, rejected: 1 } : summary),
            };
          },
        },
      );
      const sent = sendDataWithDialog(slipwayWith(client), trans, source, purpose);
      const picker = await dialogTitled(title);
      expect(untranslatedIn(picker, DATA)).toEqual([]);
      press(picker, button);
      expect(await sent).toBe('iris');
      const notice = lastNotice('success')!;
      expect(notice.message).toMatch(outcome);
      expect(notice.options.actions?.map((a) => a.label)).toEqual(['«Open monitor»']);
    },
  );

  it("a rejected file: the gateway's row and column, in a translated sentence", async () => {
    const client = new GatewayClient(
      { baseUrl: 'http://gw.test', token: 't' },
      {
        trans,
        fetch: async () => new Response(JSON.stringify({ deployments: [deployment] })),
        upload: async () => ({
          status: 400,
          body: JSON.stringify({
            error: { code: 'invalid_input', message: 'row 3, column actual: empty' },
          }),
        }),
      },
    );
    const sent = sendDataWithDialog(slipwayWith(client), trans, source, 'feedback');
    press(await dialogTitled('«Send labels.csv as ground truth»'), '«Send»');
    expect(await sent).toBeNull();
    const notice = lastNotice('error')!;
    expect(notice.message).toContain('row 3, column actual: empty');
    expect(untranslated(notice.message, [...DATA, 'row 3, column actual: empty'])).toBeNull();
  });

  it('no deployment yet', async () => {
    const client = new GatewayClient(
      { baseUrl: 'http://gw.test', token: 't' },
      { trans, fetch: async () => new Response(JSON.stringify({ deployments: [] })) },
    );
    const sent = sendDataWithDialog(slipwayWith(client), trans, source, 'reference');
    const dialog = await dialogTitled('«No deployment»');
    expect(untranslatedIn(dialog, DATA)).toEqual([]);
    press(dialog, '«Close»');
    expect(await sent).toBeNull();
  });
});
