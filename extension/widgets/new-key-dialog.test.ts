// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { Clipboard, Dialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayClient } from '../client/gateway-client.js';
import { MonitorModel } from '../models/monitor-model.js';
import { irisDeployment, irisDetail } from '../testing/deployments.js';
import { noTraffic } from '../testing/monitoring.js';
import { UNTIL } from '../testing/until.js';
import { DeploymentsPanel } from './DeploymentsPanel.js';
import { MonitorPanel } from './MonitorPanel.js';

// jsdom has no canvas: the monitor's charts draw nothing.
vi.mock('chart.js', async (original) =>
  (await import('../testing/chart-stand-in.js')).withChartStandIn(
    await original<typeof import('chart.js')>(),
  ),
);

const trans = nullTranslator.load('slipway');
const metrics = noTraffic;

/** A gateway that knows iris and issues `sk_new` (or refuses, when `refuse` is set). */
function gateway(opts: { refuse?: boolean } = {}) {
  const posted: unknown[] = [];
  const client = new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    {
      trans,
      fetch: async (input, init) => {
        const path = new URL(String(input)).pathname;
        const json = (status: number, value: unknown) =>
          new Response(JSON.stringify(value), { status });
        if (path === '/api/deployments/iris/keys' && init?.method === 'POST') {
          posted.push(JSON.parse(String(init.body)));
          return opts.refuse
            ? json(503, {
                error: { code: 'database_unavailable', message: 'the database is away' },
              })
            : json(201, { id: 'k2', key: 'sk_new', createdAt: '2026-11-22T10:00:00.000Z' });
        }
        if (path === '/api/deployments') return json(200, { deployments: [irisDeployment()] });
        if (path === '/api/deployments/iris') return json(200, irisDetail());
        if (path === '/api/deployments/iris/metrics') return json(200, metrics);
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

/** Clicks the dialog's button of that label and waits for the dialog to go. */
async function answer(dialog: HTMLElement, label: string): Promise<void> {
  const button = [...dialog.querySelectorAll<HTMLButtonElement>('.jp-Dialog-footer button')].find(
    (b) => b.textContent?.includes(label),
  );
  expect(button, label).toBeDefined();
  button!.click();
  await vi.waitFor(() => expect(dialog.isConnected).toBe(false), UNTIL);
}

function choose(dialog: HTMLElement, value: 'keep' | 'grace' | 'now', minutes?: string) {
  dialog.querySelector<HTMLInputElement>(`input[name="oldKeys"][value="${value}"]`)!.checked = true;
  if (minutes !== undefined)
    dialog.querySelector<HTMLInputElement>('input[name="graceMinutes"]')!.value = minutes;
}

afterEach(() => {
  Dialog.flush();
  document.body.replaceChildren();
  vi.restoreAllMocks();
});

describe('New invoke key…', () => {
  it('from the sidebar: asks about the old keys, issues the key, shows it once with Copy', async () => {
    const { client, posted } = gateway();
    const panel = new DeploymentsPanel({ client, openMonitor: () => {}, trans });
    Widget.attach(panel, document.body);
    await panel.refresh();
    panel.node
      .querySelector<HTMLButtonElement>('button[aria-label="New invoke key for iris"]')!
      .click();

    let dialog = await openDialog('New invoke key for iris');
    // Keeping the old keys is the default: nothing is revoked by surprise.
    expect(dialog.querySelector<HTMLInputElement>('input[name="oldKeys"]:checked')?.value).toBe(
      'keep',
    );
    choose(dialog, 'grace', '0');
    await answer(dialog, 'Issue key');
    // A grace period of no minutes is refused here, with the choice kept.
    dialog = await openDialog('New invoke key for iris');
    expect(dialog.querySelector('[role="alert"]')?.textContent).toMatch(/minutes, 1 to/);
    expect(posted).toEqual([]);
    choose(dialog, 'grace', '60');
    await answer(dialog, 'Issue key');

    dialog = await openDialog('New invoke key for iris');
    expect(posted).toEqual([{ revokeOthersAfterSeconds: 3600 }]);
    expect(dialog.querySelector('.jp-SlipwayPublishResult-key')?.textContent).toBe('sk_new');
    const copy = vi.spyOn(Clipboard, 'copyToSystem').mockImplementation(() => {});
    const button = dialog.querySelector<HTMLButtonElement>('button[aria-label="Copy invoke key"]')!;
    button.click();
    expect(copy).toHaveBeenCalledWith('sk_new');
    expect(button.textContent).toBe('Copied');
    await answer(dialog, 'Done');
    panel.dispose();
  });

  it('from the monitor header: revokes the old keys now when asked', async () => {
    const { client, posted } = gateway();
    const model = new MonitorModel('iris', client);
    const panel = new MonitorPanel({ model, trans, refreshSeconds: 3600 });
    Widget.attach(panel, document.body);
    await model.refresh();
    const button = await vi.waitFor(() => {
      const b = panel.node.querySelector<HTMLButtonElement>(
        '.jp-SlipwayMonitor-header button[aria-label="New invoke key for iris"]',
      );
      expect(b).not.toBeNull();
      return b!;
    }, UNTIL);
    button.click();
    const dialog = await openDialog('New invoke key for iris');
    choose(dialog, 'now');
    await answer(dialog, 'Issue key');
    const shown = await openDialog('New invoke key for iris');
    expect(posted).toEqual([{ revokeOthersAfterSeconds: 0 }]);
    expect(shown.textContent).toContain('sk_new');
    await answer(shown, 'Done');
    panel.dispose();
  });

  it('says why the gateway refused, and sends nothing when cancelled', async () => {
    const { client, posted } = gateway({ refuse: true });
    const panel = new DeploymentsPanel({ client, openMonitor: () => {}, trans });
    Widget.attach(panel, document.body);
    await panel.refresh();
    const open = () =>
      panel.node
        .querySelector<HTMLButtonElement>('button[aria-label="New invoke key for iris"]')!
        .click();

    open();
    await answer(await openDialog('New invoke key for iris'), 'Cancel');
    expect(posted).toEqual([]);

    open();
    await answer(await openDialog('New invoke key for iris'), 'Issue key');
    const error = await openDialog('Could not issue a key for iris');
    expect(error.textContent).toContain('the database is away');
    expect(posted).toEqual([{}]);
    error.querySelector<HTMLButtonElement>('.jp-Dialog-footer button')!.click();
    await vi.waitFor(() => expect(error.isConnected).toBe(false), UNTIL);
    panel.dispose();
  });
});
