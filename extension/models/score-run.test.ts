import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';
import { GatewayClient } from '../client/gateway-client.js';
import type { SeenRequest } from '../testing/monitoring.js';
import { job, jobsFetch, succeededJob, type JobsState } from '../testing/jobs.js';
import { ScoreRun, type ScoreRunDeps } from './score-run.js';

const trans = nullTranslator.load('slipway');

/** A run of `customers.csv` against the fake gateway; polls wait for nothing. */
function setup(over: Partial<JobsState> = {}, deps: Partial<ScoreRunDeps> = {}) {
  const seen: SeenRequest[] = [];
  const state: JobsState = {
    jobs: [],
    streams: [],
    polls: [
      job({ state: 'queued', rows: { done: 0, total: null, errors: 0 } }),
      job(),
      succeededJob(),
    ],
    output: 'id,prediction\n1,setosa\n',
    errors: '{"row":2,"error":"not a number"}\n',
    ...over,
  };
  const client = new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    { trans, fetch: jobsFetch(state, seen) },
  );
  const saved = new Map<string, string>();
  const files = new Set(['customers.csv', 'customers.predictions.csv']);
  const run = new ScoreRun(
    { deployment: 'iris', inputPath: 'data/customers.csv', options: { format: 'csv' } },
    {
      jobs: client.jobs,
      read: async () => new Blob(['id,X\n1,2\n']),
      taken: async () => files,
      save: async (path, file) => {
        saved.set(path, await file.text());
      },
      wait: async () => undefined,
      ...deps,
    },
  );
  const stages: string[] = [];
  run.changed.connect(() => {
    if (stages[stages.length - 1] !== run.stage) stages.push(run.stage);
  });
  const polled = () =>
    seen.filter((s) => s.method === 'GET' && s.path === '/api/jobs/job-1').length;
  return { run, seen, saved, stages, state, polled };
}

describe('a Score with… run', () => {
  it('uploads, follows the job to its end, and saves the output next to the input, not over a file', async () => {
    const { run, saved, stages, seen, polled } = setup();
    expect(await run.run()).toBe('done');
    expect(stages).toEqual(['uploading', 'scoring', 'saving', 'done']);
    expect(polled()).toBe(3);
    expect(run.job?.state).toBe('succeeded');
    expect(run.uploaded).toBe(1);
    expect([...saved]).toEqual([['data/customers.predictions-2.csv', 'id,prediction\n1,setosa\n']]);
    expect(run.saved).toEqual({ output: 'data/customers.predictions-2.csv', errors: null });
    expect(seen.filter((s) => s.path.endsWith('/errors'))).toEqual([]);
    const upload = JSON.parse(seen[0]!.body!) as Record<string, string>;
    expect(upload).toEqual({ file: 'file:customers.csv:9', options: '{"format":"csv"}' });
  });

  it('saves the errors file too when rows failed, named after the output', async () => {
    const { run, saved } = setup({
      polls: [succeededJob(1, { output: { format: 'jsonl', url: '', errorsUrl: '' } })],
    });
    expect(await run.run()).toBe('done');
    expect([...saved.keys()]).toEqual([
      'data/customers.predictions.jsonl',
      'data/customers.predictions.errors.jsonl',
    ]);
    expect(saved.get('data/customers.predictions.errors.jsonl')).toContain('"row":2');
  });

  it('a failed job: its reason, and its errors file; no output', async () => {
    const failed = job({
      state: 'failed',
      rows: { done: 40, total: 1000, errors: 20 },
      error: { code: 'error_rate', message: '20 of 40 rows failed' },
    });
    const { run, saved } = setup({ polls: [job(), failed] });
    expect(await run.run()).toBe('failed');
    expect(run.error).toBe('20 of 40 rows failed');
    expect([...saved.keys()]).toEqual(['data/customers.predictions-2.errors.jsonl']);
  });

  it('Cancel while it runs sends DELETE, and the run ends cancelled with nothing saved', async () => {
    let cancelNow: () => Promise<void> = async () => undefined;
    const { run, saved, seen } = setup({ polls: [job(), job()] }, { wait: () => cancelNow() });
    cancelNow = async () => {
      cancelNow = async () => undefined;
      await run.cancel();
    };
    expect(await run.run()).toBe('cancelled');
    expect(seen.filter((s) => s.method === 'DELETE').map((s) => s.path)).toEqual([
      '/api/jobs/job-1',
    ]);
    expect(saved.size).toBe(0);
  });

  it('Cancel pressed during the upload cancels the job as soon as the gateway has it', async () => {
    let release: () => void = () => undefined;
    const reading = new Promise<Blob>((resolve) => {
      release = () => resolve(new Blob(['id\n1\n']));
    });
    const { run, seen } = setup({ polls: [job(), job()] }, { read: () => reading });
    const done = run.run();
    await run.cancel();
    expect(run.cancelling).toBe(true);
    release();
    expect(await done).toBe('cancelled');
    expect(seen.map((s) => s.method)).toEqual(['POST', 'DELETE', 'GET']);
  });

  it('a refused upload is the gateway’s message, and nothing is polled', async () => {
    const asked: string[] = [];
    const refusing = new GatewayClient(
      { baseUrl: 'http://gw.test', token: 't' },
      {
        trans,
        fetch: async (input, init) => {
          asked.push(`${init?.method} ${new URL(String(input)).pathname}`);
          const error = { code: 'invalid_input', message: 'column X is missing', field: 'X' };
          return new Response(JSON.stringify({ error }), { status: 400 });
        },
      },
    );
    const { run } = setup({}, { jobs: refusing.jobs });
    expect(await run.run()).toBe('failed');
    expect(run.error).toBe('column X is missing (field "X")');
    expect(run.job).toBeNull();
    expect(asked).toEqual(['POST /api/deployments/iris/jobs']);
  });

  it('waits through a gateway restart, then gives up after maxMisses polls in a row', async () => {
    let down = 0;
    const fetchDown: typeof fetch = async () => {
      down++;
      throw new TypeError('fetch failed');
    };
    const client = new GatewayClient(
      { baseUrl: 'http://gw.test', token: 't' },
      { trans, fetch: fetchDown },
    );
    const { run } = setup(
      {},
      {
        jobs: {
          submit: async () => job(),
          job: (id: string) => client.jobs.job(id),
          cancel: client.jobs.cancel.bind(client.jobs),
          output: client.jobs.output.bind(client.jobs),
          errors: client.jobs.errors.bind(client.jobs),
        },
        maxMisses: 3,
      },
    );
    expect(await run.run()).toBe('failed');
    expect(down).toBe(4);
    expect(run.error).toMatch(/not reachable at http:\/\/gw\.test/);
  });
});
