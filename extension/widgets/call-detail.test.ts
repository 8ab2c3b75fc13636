// @vitest-environment node
import '../testing/node-dom.js';
import '../testing/dom-shims.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nullTranslator } from '@jupyterlab/translation';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ADMIN_TOKEN,
  publishForm,
  startTestGateway,
  type TestGateway,
} from '../../gateway/test/support/test-gateway.js';
import { GatewayClient } from '../client/gateway-client.js';
import { MonitorModel } from '../models/monitor-model.js';
import { TryItModel } from '../models/try-it-model.js';
import { UNTIL } from '../testing/until.js';
import { CallDetail } from './CallDetail.js';
import { TrafficTab } from './TrafficTab.js';
import { TryItTab } from './TryItTab.js';

// The call detail and the Try it tab against the real gateway app (app.request, no network).
// jsdom has no canvas: the traffic tab's chart is a stand-in.
vi.mock('chart.js', async (original) =>
  (await import('../testing/chart-stand-in.js')).withChartStandIn(
    await original<typeof import('chart.js')>(),
  ),
);

const trans = nullTranslator.load('slipway');
let gw: TestGateway;
let client: GatewayClient;
const keys: Record<string, string> = {};

beforeAll(async () => {
  gw = await startTestGateway();
  client = new GatewayClient(
    { baseUrl: 'http://slipway.test', token: ADMIN_TOKEN },
    { fetch: (input, init) => Promise.resolve(gw.app.request(String(input), init)), trans },
  );
  for (const [name, bytes, filename] of [
    ['sum', '{"toy":"sum"}', 'm.toy.json'],
    [
      'echo',
      JSON.stringify({ toyNotebook: { parameters: { x: 1, fail: false } } }),
      'e.toynb.json',
    ],
  ] as const) {
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name }, { bytes, filename }),
    });
    expect(res.status).toBe(201);
    keys[name] = ((await res.json()) as { invokeKey: string }).invokeKey;
  }
});
afterAll(() => gw.stop());

async function call(name: string, body: unknown): Promise<string> {
  const res = await gw.app.request(`/fn/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys[name]}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.headers.get('x-request-id')!;
}

const text = (node: Element | null | undefined) => node?.textContent ?? '';

describe('the recent calls', () => {
  it('open a failed call in full when its row is clicked: status, error, input', async () => {
    await call('sum', { a: 1, b: 2 });
    const failed = await call('sum', { a: 'one', b: 2 });
    const model = new MonitorModel('sum', client);
    const tab = new TrafficTab(model, trans);
    await model.refresh();
    expect(model.error).toBeNull();
    const row = tab.node.querySelector<HTMLElement>(`tr[data-call="${failed}"]`)!;
    expect(row.classList).toContain('jp-mod-error');
    expect(tab.callDetail.isHidden).toBe(true);

    row.click();
    await vi.waitFor(() => expect(tab.callDetail.detail?.id).toBe(failed), UNTIL);
    const detail = tab.callDetail.node;
    expect(tab.callDetail.isHidden).toBe(false);
    expect(detail.getAttribute('aria-label')).toBe('Call detail');
    expect(text(detail.querySelector('dd.jp-mod-error'))).toBe('400');
    expect(text(detail.querySelector('pre[aria-label="Error"]'))).toMatch(/^invalid_input: .*a/);
    expect(JSON.parse(text(detail.querySelector('pre[aria-label="Input"]')))).toEqual({
      a: 'one',
      b: 2,
    });
    expect(text(detail)).toContain('v1 · toy');
    // The row stays marked across refreshes; Close hides the detail and unmarks it.
    await model.refresh();
    expect(tab.node.querySelector(`tr[data-call="${failed}"]`)!.classList).toContain(
      'jp-mod-selected',
    );
    detail.querySelector<HTMLButtonElement>('button[aria-label="Close call detail"]')!.click();
    expect(tab.callDetail.isHidden).toBe(true);
    expect(tab.node.querySelector('tr.jp-mod-selected')).toBeNull();
    tab.dispose();
  });

  it('opens with Enter too, and shows a good call’s output', async () => {
    const good = await call('sum', { a: 2, b: 3 });
    const model = new MonitorModel('sum', client);
    const tab = new TrafficTab(model, trans);
    await model.refresh();
    const row = tab.node.querySelector<HTMLElement>(`tr[data-call="${good}"]`)!;
    row.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await vi.waitFor(() => expect(tab.callDetail.detail?.id).toBe(good), UNTIL);
    expect(text(tab.callDetail.node.querySelector('pre[aria-label="Output"]'))).toContain('5');
    expect(tab.callDetail.node.querySelector('pre[aria-label="Error"]')).toBeNull();
    tab.dispose();
  });
});

describe('a notebook call’s detail', () => {
  it('shows the traceback and opens the executed notebook', async () => {
    const failed = await call('echo', { x: 2, fail: true });
    // Where papermill leaves the executed notebook (the toy notebook writes none).
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        {
          cell_type: 'code',
          source: 'raise ValueError("told to fail")',
          metadata: {},
          execution_count: 1,
          outputs: [
            {
              output_type: 'error',
              ename: 'ValueError',
              evalue: 'told to fail',
              traceback: ['\u001b[0;31mValueError\u001b[0m: told to fail'],
            },
          ],
        },
      ],
    };
    await mkdir(join(gw.dataDir, 'runs'), { recursive: true });
    await writeFile(join(gw.dataDir, 'runs', `${failed}.ipynb`), JSON.stringify(notebook));
    const opened: { run: unknown; notebook: unknown }[] = [];
    const detail = new CallDetail({
      client,
      name: 'echo',
      trans,
      openNotebook: async (run, nb) => void opened.push({ run, notebook: nb }),
    });
    await detail.showCall(failed);
    expect(text(detail.node.querySelector('pre[aria-label="Traceback"]'))).toBe(
      'ValueError: told to fail',
    );
    expect(text(detail.node.querySelector('pre[aria-label="Error"]'))).toContain('told to fail');
    const open = [...detail.node.querySelectorAll('button')].find(
      (b) => b.textContent === 'Open executed notebook',
    )!;
    open.click();
    await vi.waitFor(() => expect(opened).toHaveLength(1), UNTIL);
    expect(opened[0]).toEqual({ run: { deployment: 'echo', id: failed }, notebook });
    detail.dispose();
  });

  it('says so when the call is not found', async () => {
    const detail = new CallDetail({ client, name: 'echo', trans });
    await detail.showCall(crypto.randomUUID());
    expect(text(detail.node.querySelector('[role="alert"]'))).toMatch(/not found/);
    detail.dispose();
  });
});

describe('the Try it tab', () => {
  it('makes the form from the signature, names a wrong field, sends, shows the answer and the code', async () => {
    const model = new TryItModel('sum', client);
    const tab = new TryItTab(model, trans);
    await model.refresh();
    const input = (name: string) =>
      tab.node.querySelector<HTMLInputElement>(`input[data-field="${name}"]`)!;
    const type = (name: string, value: string) => {
      input(name).value = value;
      input(name).dispatchEvent(new Event('input'));
    };
    const send = () =>
      [...tab.node.querySelectorAll('button')].find((b) => b.textContent === 'Send')!.click();
    expect(tab.node.querySelectorAll('label')).toHaveLength(2);
    expect(text(tab.node.querySelector('.jp-SlipwayTryIt-snippets'))).toMatch(/Fill in the form/);

    type('a', 'one');
    type('b', '2');
    send();
    await vi.waitFor(() => expect(model.errors).toHaveLength(1), UNTIL);
    expect(input('a').getAttribute('aria-invalid')).toBe('true');
    expect(text(tab.node.querySelector('.jp-SlipwayCallForm-error:not([hidden])'))).toBe(
      'a: expected a number, got "one"',
    );

    type('a', '40');
    const snippets = tab.node.querySelector('.jp-SlipwayTryIt-snippets')!;
    expect(text(snippets.querySelector('pre.jp-mod-curl'))).toContain(`-d '{"a":40,"b":2}'`);
    expect(text(snippets.querySelector('pre.jp-mod-curl'))).toContain('$SLIPWAY_KEY');
    expect(text(snippets.querySelector('pre.jp-mod-python'))).toContain('json={"a": 40, "b": 2}');
    expect(text(snippets.querySelector('pre.jp-mod-javascript'))).toContain('fetch(');
    send();
    await vi.waitFor(() => expect(model.result).not.toBeNull(), UNTIL);
    expect(text(tab.node.querySelector('.jp-SlipwayTryIt-status'))).toMatch(/^HTTP 200 in /);
    expect(
      JSON.parse(text(tab.node.querySelector('pre[aria-label="Response body"]'))),
    ).toMatchObject({ version: 1, prediction: 42 });

    // A refresh keeps what was entered.
    await model.refresh();
    expect(input('a').value).toBe('40');
    tab.dispose();
  });
});
