import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/gateway-process.js';
import { startTestGateway, type TestGateway } from '../support/test-gateway.js';
import { csvOf, customers, ended, publishChurn, uploadJob } from './batch-support.js';

let gw: TestGateway;
let root: string;
let files: Server;
let filesUrl: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-inputs-'));
  await mkdir(join(root, 'incoming'));
  await writeFile(
    join(root, 'incoming', 'customers.csv'),
    csvOf(customers(30), ['id', 'age', 'income', 'city', 'plan']),
  );
  await writeFile(join(root, 'secret.csv'), 'id\n1\n');
  gw = await startTestGateway({
    config: { batch: { inputRoot: join(root, 'incoming'), outputRoot: join(root, 'out') } },
  });
  await publishChurn(gw);
  // A file server for URL inputs: /customers.csv answers, everything else is a 404.
  const csv = csvOf(customers(40), ['id', 'age', 'income', 'city', 'plan']);
  files = createServer((req, res) => {
    if (req.url === '/customers.csv') res.writeHead(200, { 'content-type': 'text/csv' }).end(csv);
    else res.writeHead(404).end();
  });
  const port = await freePort();
  await new Promise<void>((resolve) => files.listen(port, '127.0.0.1', resolve));
  filesUrl = `http://127.0.0.1:${port}`;
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await new Promise((resolve) => files?.close(resolve));
  await rm(root, { recursive: true, force: true });
});

const error = async (res: Response) => ({ status: res.status, ...(await res.json()).error });

describe('batch job inputs', () => {
  it('reads a path under the input root, and refuses one outside it (no traversal, no link out)', async () => {
    const ok = await gw.send('POST', '/api/deployments/churn/jobs', {
      input: { path: 'customers.csv' },
      passThrough: ['id'],
    });
    expect(ok.status).toBe(202);
    const job = await ended(gw, (await ok.json()).id);
    expect(job).toMatchObject({ state: 'succeeded', rows: { done: 30, errors: 0 } });

    for (const path of ['../secret.csv', '/etc/passwd', 'sub/../../secret.csv']) {
      const refused = await gw.send('POST', '/api/deployments/churn/jobs', { input: { path } });
      expect(await error(refused)).toMatchObject({
        status: 400,
        field: 'input.path',
        code: 'outside_root',
      });
    }
    await symlink(join(root, 'secret.csv'), join(root, 'incoming', 'link.csv'));
    const linked = await gw.send('POST', '/api/deployments/churn/jobs', {
      input: { path: 'link.csv' },
    });
    expect(await error(linked)).toMatchObject({ status: 400, code: 'outside_root' });
    const missing = await gw.send('POST', '/api/deployments/churn/jobs', {
      input: { path: 'nope.csv' },
    });
    expect(await error(missing)).toMatchObject({ status: 400, code: 'input_not_found' });
  });

  it('downloads a URL input; a URL that does not answer fails the job saying so', async () => {
    const ok = await gw.send('POST', '/api/deployments/churn/jobs', {
      input: { url: `${filesUrl}/customers.csv` },
      passThrough: ['id'],
    });
    expect(ok.status).toBe(202);
    expect(await ended(gw, (await ok.json()).id)).toMatchObject({
      state: 'succeeded',
      rows: { done: 40, total: 40 },
    });

    const gone = await gw.send('POST', '/api/deployments/churn/jobs', {
      input: { url: `${filesUrl}/missing.csv` },
    });
    const failed = await ended(gw, (await gone.json()).id);
    expect(failed.state).toBe('failed');
    expect(failed.error!.code).toBe('input_unreachable');
    expect(failed.error!.message).toContain('answered 404');

    const port = await freePort();
    const closed = await gw.send('POST', '/api/deployments/churn/jobs', {
      input: { url: `http://127.0.0.1:${port}/customers.csv` },
    });
    const refused = await ended(gw, (await closed.json()).id);
    expect(refused.error).toMatchObject({ code: 'input_unreachable' });
    expect(refused.error!.message).toMatch(/did not answer \(ECONNREFUSED\)/);

    const ftp = await gw.send('POST', '/api/deployments/churn/jobs', {
      input: { url: 'ftp://example.com/x.csv' },
    });
    expect(await error(ftp)).toMatchObject({ status: 400, field: 'input.url' });
  });

  it('refuses an empty file, a file without the columns the model needs, and a file that is not its format', async () => {
    const empty = await uploadJob(gw, 'churn', { text: '', filename: 'empty.csv' });
    expect(await error(empty)).toMatchObject({ status: 400, code: 'empty_table' });
    const header = await uploadJob(gw, 'churn', {
      text: 'age,income,city,plan\n',
      filename: 'h.csv',
    });
    expect(await error(header)).toMatchObject({ status: 400, code: 'empty_table' });

    const noPlan = await uploadJob(gw, 'churn', {
      text: 'age,income,city\n30,1000,lyon\n',
      filename: 'c.csv',
    });
    const e = await error(noPlan);
    expect(e).toMatchObject({ status: 400, code: 'missing_column', field: 'plan' });
    expect(e.message).toContain('"plan"');

    const noId = await uploadJob(
      gw,
      'churn',
      { text: 'age,income,city,plan\n30,1000,lyon,pro\n', filename: 'c.csv' },
      { passThrough: ['customer_id'] },
    );
    expect(await error(noId)).toMatchObject({ status: 400, field: 'customer_id' });

    const notParquet = await uploadJob(gw, 'churn', {
      text: 'age,income\n1,2\n',
      filename: 'x.parquet',
    });
    expect(await error(notParquet)).toMatchObject({ status: 400, code: 'invalid_parquet' });

    const declared = await uploadJob(
      gw,
      'churn',
      { text: 'age,income,city,plan\n30,1000,lyon,pro\n', filename: 'c.csv' },
      { format: 'jsonl' },
    );
    const notJsonl = await error(declared);
    expect(notJsonl.status).toBe(400);
    expect(notJsonl.message).toMatch(/JSON/);

    const png = await uploadJob(gw, 'churn', {
      text: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]),
      filename: 'picture.png',
    });
    expect((await error(png)).status).toBe(415);

    const badOptions = await uploadJob(
      gw,
      'churn',
      { text: 'age,income,city,plan\n30,1000,lyon,pro\n', filename: 'c.csv' },
      { chunkSize: 5000 },
    );
    expect(await error(badOptions)).toMatchObject({ status: 400, field: 'chunkSize' });
    const unknown = await uploadJob(
      gw,
      'churn',
      { text: 'age,income,city,plan\n30,1000,lyon,pro\n', filename: 'c.csv' },
      { colour: 'red' },
    );
    expect((await error(unknown)).status).toBe(400);
    const noDeployment = await uploadJob(gw, 'nope', { text: 'a\n1\n', filename: 'c.csv' });
    expect((await error(noDeployment)).status).toBe(404);
  });

  it('fails a job past its maximum error rate, naming the errors file', async () => {
    const rows: Record<string, unknown>[] = customers(100).map((r, i) =>
      i % 10 === 0 ? { ...r, age: 'unknown' } : r,
    );
    const res = await uploadJob(
      gw,
      'churn',
      { text: csvOf(rows, ['id', 'age', 'income', 'city', 'plan']), filename: 'c.csv' },
      { maxErrorRate: 0.05, chunkSize: 20 },
    );
    const job = await ended(gw, (await res.json()).id);
    expect(job.state).toBe('failed');
    expect(job.error!.code).toBe('too_many_errors');
    expect(job.error!.message).toMatch(/more than maxErrorRate \(5 %\)/);
    const output = await gw.admin(`/api/jobs/${job.id}/output`);
    expect(await error(output)).toMatchObject({ status: 409, code: 'job_not_done' });
    const errors = await (await gw.admin(`/api/jobs/${job.id}/errors`)).text();
    expect(errors.split('\n')[0]).toContain('"row":1');
  });

  it('reads JSONL and Parquet, and writes JSONL', async () => {
    const rows = customers(50);
    const jsonl = rows.map((r) => JSON.stringify(r)).join('\n');
    const fromJsonl = await uploadJob(
      gw,
      'churn',
      { text: jsonl, filename: 'c.jsonl' },
      { passThrough: ['id'] },
    );
    const a = await ended(gw, (await fromJsonl.json()).id);
    expect(a).toMatchObject({
      state: 'succeeded',
      output: { format: 'jsonl' },
      rows: { done: 50 },
    });
    const lines = (await (await gw.admin(`/api/jobs/${a.id}/output`)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(50);
    expect(Object.keys(lines[0])).toEqual([
      'id',
      'output_label',
      'output_probability.churn',
      'output_probability.stay',
      'prediction_id',
    ]);
    expect(typeof lines[0]['output_probability.churn']).toBe('number');

    const parquet = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: rows.map((r) => r.id), type: 'STRING' },
        { name: 'age', data: rows.map((r) => r.age), type: 'DOUBLE' },
        { name: 'income', data: rows.map((r) => r.income), type: 'DOUBLE' },
        { name: 'city', data: rows.map((r) => r.city), type: 'STRING' },
        { name: 'plan', data: rows.map((r) => r.plan), type: 'STRING' },
      ],
    });
    const fromParquet = await uploadJob(
      gw,
      'churn',
      { text: new Uint8Array(parquet), filename: 'c.parquet' },
      { passThrough: ['id'], output: { format: 'csv' } },
    );
    const b = await ended(gw, (await fromParquet.json()).id);
    expect(b).toMatchObject({ state: 'succeeded', output: { format: 'csv' }, rows: { done: 50 } });
    const csv = await (await gw.admin(`/api/jobs/${b.id}/output`)).text();
    const labels = (text: string) =>
      text
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[1]);
    expect(labels(csv)).toEqual(lines.map((l) => l.output_label));
  });
});

describe('cancelling and removing jobs', () => {
  it('cancels a job that waits, then removes it with its files', async () => {
    const idle = await startTestGateway({ config: { batch: { atOnce: 0 } } });
    try {
      await publishChurn(idle);
      const res = await uploadJob(idle, 'churn', {
        text: csvOf(customers(5), ['id', 'age', 'income', 'city', 'plan']),
        filename: 'c.csv',
      });
      const job = await res.json();
      expect(job.state).toBe('queued');
      const cancelled = await idle.admin(`/api/jobs/${job.id}`, { method: 'DELETE' });
      expect(cancelled.status).toBe(200);
      expect((await cancelled.json()).state).toBe('cancelled');
      const { jobs } = await (await idle.admin('/api/jobs?deployment=churn')).json();
      expect(jobs.map((j: { id: string }) => j.id)).toEqual([job.id]);
      expect((await idle.admin(`/api/jobs/${job.id}`, { method: 'DELETE' })).status).toBe(204);
      expect((await idle.admin(`/api/jobs/${job.id}`)).status).toBe(404);
      await expect(readFile(join(idle.dataDir, 'jobs', job.id, 'input.csv'))).rejects.toThrow();
    } finally {
      await idle.stop();
    }
  });
});
