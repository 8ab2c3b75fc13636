import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../support/databases.js';
import { startTestGateway, type TestGateway } from '../support/test-gateway.js';
import {
  csvOf,
  customers,
  ended,
  publishChurn,
  uploadJob,
  type Customer,
} from './batch-support.js';

describe.each(testDatabaseKinds)('batch jobs on %s', (kind) => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
  });

  it('scores an uploaded CSV in chunks through the data plane, with pass-through columns, prediction ids and an errors file', async () => {
    gw = await startTestGateway({ kind });
    await publishChurn(gw);
    const rows: Record<string, unknown>[] = customers(2500);
    rows[6] = { ...rows[6], age: 'old' };
    rows[1499] = { ...rows[1499], income: 'n/a' };
    const text = csvOf(rows, ['id', 'age', 'income', 'city', 'plan']);
    const created = await uploadJob(
      gw,
      'churn',
      { text, filename: 'customers.csv' },
      { passThrough: ['id'], chunkSize: 1000 },
    );
    expect(created.status).toBe(202);
    const job = await created.json();
    expect(job).toMatchObject({
      deployment: 'churn',
      version: 1,
      input: { kind: 'upload', name: 'customers.csv', format: 'csv' },
    });

    const done = await ended(gw, job.id);
    expect(done.state).toBe('succeeded');
    expect(done.rows).toEqual({ done: 2500, total: 2500, errors: 2 });
    expect(done.progress).toBe(1);

    const output = await gw.admin(`/api/jobs/${job.id}/output`);
    expect(output.status).toBe(200);
    expect(output.headers.get('content-disposition')).toContain('customers.predictions.csv');
    const scored = parse(await output.text(), { columns: true }) as Record<string, string>[];
    expect(Object.keys(scored[0]!)).toEqual([
      'id',
      'output_label',
      'output_probability.churn',
      'output_probability.stay',
      'prediction_id',
    ]);
    expect(scored.map((r) => r.id)).toEqual(
      rows.filter((_, i) => i !== 6 && i !== 1499).map((r) => r.id),
    );

    // The same rows through /fn give the same answers.
    const sample = [0, 1, 2, 1000, 2499].map((i) => rows[i] as unknown as Customer);
    const direct = await gw.send(
      'POST',
      '/fn/churn',
      sample.map(({ age, income, city, plan }) => ({ age, income, city, plan })),
    );
    const { predictions } = await direct.json();
    for (const [k, customer] of sample.entries()) {
      const row = scored.find((r) => r.id === customer.id)!;
      expect(row.output_label).toBe(predictions[k].output_label);
      expect(Number(row['output_probability.churn'])).toBeCloseTo(
        predictions[k].output_probability.churn,
        6,
      );
    }

    // Errors: the row number (header excluded) and why, naming the field.
    const errors = (await (await gw.admin(`/api/jobs/${job.id}/errors`)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(errors.map((e) => e.row)).toEqual([7, 1500]);
    expect(errors[0]).toMatchObject({ field: 'age' });
    expect(errors[0].error).toMatch(/age/);
    expect(errors[1]).toMatchObject({ field: 'income' });

    // One logged call per chunk, under protocol `batch`; the values stay in the output file.
    const { invocations } = await (await gw.admin('/api/deployments/churn/invocations')).json();
    const chunks = invocations.filter((i: { protocol: string }) => i.protocol === 'batch');
    expect(chunks).toHaveLength(3);
    expect(new Set(scored.map((r) => r.prediction_id.split(':')[0]))).toEqual(
      new Set(chunks.map((c: { id: string }) => c.id)),
    );

    // Prediction ids are the data plane's: ground truth for them is taken.
    const ids = scored.slice(0, 3).map((r) => r.prediction_id);
    expect(new Set(scored.map((r) => r.prediction_id)).size).toBe(scored.length);
    const feedback = await gw.admin('/api/deployments/churn/feedback', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: ['id,actual', ...ids.map((id) => `${id},stay`)].join('\n'),
    });
    expect(feedback.status).toBe(200);
    expect(await feedback.json()).toMatchObject({ accepted: 3, rejected: 0 });
  }, 300_000);
});
