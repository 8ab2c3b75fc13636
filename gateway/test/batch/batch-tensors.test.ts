import { readFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { answerOf, type AnswerColumns } from '../../src/monitoring/features.js';
import { publishForm, startTestGateway, type TestGateway } from '../support/test-gateway.js';
import { waitFor } from '../../src/workers/testing/processes.js';
import { ended, uploadJob } from './batch-support.js';

const fixtures = new URL('../fixtures/onnx/', import.meta.url);
const ROWS = 2300;
const CHUNK = 500;

/**
 * Models whose inputs and outputs are all numbers, whose jobs go as tensors; and one with a
 * string output (its class names), whose jobs go by records.
 */
const MODELS: [string, boolean][] = [
  ['classifier_zipmap', true], // a vector input; int64 labels and class probabilities (ZipMap unzipped)
  ['regressor_gbr', true], // one float per row
  ['spark_random_forest', true], // several outputs of several shapes
  ['image_grey', true], // an image tensor per row: no feature watched
  ['classifier_nozipmap', false], // string labels
];

/** A CSV cell: JSON of the value, quoted (RFC 4180) when it holds a comma or a quote. */
const cell = (v: unknown) => {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/**
 * ROWS rows from the fixture's records (each number nudged so that rows differ), with an `id`
 * column and two rows the signature refuses (a text where a number goes, a vector too short).
 */
async function input(model: string, rows = ROWS): Promise<{ text: string; columns: string[] }> {
  const { records } = JSON.parse(
    await readFile(new URL(`${model}.expected.json`, fixtures), 'utf8'),
  ) as { records: Record<string, unknown>[] };
  const columns = Object.keys(records[0]!);
  const nudge = (v: unknown, k: number): unknown =>
    typeof v === 'number' ? v + (k % 97) / 1000 : Array.isArray(v) ? v.map((x) => nudge(x, k)) : v;
  const lines = [['id', ...columns].join(',')];
  for (let k = 0; k < rows; k++) {
    const record = records[k % records.length]!;
    const values = columns.map((c) => {
      const v = nudge(record[c], k);
      if (k === 17) return Array.isArray(v) ? ['x', ...v.slice(1)] : 'x';
      if (k === 1234 && Array.isArray(v)) return v.slice(1);
      return v;
    });
    lines.push([`r${k + 1}`, ...values.map(cell)].join(','));
  }
  return { text: `${lines.join('\n')}\n`, columns };
}

/** The job's output with each prediction id's call (a random id per chunk) named by its order. */
function comparable(output: string): string {
  const calls = new Map<string, number>();
  return output.replace(
    /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(\d+)/g,
    (_, call: string, i: string) => {
      if (!calls.has(call)) calls.set(call, calls.size);
      return `call${calls.get(call)}:${i}`;
    },
  );
}

async function publish(gw: TestGateway, model: string): Promise<void> {
  const published = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm(
      { name: 'm' },
      { bytes: await readFile(new URL(`${model}.onnx`, fixtures)), filename: `${model}.onnx` },
    ),
  });
  expect(published.status).toBe(201);
}

async function scoreOn(gw: TestGateway, text: string, format: 'csv' | 'jsonl') {
  const created = await uploadJob(
    gw,
    'm',
    { text, filename: 'rows.csv' },
    { passThrough: ['id'], chunkSize: CHUNK, output: { format } },
  );
  if (created.status !== 202) throw new Error(await created.text());
  const { id } = await created.json();
  const done = await ended(gw, id);
  expect(done.state).toBe('succeeded');
  const output = await (await gw.admin(`/api/jobs/${id}/output`)).text();
  const errors = await (await gw.admin(`/api/jobs/${id}/errors`)).text();
  await gw.log.flush();
  const rollups = rowsOf<{ feature: string; summary: unknown }>(
    await gw.database.db.execute(
      sql`select feature, summary from feature_rollups where deployment_name = 'm' order by feature`,
    ),
  );
  const calls = rowsOf<{ n: number }>(
    await gw.database.db.execute(
      sql`select count(*)::int as n from invocations where deployment_name = 'm' and protocol = 'batch' and status = 200`,
    ),
  );
  // The monitor's copy of each prediction's answer as feedback reads it (a chunk scored as
  // tensors packs its scores), in no particular order; and the chunks that have one.
  const copies = rowsOf<{ id: string; answers: AnswerColumns | null }>(
    await gw.database.db.execute(
      sql`select id, answers from invocations where deployment_name = 'm' and protocol = 'batch'`,
    ),
  );
  const answers = copies
    .flatMap(({ id, answers: a }) =>
      a === null ? [] : a.index!.map((i) => JSON.stringify([i, answerOf(a, `${id}:${i}`, i)])),
    )
    .sort();
  const chunks = copies.filter((c) => c.answers !== null).length;
  return { done, output, errors, rollups, answers, chunks, calls: calls[0]!.n };
}

describe('a batch job scored as tensors', () => {
  const gateways: TestGateway[] = [];
  afterEach(async () => {
    for (const gw of gateways.splice(0)) await gw.stop();
  });

  it.each(MODELS)(
    '%s: writes the output, errors and monitor rows a job scored by records writes (as tensors: %s)',
    async (model, asTensors) => {
      const { text } = await input(model);
      const tensors = await startTestGateway();
      const records = await startTestGateway({ config: { batch: { tensors: false } } });
      gateways.push(tensors, records);
      const seen = vi.spyOn(tensors.dataPlane, 'scoreTensors');
      const byRecords = vi.spyOn(records.dataPlane, 'scoreTensors');
      await publish(tensors, model);
      await publish(records, model);

      for (const format of ['csv', 'jsonl'] as const) {
        const a = await scoreOn(tensors, text, format);
        const b = await scoreOn(records, text, format);
        expect(a.done.rows).toEqual({ done: ROWS, total: ROWS, errors: 2 });
        expect(comparable(a.output)).toBe(comparable(b.output));
        expect(a.output.split('\n').filter(Boolean)).toHaveLength(
          ROWS - 2 + (format === 'csv' ? 1 : 0),
        );
        expect(a.errors).toBe(b.errors);
        expect(
          a.errors
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l).row),
        ).toEqual([18, 1235]);
        expect(a.calls).toBe(b.calls);
        expect(a.rollups).toEqual(b.rollups);
        expect(a.answers).toEqual(b.answers);
        // Every scored row's answer, of each job so far (the csv one, then the jsonl one).
        expect(a.answers).toHaveLength((format === 'csv' ? 1 : 2) * (ROWS - 2));
        expect(a.chunks).toBe(a.calls);
      }
      // Each chunk went as tensors on the one (where the model takes them), never on the other.
      expect(seen).toHaveBeenCalledTimes(asTensors ? 2 * Math.ceil(ROWS / CHUNK) : 0);
      expect(byRecords).not.toHaveBeenCalled();
    },
    300_000,
  );

  it('stops a job under way when it is cancelled, and the next job runs', async () => {
    const gw = await startTestGateway();
    gateways.push(gw);
    await publish(gw, 'classifier_zipmap');
    const { text } = await input('classifier_zipmap', 600_000);
    const created = await uploadJob(
      gw,
      'm',
      { text, filename: 'many.csv' },
      { passThrough: ['id'], chunkSize: 100, maxErrorRate: 0.5 },
    );
    const { id } = await created.json();
    await waitFor(
      'the job to be under way',
      async () => {
        const seen = await (await gw.admin(`/api/jobs/${id}`)).json();
        return seen.state === 'running' && seen.rows.done > 0;
      },
      120_000,
    );
    const cancelled = await gw.admin(`/api/jobs/${id}`, { method: 'DELETE' });
    expect(cancelled.status).toBe(200);
    const done = await ended(gw, id);
    expect(done.state).toBe('cancelled');
    expect(done.rows.done).toBeLessThan(600_000);

    // The model and the queue are free: a next job runs to its end.
    const next = await scoreOn(gw, (await input('classifier_zipmap', 500)).text, 'csv');
    expect(next.done.rows).toEqual({ done: 500, total: 500, errors: 1 });
  }, 300_000);
});
