// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { Dialog, Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayClient } from '../client/gateway-client.js';
import { irisDeployment } from '../testing/deployments.js';
import { dialogTitled, press } from '../testing/dialogs.js';
import { job, jobsFetch, succeededJob, type JobsState } from '../testing/jobs.js';
import type { SeenRequest } from '../testing/monitoring.js';
import { UNTIL } from '../testing/until.js';
import type { ISlipway } from '../tokens.js';
import type { JupyterFiles } from './jupyter-files.js';
import { scoreFileWithDialog } from './score-flow.js';

const trans = nullTranslator.load('slipway');

afterEach(() => {
  Dialog.flush();
  Notification.dismiss();
  document.body.replaceChildren();
});

/** A gateway with iris and a job that runs, then succeeds; a Jupyter server of `files`. */
function setup(files: Record<string, string>, over: Partial<JobsState> = {}) {
  const seen: SeenRequest[] = [];
  const state: JobsState = {
    jobs: [],
    streams: [],
    polls: [job({ state: 'queued' }), job(), succeededJob(1)],
    output: 'id,prediction\n7,setosa\n',
    errors: '{"row":2,"error":"X: not a number"}\n',
    ...over,
  };
  const jobs = jobsFetch(state, seen);
  const client = new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    {
      trans,
      fetch: async (input, init) =>
        new URL(String(input)).pathname === '/api/deployments'
          ? new Response(JSON.stringify({ deployments: [irisDeployment()] }))
          : jobs(input, init),
    },
  );
  const slipway = { ready: Promise.resolve(), client, openMonitor: vi.fn() } as unknown as ISlipway;
  const heads: string[] = [];
  const server: JupyterFiles = {
    read: async (path) => new Blob([files[path]!]),
    head: async (path) => {
      heads.push(path);
      return { text: files[path]!, complete: true };
    },
    namesBeside: async () => new Set(Object.keys(files).map((p) => p.split('/').pop()!)),
    save: async (path, file) => {
      files[path] = await file.text();
    },
  };
  // Each poll waits for a permit the test gives (no clock involved); permits given early keep.
  let permits = 0;
  let waiting: (() => void) | null = null;
  const wait = () =>
    new Promise<void>((resolve) => {
      if (permits > 0) {
        permits--;
        resolve();
      } else waiting = resolve;
    });
  const poll = () => {
    if (waiting) {
      const go = waiting;
      waiting = null;
      go();
    } else permits++;
  };
  const flow = (path: string) => scoreFileWithDialog(slipway, trans, path, { files: server, wait });
  return { flow, seen, files, heads, poll, slipway };
}

const posted = (seen: SeenRequest[]) => {
  const post = seen.find((s) => s.method === 'POST')!;
  const parts = JSON.parse(post.body!) as Record<string, string>;
  return { path: post.path, file: parts.file, options: JSON.parse(parts.options ?? '{}') };
};

describe('Score with…', () => {
  it('offers the CSV’s columns, sends the options chosen, and writes the output next to the file', async () => {
    const { flow, seen, files, poll } = setup({
      'data/customers.csv': 'id,X\n7,1.5\n8,oops\n',
      'data/customers.predictions.csv': 'an older run',
    });
    const done = flow('data/customers.csv');
    const dialog = await dialogTitled('Score customers.csv with…');
    const columns = dialog.querySelector('fieldset[aria-label="Pass-through columns"]')!;
    expect([...columns.querySelectorAll('label')].map((l) => l.textContent)).toEqual([' id', ' X']);
    columns.querySelector<HTMLInputElement>('input[value="id"]')!.click();
    const input = (label: string) =>
      dialog.querySelector<HTMLInputElement>(`[aria-label="${label}"]`)!;
    input('Chunk size (rows)').value = '100';
    input('Maximum error rate (%)').value = '5';
    expect(dialog.querySelector<HTMLSelectElement>('[aria-label="Output format"]')!.value).toBe(
      'csv',
    );
    press(dialog, 'Score');

    const progress = await dialogTitled('Scoring customers.csv with iris');
    await vi.waitFor(() => expect(seen.some((s) => s.method === 'POST')).toBe(true), UNTIL);
    expect(posted(seen)).toEqual({
      path: '/api/deployments/iris/jobs',
      file: 'file:customers.csv:18',
      options: {
        format: 'csv',
        output: { format: 'csv' },
        passThrough: ['id'],
        chunkSize: 100,
        maxErrorRate: 0.05,
      },
    });
    const body = progress.querySelector<HTMLElement>('.jp-SlipwayScoreProgress')!;
    const status = () => body.querySelector('[role="status"]')!.textContent;
    // Each poll is let go by the test: the bar follows the job, step by step.
    await vi.waitFor(() => expect(status()).toMatch(/^Queued/), UNTIL);
    poll();
    poll();
    await vi.waitFor(
      () => expect(status()).toBe('500 of 1000 rows · 250 rows/s · about 2 s left · no errors'),
      UNTIL,
    );
    expect(body.querySelector('progress')!.value).toBe(0.5);
    poll();
    const run = await done;
    expect(run?.stage).toBe('done');
    expect(body.classList).toContain('jp-mod-done');
    expect(files['data/customers.predictions-2.csv']).toBe('id,prediction\n7,setosa\n');
    expect(files['data/customers.predictions-2.errors.jsonl']).toContain('not a number');
    expect(files['data/customers.predictions.csv']).toBe('an older run');
    expect([...body.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      'data/customers.predictions-2.csv',
      'data/customers.predictions-2.errors.jsonl',
    ]);
    const note = Notification.manager.notifications.find((n) => n.type === 'success');
    expect(note?.message).toBe(
      'Scored 1000 rows of customers.csv with iris: data/customers.predictions-2.csv',
    );
  });

  it('keeps Score disabled while a field is wrong, saying why beside it', async () => {
    const { flow } = setup({ 'a.jsonl': '{"id": 1, "X": [1, 2]}\n' });
    const done = flow('a.jsonl');
    const dialog = await dialogTitled('Score a.jsonl with…');
    const chunk = dialog.querySelector<HTMLInputElement>('[aria-label="Chunk size (rows)"]')!;
    chunk.value = '0';
    chunk.dispatchEvent(new Event('input', { bubbles: true }));
    const score = [...dialog.querySelectorAll<HTMLButtonElement>('.jp-Dialog-footer button')].find(
      (b) => b.textContent === 'Score',
    )!;
    expect(score.disabled).toBe(true);
    expect(dialog.querySelector('[role="alert"]')?.textContent).toMatch(/whole number of rows/);
    // JSON lines: the first record's keys, and JSON lines out by default.
    expect(dialog.querySelector<HTMLSelectElement>('[aria-label="Output format"]')!.value).toBe(
      'jsonl',
    );
    expect(dialog.querySelectorAll('fieldset input[type="checkbox"]')).toHaveLength(2);
    chunk.value = '50';
    chunk.dispatchEvent(new Event('input', { bubbles: true }));
    expect(score.disabled).toBe(false);
    press(dialog, 'Cancel');
    expect(await done).toBeNull();
  });

  it('Enter on a wrong field sends nothing and says why', async () => {
    const { flow, seen } = setup({ 'a.csv': 'id\n1\n' });
    const done = flow('a.csv');
    const dialog = await dialogTitled('Score a.csv with…');
    dialog.querySelector<HTMLInputElement>('[aria-label="Maximum error rate (%)"]')!.value = '120';
    dialog.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Enter', keyCode: 13, bubbles: true }),
    );
    const error = await vi.waitFor(() => {
      const found = [...document.querySelectorAll<HTMLElement>('.jp-Dialog')].find((d) =>
        /percentage from 0 to 100/.test(d.querySelector('.jp-Dialog-body')?.textContent ?? ''),
      );
      expect(found).toBeDefined();
      return found!;
    }, UNTIL);
    error.querySelector<HTMLButtonElement>('.jp-Dialog-footer button')!.click();
    expect(await done).toBeNull();
    expect(seen.filter((s) => s.method === 'POST')).toEqual([]);
  });

  it('Parquet: the columns are typed, the file’s head is not read', async () => {
    const { flow, heads, seen } = setup(
      { 'e.parquet': 'PAR1' },
      { polls: [succeededJob(0, { output: { format: 'jsonl', url: '', errorsUrl: '' } })] },
    );
    const done = flow('e.parquet');
    const dialog = await dialogTitled('Score e.parquet with…');
    expect(heads).toEqual([]);
    dialog.querySelector<HTMLInputElement>('input[aria-label="Pass-through columns"]')!.value =
      'id, region';
    press(dialog, 'Score');
    expect((await done)?.stage).toBe('done');
    expect(posted(seen).options).toEqual({
      format: 'parquet',
      output: { format: 'jsonl' },
      passThrough: ['id', 'region'],
    });
  });

  it('Cancel job asks the gateway to cancel; nothing is written', async () => {
    const { flow, seen, files, poll } = setup({ 'c.csv': 'id\n1\n' }, { polls: [job(), job()] });
    const done = flow('c.csv');
    press(await dialogTitled('Score c.csv with…'), 'Score');
    const progress = await dialogTitled('Scoring c.csv with iris');
    const cancel = await vi.waitFor(() => {
      const b = [...progress.querySelectorAll('button')].find(
        (x) => x.textContent === 'Cancel job',
      );
      expect(b?.hidden).toBe(false);
      return b!;
    }, UNTIL);
    cancel.click();
    await vi.waitFor(() => expect(seen.some((s) => s.method === 'DELETE')).toBe(true), UNTIL);
    poll();
    expect((await done)?.stage).toBe('cancelled');
    expect(Object.keys(files)).toEqual(['c.csv']);
    expect(progress.querySelector('[role="status"]')!.textContent).toBe(
      'Cancelled after 500 of 1000 rows.',
    );
  });
});
