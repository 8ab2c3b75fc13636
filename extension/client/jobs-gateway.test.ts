import { nullTranslator } from '@jupyterlab/translation';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  startTestGateway,
  type TestGateway,
} from '../../gateway/test/support/test-gateway.js';
import { ScoreRun } from '../models/score-run.js';
import { GatewayRequestError } from './errors.js';
import { GatewayClient } from './gateway-client.js';

const trans = nullTranslator.load('slipway');

/** Score with…'s client and run against the real gateway app (app.request, no network). */
describe('batch jobs against the real gateway app', () => {
  let gw: TestGateway;
  let c: GatewayClient;
  const viaApp: typeof fetch = (input, init) =>
    Promise.resolve(gw.app.request(String(input), init));
  const iris = new URL('../../gateway/test/fixtures/onnx/classifier_zipmap.onnx', import.meta.url);

  beforeAll(async () => {
    gw = await startTestGateway({ version: '0.1.0' });
    c = new GatewayClient(
      { baseUrl: 'http://gw.test', token: ADMIN_TOKEN },
      { fetch: viaApp, trans },
    );
    await c.publish({
      name: 'iris',
      file: new Blob([await readFile(iris)]),
      filename: 'iris.onnx',
    });
  });
  afterAll(() => gw.stop());

  it('uploads a CSV, follows the job, and saves its output and errors next to the input', async () => {
    const csv = 'id,X\na,"[5.1,3.5,1.4,0.2]"\nb,"[6.7,3.0,5.2,2.3]"\nc,"[1,2]"\n';
    const saved = new Map<string, string>();
    const run = new ScoreRun(
      {
        deployment: 'iris',
        inputPath: 'work/flowers.csv',
        options: { format: 'csv', passThrough: ['id'], maxErrorRate: 0.5 },
      },
      {
        jobs: c.jobs,
        read: async () => new Blob([csv]),
        taken: async () => new Set(['flowers.csv']),
        save: async (path, file) => void saved.set(path, await file.text()),
        // Polls in quick succession: the outcome does not depend on how often.
        wait: () => new Promise((resolve) => setTimeout(resolve, 20)),
      },
    );
    expect(await run.run(), run.error ?? '').toBe('done');
    expect(run.job).toMatchObject({ state: 'succeeded', rows: { done: 3, errors: 1 } });
    const [header, ...rows] = saved.get('work/flowers.predictions.csv')!.trim().split('\n');
    expect(header!.split(',')[0]).toBe('id');
    expect(header!.split(',')).toContain('output_label');
    expect(rows.map((r) => r.split(',')[0])).toEqual(['a', 'b']);
    const refused = JSON.parse(saved.get('work/flowers.predictions.errors.jsonl')!.trim());
    expect(refused).toMatchObject({ row: 3 });

    // The monitor lists it, newest first.
    const jobs = await c.jobs.jobs('iris');
    expect(jobs[0]).toMatchObject({ id: run.job!.id, state: 'succeeded' });
  });

  it('a pass-through column the file lacks: the gateway’s 400, naming it', async () => {
    const run = new ScoreRun(
      { deployment: 'iris', inputPath: 'flowers.csv', options: { passThrough: ['nope'] } },
      {
        jobs: c.jobs,
        read: async () => new Blob(['X\n"[5.1,3.5,1.4,0.2]"\n']),
        taken: async () => new Set(),
        save: async () => undefined,
        wait: () => new Promise((resolve) => setTimeout(resolve, 20)),
      },
    );
    const stage = await run.run();
    // Refused at once, or failed once the job read the header: either way it says which column.
    expect(stage).toBe('failed');
    expect(run.error).toMatch(/nope/);
  });

  it('lists, pauses and resumes a stream binding (to a broker that does not answer)', async () => {
    expect(await c.jobs.streams('iris')).toEqual([]);
    // Port 1: nothing listens; the binding exists and retries, which is all the monitor needs.
    const created = await c.request<{ id: string }>('POST', '/api/deployments/iris/streams', {
      json: { brokers: ['127.0.0.1:1'], inputTopic: 'flowers', outputTopic: 'scores' },
    });
    try {
      const [listed] = await c.jobs.streams('iris');
      expect(listed).toMatchObject({
        id: created.id,
        inputTopic: 'flowers',
        outputTopic: 'scores',
      });
      // The answers are the binding. Its state is not asserted: a consumer still connecting
      // answers `connecting` after a pause (the gateway shows `paused` only once connected).
      const paused = await c.jobs.pauseStream(created.id);
      expect(paused.id).toBe(created.id);
      expect((await c.jobs.resumeStream(created.id)).id).toBe(created.id);
    } finally {
      await c.request('DELETE', `/api/streams/${created.id}`);
    }
  });

  it('a job that does not exist is the gateway’s 404', async () => {
    const missing = c.jobs.job('00000000-0000-4000-8000-000000000000');
    await expect(missing).rejects.toBeInstanceOf(GatewayRequestError);
    await expect(missing).rejects.toMatchObject({ status: 404 });
  });
});
