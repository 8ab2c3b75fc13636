// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { Dialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayClient } from '../client/gateway-client.js';
import { JobsModel } from '../models/jobs-model.js';
import { job, jobsFetch, stream, succeededJob, type JobsState } from '../testing/jobs.js';
import type { SeenRequest } from '../testing/monitoring.js';
import { UNTIL } from '../testing/until.js';
import { JobsTab } from './JobsTab.js';

const trans = nullTranslator.load('slipway');

afterEach(() => {
  Dialog.flush();
  document.body.replaceChildren();
});

function setup(over: Partial<JobsState> = {}) {
  const seen: SeenRequest[] = [];
  const state: JobsState = {
    jobs: [
      job(),
      succeededJob(2),
      job({
        id: 'job-0',
        state: 'failed',
        input: { kind: 'upload', name: 'bad.csv', format: 'csv' },
        rows: { done: 10, total: null, errors: 10 },
        error: { code: 'error_rate', message: '10 of 10 rows failed (max 1%)' },
        finishedAt: '2026-11-22T10:00:04.000Z',
      }),
    ],
    streams: [
      stream(),
      stream({
        id: 'stream-2',
        inputTopic: 'orders',
        deadLetterTopic: null,
        state: 'retrying',
        stateReason: 'broker 127.0.0.1:9092 not reachable: retrying in 8 s',
        lag: null,
        messagesPerSecond: null,
      }),
    ],
    polls: [job()],
    output: 'id,prediction\n',
    errors: '{"row":1}\n',
    ...over,
  };
  const client = new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    { trans, fetch: jobsFetch(state, seen) },
  );
  const downloads: [string, string][] = [];
  const tab = new JobsTab({
    model: new JobsModel('iris', client),
    trans,
    download: (file, name) => void file.text().then((text) => downloads.push([name, text])),
    now: () => new Date('2026-11-22T10:00:11.000Z'),
  });
  document.body.append(tab.node);
  const acted = () => seen.filter((s) => s.method !== 'GET').map((s) => `${s.method} ${s.path}`);
  return { tab, acted, downloads, state };
}

const rows = (tab: JobsTab, table: string) => [
  ...tab.node.querySelectorAll<HTMLTableRowElement>(`table[aria-label="${table}"] tbody tr`),
];
const cells = (row: Element) => [...row.children].map((c) => c.textContent);
const button = (root: Element, aria: string) =>
  root.querySelector<HTMLButtonElement>(`button[aria-label="${aria}"]`);

describe('the Jobs tab', () => {
  it('lists each job: state, rows, errors, start, duration, and its actions', async () => {
    const { tab } = setup();
    expect(tab.title.label).toBe('Jobs');
    await tab.refresh();
    const [running, done, failed] = rows(tab, 'Batch jobs');
    expect(cells(running!).slice(1, 6)).toEqual([
      'customers.csv',
      'running',
      '500 of 1000 rows',
      'no errors',
      '10 s',
    ]);
    expect(cells(done!).slice(2, 6)).toEqual(['succeeded', '1000 of 1000 rows', '2 errors', '3 s']);
    expect(cells(failed!)[2]).toBe('failed10 of 10 rows failed (max 1%)');
    const actions = (row: Element) =>
      [...row.querySelectorAll('button')].map((b) => b.getAttribute('aria-label'));
    expect(actions(running!)).toEqual(['Cancel the job on customers.csv']);
    expect(actions(done!)).toEqual([
      'Download the output of customers.csv',
      'Download the errors of customers.csv',
    ]);
    expect(actions(failed!)).toEqual(['Download the errors of bad.csv']);
    tab.dispose();
  });

  it('downloads through the gateway client, and cancels a running job', async () => {
    const { tab, acted, downloads } = setup();
    await tab.refresh();
    const [running, done] = rows(tab, 'Batch jobs');
    button(done!, 'Download the output of customers.csv')!.click();
    await vi.waitFor(() => expect(downloads).toHaveLength(1), UNTIL);
    expect(downloads[0]).toEqual(['customers.predictions.csv', 'id,prediction\n']);
    button(running!, 'Cancel the job on customers.csv')!.click();
    await vi.waitFor(() => expect(acted()).toEqual(['DELETE /api/jobs/job-1']), UNTIL);
    tab.dispose();
  });

  it('lists stream bindings with their topics, state and why, figures, and Pause / Resume', async () => {
    const { tab, acted } = setup();
    await tab.refresh();
    const [consuming, retrying] = rows(tab, 'Streams');
    expect(cells(consuming!).slice(0, 7)).toEqual([
      'customers → scores (dead letters: scores-dlq)',
      'running',
      '3',
      '12.5',
      '120',
      '118',
      '2',
    ]);
    expect(cells(retrying!).slice(0, 4)).toEqual([
      'orders → scores',
      'retryingbroker 127.0.0.1:9092 not reachable: retrying in 8 s',
      '–',
      '–',
    ]);
    button(consuming!, 'Pause the stream from customers')!.click();
    await vi.waitFor(
      () =>
        expect(button(rows(tab, 'Streams')[0]!, 'Resume the stream from customers')).not.toBeNull(),
      UNTIL,
    );
    button(rows(tab, 'Streams')[0]!, 'Resume the stream from customers')!.click();
    await vi.waitFor(
      () =>
        expect(acted()).toEqual([
          'POST /api/streams/stream-1/pause',
          'POST /api/streams/stream-1/resume',
        ]),
      UNTIL,
    );
    tab.dispose();
  });

  it('says so when there is nothing yet, and when the gateway has no streams', async () => {
    const { tab } = setup({ jobs: [], streams: null });
    await tab.refresh();
    const statuses = [...tab.node.querySelectorAll<HTMLElement>('.jp-SlipwayMonitor-status')]
      .filter((p) => !p.hidden)
      .map((p) => p.textContent);
    expect(statuses).toEqual([
      'No batch job yet.',
      'This gateway has no Kafka streams: update it (git pull && npm start).',
    ]);
    tab.dispose();
  });
});
