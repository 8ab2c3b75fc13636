import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';
import type { SeenRequest } from '../testing/monitoring.js';
import {
  formParts,
  job,
  jobsFetch,
  stream,
  succeededJob,
  type JobsState,
} from '../testing/jobs.js';
import { GatewayRequestError } from './errors.js';
import { GatewayClient } from './gateway-client.js';
import { jobForm } from './jobs-client.js';

const trans = nullTranslator.load('slipway');

function setup(over: Partial<JobsState> = {}) {
  const seen: SeenRequest[] = [];
  const state: JobsState = {
    jobs: [job(), succeededJob()],
    streams: [stream()],
    polls: [job({ state: 'queued' })],
    output: 'id,prediction\n1,setosa\n',
    errors: '{"row":2,"error":"not a number","field":"X"}\n',
    ...over,
  };
  const client = new GatewayClient(
    { baseUrl: 'http://gw.test/', token: 't' },
    { trans, fetch: jobsFetch(state, seen) },
  );
  const sent = () => seen.map((s) => `${s.method} ${s.path}${s.body ? ` ${s.body}` : ''}`);
  return { api: client.jobs, seen, sent, state };
}

describe('the jobs client', () => {
  it('uploads the input as part file, and the options as JSON text in part options', async () => {
    const { api, seen } = setup();
    const file = new Blob(['a,b\n1,2\n'], { type: 'text/csv' });
    const answer = await api.submit('iris', {
      file,
      filename: 'customers.csv',
      options: { format: 'csv', output: { format: 'jsonl' }, passThrough: ['id'], chunkSize: 50 },
    });
    expect(answer.state).toBe('queued');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.path).toBe('/api/deployments/iris/jobs');
    expect(seen[0]!.headers.authorization).toBe('Bearer t');
    const parts = JSON.parse(seen[0]!.body!) as Record<string, string>;
    expect(parts.file).toBe('file:customers.csv:8');
    expect(JSON.parse(parts.options!)).toEqual({
      format: 'csv',
      output: { format: 'jsonl' },
      passThrough: ['id'],
      chunkSize: 50,
    });
  });

  it('sends no options part when there are none', () => {
    const form = jobForm({ file: new Blob(['x']), filename: 'a.jsonl', options: {} });
    expect(formParts(form)).toEqual({ file: 'file:a.jsonl:1' });
  });

  it('lists, polls, cancels and downloads jobs on the contract’s routes', async () => {
    const { api, sent } = setup();
    expect((await api.jobs('iris')).map((j) => j.state)).toEqual(['running', 'succeeded']);
    expect((await api.job('job-1')).state).toBe('queued');
    expect((await api.cancel('job-1')).state).toBe('cancelled');
    expect(await (await api.output('job-1')).text()).toBe('id,prediction\n1,setosa\n');
    expect(await (await api.errors('job-1')).text()).toContain('"row":2');
    expect(sent()).toEqual([
      'GET /api/jobs',
      'GET /api/jobs/job-1',
      'DELETE /api/jobs/job-1',
      'GET /api/jobs/job-1/output',
      'GET /api/jobs/job-1/errors',
    ]);
  });

  it('asks for the deployment’s jobs by name, encoded', async () => {
    const { api, seen } = setup();
    await api.jobs('iris');
    expect(seen[0]!.query).toEqual({ deployment: 'iris' });
  });

  it('lists, pauses and resumes stream bindings', async () => {
    const { api, sent } = setup();
    expect((await api.streams('iris')).map((s) => s.inputTopic)).toEqual(['customers']);
    expect((await api.pauseStream('stream-1')).state).toBe('paused');
    expect((await api.resumeStream('stream-1')).state).toBe('running');
    expect(sent()).toEqual([
      'GET /api/deployments/iris/streams',
      'POST /api/streams/stream-1/pause',
      'POST /api/streams/stream-1/resume',
    ]);
  });

  it('a download the gateway refuses is its typed error, not a file', async () => {
    const { api } = setup({ polls: [] });
    const client = new GatewayClient(
      { baseUrl: 'http://gw.test', token: 't' },
      {
        trans,
        fetch: async () =>
          new Response(
            JSON.stringify({ error: { code: 'not_ready', message: 'job job-1 is running' } }),
            { status: 409 },
          ),
      },
    );
    await expect(client.jobs.output('job-1')).rejects.toMatchObject({
      name: 'GatewayRequestError',
      status: 409,
      code: 'not_ready',
      message: 'job job-1 is running',
    });
    await expect(api.job('nope')).rejects.toBeInstanceOf(GatewayRequestError);
  });
});
