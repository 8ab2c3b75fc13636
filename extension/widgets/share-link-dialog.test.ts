// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { Clipboard, Dialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayClient } from '../client/gateway-client.js';
import { MonitorModel } from '../models/monitor-model.js';
import { irisDetail } from '../testing/deployments.js';
import { noTraffic } from '../testing/monitoring.js';
import { UNTIL } from '../testing/until.js';
import { MonitorPanel } from './MonitorPanel.js';

// jsdom has no canvas: the monitor's charts draw nothing.
vi.mock('chart.js', async (original) =>
  (await import('../testing/chart-stand-in.js')).withChartStandIn(
    await original<typeof import('chart.js')>(),
  ),
);

const trans = nullTranslator.load('slipway');
const URL_SHOWN = 'http://gw.test/fn/iris?share=ss_abc';

/** A gateway that knows iris and creates share links. */
function gateway() {
  const posted: unknown[] = [];
  const client = new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    {
      trans,
      fetch: async (input, init) => {
        const path = new URL(String(input)).pathname;
        const json = (status: number, value: unknown) =>
          new Response(JSON.stringify(value), { status });
        if (path === '/api/deployments/iris/share-links' && init?.method === 'POST') {
          posted.push(JSON.parse(String(init.body)));
          return json(201, {
            id: 'l1',
            label: 'sales',
            ratePerMinute: 30,
            createdAt: '2026-11-22T10:00:00.000Z',
            expiresAt: '2026-11-25T10:00:00.000Z',
            revokedAt: null,
            state: 'active',
            url: URL_SHOWN,
          });
        }
        if (path === '/api/deployments/iris') return json(200, irisDetail());
        if (path === '/api/deployments/iris/metrics') return json(200, noTraffic);
        if (path === '/api/deployments/iris/invocations') return json(200, { invocations: [] });
        throw new Error(`unexpected ${path}`);
      },
    },
  );
  return { client, posted };
}

async function openDialog(title: string): Promise<HTMLElement> {
  return vi.waitFor(() => {
    const dialog = document.querySelector<HTMLElement>('.jp-Dialog');
    expect(dialog?.querySelector('.jp-Dialog-header')?.textContent).toBe(title);
    return dialog!;
  }, UNTIL);
}

async function answer(dialog: HTMLElement, label: string): Promise<void> {
  const button = [...dialog.querySelectorAll<HTMLButtonElement>('.jp-Dialog-footer button')].find(
    (b) => b.textContent?.includes(label),
  );
  expect(button, label).toBeDefined();
  button!.click();
  await vi.waitFor(() => expect(dialog.isConnected).toBe(false), UNTIL);
}

afterEach(() => {
  Dialog.flush();
  document.body.replaceChildren();
  vi.restoreAllMocks();
});

describe('Share page…', () => {
  it('from the monitor header: asks for a label and days, creates the link, shows its URL once', async () => {
    const { client, posted } = gateway();
    const model = new MonitorModel('iris', client);
    const panel = new MonitorPanel({ model, trans, refreshSeconds: 3600 });
    Widget.attach(panel, document.body);
    await model.refresh();
    const button = await vi.waitFor(() => {
      const b = panel.node.querySelector<HTMLButtonElement>(
        '.jp-SlipwayMonitor-header button[aria-label="Share the page of iris"]',
      );
      expect(b).not.toBeNull();
      return b!;
    }, UNTIL);
    button.click();

    let dialog = await openDialog('Share the page of iris');
    dialog.querySelector<HTMLInputElement>('input[name="days"]')!.value = '0';
    await answer(dialog, 'Create link');
    // A link of no days is refused here, before any call.
    dialog = await openDialog('Share the page of iris');
    expect(dialog.querySelector('[role="alert"]')?.textContent).toMatch(/1 to 366/);
    expect(posted).toEqual([]);
    dialog.querySelector<HTMLInputElement>('input[name="label"]')!.value = 'sales';
    dialog.querySelector<HTMLInputElement>('input[name="days"]')!.value = '3';
    await answer(dialog, 'Create link');

    const shown = await openDialog('Share the page of iris');
    expect(posted).toEqual([{ label: 'sales', expiresInSeconds: 3 * 86_400 }]);
    expect(shown.querySelector('.jp-SlipwayPublishResult-url')?.textContent).toBe(URL_SHOWN);
    const copy = vi.spyOn(Clipboard, 'copyToSystem').mockImplementation(() => {});
    shown.querySelector<HTMLButtonElement>('button[aria-label="Copy share link"]')!.click();
    expect(copy).toHaveBeenCalledWith(URL_SHOWN);
    await answer(shown, 'Done');
    panel.dispose();
  });
});
