import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/alerts/webhook-sender.js';
import { waitFor } from '../../src/workers/testing/processes.js';
import { freePort } from '../support/gateway-process.js';
import { publishForm, startTestGateway, type TestGateway } from '../support/test-gateway.js';
import {
  publishChurn,
  csvOf,
  customers,
  CUSTOMER_COLUMNS,
  ended,
  uploadJob,
} from './batch-support.js';

let gw: TestGateway;
let root: string;
let hooks: Server;
let hookUrl: string;
const delivered: { event: string; body: string; signature: string }[] = [];
const SECRET = 'a-webhook-secret-0123456789';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-schedules-'));
  await mkdir(join(root, 'in', 'incoming'), { recursive: true });
  hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      delivered.push({
        event: String(req.headers['x-slipway-event']),
        body,
        signature: String(req.headers['x-slipway-signature']),
      });
      res.writeHead(204).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => hooks.listen(port, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${port}/hook`;
  gw = await startTestGateway({
    config: { batch: { inputRoot: join(root, 'in'), outputRoot: join(root, 'out') } },
  });
  await publishChurn(gw);
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await new Promise((resolve) => hooks?.close(resolve));
  await rm(root, { recursive: true, force: true });
});

describe('scheduled batch jobs', () => {
  it('score the newest matching file when the cron expression comes due, copy the output to the output folder, and call the webhook', async () => {
    const older = join(root, 'in', 'incoming', 'customers-2026-11-28.csv');
    const newer = join(root, 'in', 'incoming', 'customers-2026-11-29.csv');
    await writeFile(older, csvOf(customers(5), CUSTOMER_COLUMNS));
    await writeFile(newer, csvOf(customers(8, 100), CUSTOMER_COLUMNS));
    await utimes(older, new Date('2026-11-28T02:00:00Z'), new Date('2026-11-28T02:00:00Z'));
    await utimes(newer, new Date('2026-11-29T02:00:00Z'), new Date('2026-11-29T02:00:00Z'));

    const created = await gw.send('POST', '/api/deployments/churn/schedules', {
      schedule: { cron: '0 2 * * *', timeZone: 'Europe/Paris' },
      input: { pattern: 'incoming/customers-*.csv' },
      outputDir: 'scored',
      options: { passThrough: ['id'], webhookUrl: hookUrl, webhookSecret: SECRET },
    });
    expect(created.status).toBe(201);
    const schedule = await created.json();
    // 02:00 in Paris is 01:00 UTC in winter.
    expect(schedule.nextAt).toMatch(/T01:00:00/);
    const { schedules } = await (await gw.admin('/api/deployments/churn/schedules')).json();
    expect(schedules.map((s: { id: string }) => s.id)).toEqual([schedule.id]);

    // Not due yet: nothing starts. Due: one job, however many firings were missed.
    expect(await gw.batch.tick(new Date(Date.parse(schedule.nextAt) - 1000))).toEqual([]);
    const started = await gw.batch.tick(new Date(Date.parse(schedule.nextAt) + 3 * 86_400_000));
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({
      scheduleId: schedule.id,
      input: { kind: 'path', name: 'incoming/customers-2026-11-29.csv' },
    });
    expect(await gw.batch.tick(new Date(Date.parse(schedule.nextAt) + 3 * 86_400_000))).toEqual([]);

    const job = await ended(gw, started[0]!.id);
    expect(job).toMatchObject({ state: 'succeeded', rows: { done: 8 } });
    // The copy is in the output folder by the time the job says it succeeded, whole, and only it.
    const copied = await readFile(
      join(root, 'out', 'scored', 'customers-2026-11-29.predictions.csv'),
      'utf8',
    );
    expect(copied.split('\n')[1]).toMatch(/^c100,/);
    expect(copied).toBe(await (await gw.admin(`/api/jobs/${job.id}/output`)).text());
    expect(await readdir(join(root, 'out', 'scored'))).toEqual([
      'customers-2026-11-29.predictions.csv',
    ]);
    await waitFor('the webhook', () => delivered.some((d) => d.event === 'job.succeeded'));

    const hook = delivered.find((d) => d.event === 'job.succeeded')!;
    expect(verifySignature(hook.body, SECRET, hook.signature)).toBe(true);
    expect(JSON.parse(hook.body)).toMatchObject({ id: job.id, state: 'succeeded' });

    expect((await gw.admin(`/api/schedules/${schedule.id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await gw.admin(`/api/schedules/${schedule.id}`, { method: 'DELETE' })).status).toBe(
      404,
    );
  });

  it('refuses a schedule that cannot work, naming the field', async () => {
    const bad = async (body: object) => {
      const res = await gw.send('POST', '/api/deployments/churn/schedules', {
        schedule: { cron: '0 2 * * *', timeZone: 'UTC' },
        input: { pattern: 'incoming/*.csv' },
        outputDir: 'scored',
        ...body,
      });
      expect(res.status).toBe(400);
      return (await res.json()).error;
    };
    expect(await bad({ schedule: { cron: 'every night', timeZone: 'UTC' } })).toMatchObject({
      field: 'schedule.cron',
    });
    expect(await bad({ schedule: { cron: '0 2 * * *', timeZone: 'Mars/Olympus' } })).toMatchObject({
      field: 'schedule.timeZone',
    });
    expect(await bad({ input: { pattern: '../*.csv' } })).toMatchObject({
      field: 'input.pattern',
    });
    expect(await bad({ input: { pattern: 'in*/x.csv' } })).toMatchObject({
      field: 'input.pattern',
    });
    expect(await bad({ outputDir: '../elsewhere' })).toMatchObject({ field: 'outputDir' });
  });
});

describe('a batch job over a notebook', () => {
  it('runs the notebook once per row, several at once, and a failing row goes to the errors file', async () => {
    const published = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name: 'nb', config: JSON.stringify({ concurrency: 3, maxReplicas: 1 }) },
        {
          bytes: JSON.stringify({
            toyNotebook: { parameters: { x: 1, label: 'hi', seconds: 0, fail: false } },
          }),
          filename: 'nb.toynb.json',
        },
      ),
    });
    expect(published.status).toBe(201);
    const rows = Array.from({ length: 6 }, (_, i) => ({
      row: `r${i + 1}`,
      x: i + 1,
      seconds: 1,
      fail: i === 4,
    }));
    const res = await uploadJob(
      gw,
      'nb',
      { text: csvOf(rows, ['row', 'x', 'seconds', 'fail']), filename: 'params.csv' },
      { passThrough: ['row'], maxErrorRate: 0.5 },
    );
    expect(res.status).toBe(202);
    const job = await ended(gw, (await res.json()).id);
    expect(job).toMatchObject({ state: 'succeeded', rows: { done: 6, errors: 1 } });
    const output = (await (await gw.admin(`/api/jobs/${job.id}/output`)).text()).trim().split('\n');
    expect(output[0]).toBe('row,outputs,prediction_id');
    expect(output.slice(1).map((l) => l.split(',')[0])).toEqual(['r1', 'r2', 'r3', 'r4', 'r6']);
    const errors = (await (await gw.admin(`/api/jobs/${job.id}/errors`)).text()).trim();
    expect(JSON.parse(errors)).toMatchObject({ row: 5 });

    // Each row is a run of its own (its id is the prediction id), and runs overlapped: at
    // most the deployment's concurrency at once, and more than one.
    const runs = await Promise.all(
      output.slice(1).map(async (line) => {
        const id = line.slice(line.lastIndexOf(',') + 1);
        const run = await gw.admin(`/api/deployments/nb/runs/${id}`);
        expect(run.status).toBe(200);
        return (await run.json()) as { status: string; createdAt: string; finishedAt: string };
      }),
    );
    expect(runs.map((r) => r.status)).toEqual(Array(5).fill('succeeded'));
    const spans = runs.map((r) => [Date.parse(r.createdAt), Date.parse(r.finishedAt)]);
    const overlapping = (t: number) => spans.filter(([a, b]) => a! <= t && t < b!).length;
    const most = Math.max(...spans.map(([a]) => overlapping(a!)));
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(3);
  });
});
