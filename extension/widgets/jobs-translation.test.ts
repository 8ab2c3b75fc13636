// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { describe, expect, it } from 'vitest';
import { GatewayClient } from '../client/gateway-client.js';
import { JobsModel } from '../models/jobs-model.js';
import { ScoreRun } from '../models/score-run.js';
import { irisDeployment } from '../testing/deployments.js';
import { job, jobsFetch, stream, succeededJob, type JobsState } from '../testing/jobs.js';
import { markingTranslator, untranslatedIn } from '../testing/marking-translator.js';
import { JobsTab } from './JobsTab.js';
import { ScoreForm } from './ScoreForm.js';
import { ScoreProgress } from './ScoreProgress.js';

const trans = markingTranslator().load('slipway');

/** Names, paths and figures from the gateway or the file: data, not words to translate. */
const DATA = [
  'data/customers.csv',
  'customers.csv',
  'data/customers.predictions.csv',
  'data/customers.predictions.errors.jsonl',
  // Dates are the browser's own locale format.
  new Date('2026-11-22T10:00:01.000Z').toLocaleString(),
  'iris',
  'onnx',
  'customer_id',
  'region',
  'customers',
  'scores',
  'scores-dlq',
  'stream-1',
  'job-1',
  'job-2',
  'broker down',
  '20 of 40 rows failed',
];

function client(state: Partial<JobsState> = {}) {
  return new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    {
      trans,
      fetch: jobsFetch({
        jobs: [],
        streams: [],
        polls: [job()],
        output: 'x\n',
        errors: '{}\n',
        ...state,
      }),
    },
  );
}

describe('batch scoring speaks through the bundle it is given', () => {
  it('the Score with… form, with columns offered or typed', () => {
    for (const columns of [['customer_id', 'region'], null]) {
      const form = new ScoreForm({
        path: 'data/customers.csv',
        format: 'csv',
        deployments: [irisDeployment()],
        columns,
        trans,
      });
      expect(untranslatedIn(form.node, DATA)).toEqual([]);
      form.dispose();
    }
  });

  it('the progress of a run, at each stage it reaches', async () => {
    const polls = [job(), succeededJob(2)];
    const run = new ScoreRun(
      { deployment: 'iris', inputPath: 'data/customers.csv', options: {} },
      {
        jobs: client({ polls }).jobs,
        read: async () => new Blob(['id\n1\n']),
        taken: async () => new Set(),
        save: async () => undefined,
        wait: async () => undefined,
      },
    );
    const progress = new ScoreProgress(run, trans);
    const seen: string[][] = [];
    run.changed.connect(() => seen.push(untranslatedIn(progress.node, DATA)));
    seen.push(untranslatedIn(progress.node, DATA));
    await run.run();
    expect(run.stage).toBe('done');
    expect(seen.flat()).toEqual([]);
    progress.dispose();
  });

  it('the Jobs tab, with jobs, streams, and a failure of each', async () => {
    const tab = new JobsTab({
      model: new JobsModel(
        'iris',
        client({
          jobs: [
            job(),
            succeededJob(1, { id: 'job-2' }),
            job({
              state: 'failed',
              error: { code: 'error_rate', message: '20 of 40 rows failed' },
            }),
          ],
          streams: [stream(), stream({ state: 'failed', stateReason: 'broker down' })],
        }),
      ),
      trans,
    });
    await tab.refresh();
    expect(tab.node.querySelectorAll('tbody tr')).toHaveLength(5);
    expect(untranslatedIn(tab.node, DATA)).toEqual([]);
    tab.dispose();
  });
});
