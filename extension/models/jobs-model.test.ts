import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';
import { GatewayClient } from '../client/gateway-client.js';
import type { SeenRequest } from '../testing/monitoring.js';
import { job, jobsFetch, stream, succeededJob, type JobsState } from '../testing/jobs.js';
import {
  formatFigure,
  jobActions,
  jobDownloadName,
  JobsModel,
  streamAction,
  streamStateLabel,
} from './jobs-model.js';

const trans = nullTranslator.load('slipway');

function setup(over: Partial<JobsState> = {}) {
  const seen: SeenRequest[] = [];
  const state: JobsState = {
    jobs: [job(), succeededJob(2)],
    streams: [stream()],
    polls: [job()],
    output: 'id,prediction\n',
    errors: '{"row":1}\n',
    ...over,
  };
  const client = new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    { trans, fetch: jobsFetch(state, seen) },
  );
  const acted = () => seen.filter((s) => s.method !== 'GET').map((s) => `${s.method} ${s.path}`);
  return { model: new JobsModel('iris', client), seen, state, acted };
}

describe('the jobs and streams of a deployment', () => {
  it('fetches both lists for the deployment', async () => {
    const { model, seen } = setup();
    await model.refresh();
    expect(model.error).toBeNull();
    expect(model.value?.jobs?.map((j) => j.state)).toEqual(['running', 'succeeded']);
    expect(model.value?.streams?.map((s) => s.id)).toEqual(['stream-1']);
    expect(seen.map((s) => `${s.path}?${new URLSearchParams(s.query)}`).sort()).toEqual([
      '/api/deployments/iris/streams?',
      '/api/jobs?deployment=iris',
    ]);
  });

  it('a gateway without stream routes: streams unknown, jobs still shown, no error', async () => {
    const { model } = setup({ streams: null });
    await model.refresh();
    expect(model.error).toBeNull();
    expect(model.value).toMatchObject({ streams: null, jobs: [{}, {}] });
  });

  it('any other failure is the error to show', async () => {
    const client = new GatewayClient(
      { baseUrl: 'http://gw.test', token: 't' },
      { trans, fetch: () => Promise.reject(new TypeError('fetch failed')) },
    );
    const model = new JobsModel('iris', client);
    await model.refresh();
    expect(model.error).toMatch(/not reachable at http:\/\/gw\.test/);
  });

  it('cancels a job, pauses and resumes a stream, each time fetching again', async () => {
    const { model, acted, state } = setup();
    await model.cancel('job-1');
    await model.pause('stream-1');
    expect(model.value?.streams?.[0]?.state).toBe('paused');
    await model.resume('stream-1');
    expect(state.streams?.[0]?.state).toBe('running');
    expect(acted()).toEqual([
      'DELETE /api/jobs/job-1',
      'POST /api/streams/stream-1/pause',
      'POST /api/streams/stream-1/resume',
    ]);
  });

  it('downloads a job’s files through the client, named after its input', async () => {
    const { model, seen } = setup();
    const out = await model.download(succeededJob(2), 'output');
    expect(out.filename).toBe('customers.predictions.csv');
    expect(await out.file.text()).toBe('id,prediction\n');
    const errors = await model.download(succeededJob(2), 'errors');
    expect(errors.filename).toBe('customers.predictions.errors.jsonl');
    expect(seen.every((s) => s.headers.authorization === 'Bearer t')).toBe(true);
  });
});

describe('what a job and a stream offer', () => {
  it('a job: its output once succeeded, its errors when rows failed, Cancel until it ends', () => {
    expect(jobActions(job({ state: 'queued' }))).toEqual(['cancel']);
    expect(jobActions(job({ rows: { done: 5, total: 10, errors: 1 } }))).toEqual([
      'errors',
      'cancel',
    ]);
    expect(jobActions(succeededJob(0))).toEqual(['output']);
    expect(jobActions(succeededJob(3))).toEqual(['output', 'errors']);
    expect(jobActions(job({ state: 'failed', rows: { done: 5, total: 10, errors: 5 } }))).toEqual([
      'errors',
    ]);
    expect(jobActions(job({ state: 'cancelled' }))).toEqual([]);
  });

  it('a stream: Pause while it consumes or tries to, Resume once paused or failed', () => {
    expect(streamAction('running')).toBe('pause');
    expect(streamAction('connecting')).toBe('pause');
    expect(streamAction('retrying')).toBe('pause');
    expect(streamAction('paused')).toBe('resume');
    expect(streamAction('failed')).toBe('resume');
    expect(streamStateLabel('retrying', trans)).toBe('retrying');
  });

  it('names a download after the input, and formats figures that may be unknown', () => {
    const parquet = job({
      input: { kind: 'upload', name: 'events.parquet', format: 'parquet' },
      output: { format: 'jsonl', url: '', errorsUrl: '' },
    });
    expect(jobDownloadName(parquet, 'output')).toBe('events.predictions.jsonl');
    expect(formatFigure(null, trans)).toBe('–');
    expect(formatFigure(12, trans)).toBe('12');
    expect(formatFigure(12.46, trans)).toBe('12.5');
  });
});
