import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../src/workers/testing/processes.js';
import { testDatabaseKinds } from '../support/databases.js';
import { gatewayProcesses, type GatewayProcess } from '../support/gateway-process.js';
import { publishForm } from '../support/test-gateway.js';
import { churnModel, csvOf, customers, CUSTOMER_COLUMNS, ended } from './batch-support.js';

/** Rows in the input: enough small chunks that the job is caught under way. */
const ROWS = 60_000;
const CHUNK = 50;

/** A model a job scores, the rows of its input, and whether its chunks go as tensors. */
interface JobModel {
  model: () => Promise<{ bytes: Buffer; filename: string }>;
  columns: string[];
  rows: (n: number) => Record<string, unknown>[];
  /**
   * A drift reference (CSV): with one, a job's chunks (as tensors or by records) give drift
   * their features at the job's checkpoints, so each row counts once whatever crashed.
   */
  reference: string;
}

const MODELS: Record<string, JobModel> = {
  // String inputs: scored by records.
  churn: {
    model: churnModel,
    columns: CUSTOMER_COLUMNS,
    rows: customers,
    reference: 'age,income,city,plan\n30,40000,lyon,basic\n52,61000,nice,pro\n',
  },
  // A vector of floats in, numbers out: scored as tensors.
  iris: {
    model: async () => ({
      bytes: await readFile(new URL('../fixtures/onnx/classifier_zipmap.onnx', import.meta.url)),
      filename: 'iris.onnx',
    }),
    columns: ['id', 'X'],
    rows: (n) =>
      Array.from({ length: n }, (_, i) => ({
        id: `r${i + 1}`,
        // Quoted: the cell holds commas.
        X: `"[${[4 + (i % 40) / 10, 2 + (i % 23) / 10, 1 + (i % 59) / 10, (i % 25) / 10].join(',')}]"`,
      })),
    reference: 'X[0],X[1],X[2],X[3]\n5.1,3.5,1.4,0.2\n6.2,2.9,4.3,1.3\n7.7,3.0,6.1,2.3\n',
  },
};

describe.each(
  testDatabaseKinds.flatMap((kind) => Object.keys(MODELS).map((model) => [kind, model] as const)),
)('a batch job on %s (%s)', (kind, modelName) => {
  const processes = gatewayProcesses();
  const jobModel = MODELS[modelName]!;

  it('survives kill -9 of its gateway: the restarted one goes on from the last checkpoint, and the output holds every row once', async () => {
    const env = await processes.env(kind);
    // A job whose holder is gone is taken over this long after its last renewal (Postgres).
    env.SLIPWAY_JOB_LEASE_SECONDS = '1';
    const inputs = join(env.SLIPWAY_DATA_DIR!, 'inputs');
    env.SLIPWAY_BATCH_INPUT_ROOT = inputs;
    await mkdir(inputs);
    const rows = jobModel.rows(ROWS);
    await writeFile(join(inputs, 'customers.csv'), csvOf(rows, jobModel.columns));

    let proc: GatewayProcess = await processes.start(env);
    const token = (await readFile(join(env.SLIPWAY_DATA_DIR!, 'admin-token'), 'utf8')).trim();
    const api = (p: GatewayProcess) => ({
      admin: (path: string, init: RequestInit = {}) =>
        fetch(`${p.url}${path}`, {
          ...init,
          headers: { authorization: `Bearer ${token}`, ...(init.headers as object) },
        }),
    });
    const published = await api(proc).admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: 'churn' }, await jobModel.model()),
    });
    expect(published.status).toBe(201);
    const uploaded = await api(proc).admin('/api/deployments/churn/reference', {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: jobModel.reference,
    });
    expect(uploaded.status).toBe(200);
    const start = (p: GatewayProcess) =>
      api(p).admin('/api/deployments/churn/jobs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          input: { path: 'customers.csv' },
          passThrough: ['id'],
          chunkSize: CHUNK,
        }),
      });
    const job = await (await start(proc)).json();

    // Caught under way: a checkpoint has counted rows, and many are left.
    let before = 0;
    await waitFor(
      'the job to pass a checkpoint',
      async () => {
        const seen = await (await api(proc).admin(`/api/jobs/${job.id}`)).json();
        expect(['queued', 'running']).toContain(seen.state);
        before = seen.rows.done;
        return before > 0;
      },
      120_000,
    );
    expect(before).toBeLessThan(ROWS);
    await proc.kill();

    proc = await processes.start(env);
    const first = await (await api(proc).admin(`/api/jobs/${job.id}`)).json();
    // It goes on from where it was (a checkpoint is never undone).
    expect(first.rows.done).toBeGreaterThanOrEqual(before);
    const done = await ended(api(proc), job.id);
    expect(done).toMatchObject({
      state: 'succeeded',
      rows: { done: ROWS, total: ROWS, errors: 0 },
    });

    // Drift counts each row once: the rows scored before the crash past the last checkpoint,
    // scored again after it, are counted by the checkpoint that wrote them.
    const drift = await (await api(proc).admin('/api/deployments/churn/drift')).json();
    expect(drift.currentRows).toBe(ROWS);

    // A straight run of the same file, for comparison.
    const straight = await ended(api(proc), (await (await start(proc)).json()).id);
    expect(straight.state).toBe('succeeded');

    const read = async (id: string) =>
      parse(await (await api(proc).admin(`/api/jobs/${id}/output`)).text(), {
        columns: true,
      }) as Record<string, string>[];
    const [resumed, reference] = await Promise.all([read(job.id), read(straight.id)]);
    expect(resumed).toHaveLength(ROWS);
    expect(resumed.map((r) => r.id)).toEqual(rows.map((r) => r.id));
    const withoutIds = (o: Record<string, string>[]) =>
      o.map(({ prediction_id: _, ...rest }) => rest);
    expect(withoutIds(resumed)).toEqual(withoutIds(reference));
    expect(new Set(resumed.map((r) => r.prediction_id)).size).toBe(ROWS);
  }, 600_000);
});
