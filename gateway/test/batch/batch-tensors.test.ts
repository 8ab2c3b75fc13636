import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { indexList } from '../../src/monitoring/compact-answers.js';
import { readerThreads } from '../../src/monitoring/tables/read-table.js';
import { answerOf, type StoredAnswers } from '../../src/monitoring/features.js';
import { countOf, type ValueSummary } from '../../src/monitoring/summaries/value-summary.js';
import { NotReadyError } from '../../src/errors.js';
import { defaultRuntimes } from '../../src/runtimes/default-runtimes.js';
import type { ModelRuntime, Runtime, RuntimeFactory } from '../../src/runtimes/types.js';
import { publishForm, startTestGateway, type TestGateway } from '../support/test-gateway.js';
import { waitFor } from '../../src/workers/testing/processes.js';
import {
  churnModel,
  csvOf,
  CUSTOMER_COLUMNS,
  customers,
  ended,
  uploadJob,
} from './batch-support.js';

const fixtures = (format: Format) => new URL(`../fixtures/${format}/`, import.meta.url);
const ROWS = 2300;
const CHUNK = 500;

type Format = 'onnx' | 'pmml';

/**
 * Models whose inputs and outputs are all numbers, whose jobs go as tensors; and one with a
 * string output (its class names), whose jobs go by records. PMML models' jobs go as columns
 * (numbers as float64, text and booleans as tables of their values), but for fields that are
 * JSON or lists. Each with the rows its input refuses (see `input`).
 */
const MODELS: [Format, string, boolean, number[]][] = [
  ['onnx', 'classifier_zipmap', true, [18, 1235]], // a vector input; int64 labels and class probabilities (ZipMap unzipped)
  ['onnx', 'regressor_gbr', true, [18, 1235]], // one float per row
  ['onnx', 'spark_random_forest', true, [18, 1235]], // several outputs of several shapes
  ['onnx', 'image_grey', true, [18, 1235]], // an image tensor per row: no feature watched
  ['onnx', 'classifier_nozipmap', false, [18, 1235]], // string labels
  ['pmml', 's2p_gbm_regressor_100', true, [18]], // text and missing values in, a number out
  ['pmml', 's2p_gbm_classifier', true, [18]], // a label and its probabilities (read by observeCall)
  ['pmml', 's2p_isolation_forest', true, [18]], // a boolean and an integer out
  ['pmml', 'hand_integer_fraction_threshold', true, [18]], // integers in
  ['pmml', 'hand_association_rules', false, []], // a basket (a list) in, JSON out
];

/** A CSV cell: JSON of the value, quoted (RFC 4180) when it holds a comma or a quote; empty for none. */
const cell = (v: unknown) => {
  if (v === null || v === undefined) return '';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** The k-th row's id: some not ASCII, as a user's ids may be. */
const rowId = (k: number) => (k % 5 === 0 ? `kund-ö東${k + 1}` : `r${k + 1}`);

/**
 * ROWS rows from the fixture's records (each number nudged so that rows differ, but a PMML
 * integer), with an `id` column and the rows the signature refuses (a text where a number
 * goes, row 18; a vector too short, row 1235).
 */
async function input(
  format: Format,
  model: string,
  rows = ROWS,
): Promise<{ text: string; columns: string[] }> {
  const { records } = JSON.parse(
    await readFile(new URL(`${model}.expected.json`, fixtures(format)), 'utf8'),
  ) as { records: Record<string, unknown>[] };
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const nudge = (v: unknown, k: number): unknown =>
    typeof v === 'number' && (format === 'onnx' || !Number.isInteger(v))
      ? v + (k % 97) / 1000
      : Array.isArray(v)
        ? v.map((x) => nudge(x, k))
        : v;
  const lines = [['id', ...columns].join(',')];
  for (let k = 0; k < rows; k++) {
    const record = records[k % records.length]!;
    const values = columns.map((c) => {
      const v = nudge(record[c], k);
      if (k === 17) return Array.isArray(v) ? ['x', ...v.slice(1)] : 'x';
      if (k === 1234 && Array.isArray(v)) return v.slice(1);
      return v;
    });
    lines.push([rowId(k), ...values.map(cell)].join(','));
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

async function publish(gw: TestGateway, format: Format, model: string): Promise<void> {
  const published = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm(
      { name: 'm' },
      {
        bytes: await readFile(new URL(`${model}.${format}`, fixtures(format))),
        filename: `${model}.${format}`,
      },
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
  expect(done.state, JSON.stringify(done)).toBe('succeeded');
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
  const copies = rowsOf<{ id: string; answers: StoredAnswers | null }>(
    await gw.database.db.execute(
      sql`select id, answers from invocations where deployment_name = 'm' and protocol = 'batch'`,
    ),
  );
  const answers = copies
    .flatMap(({ id, answers: a }) =>
      a === null
        ? []
        : indexList(a.index)!.map((i) => JSON.stringify([i, answerOf(a, `${id}:${i}`, i)])),
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
    '%s %s: writes the output, errors and monitor rows a job scored by records writes (as tensors: %s)',
    async (format, model, asTensors, refused) => {
      const { text } = await input(format, model);
      const tensors = await startTestGateway();
      const records = await startTestGateway({ config: { batch: { tensors: false } } });
      gateways.push(tensors, records);
      const seen = vi.spyOn(tensors.dataPlane, 'scoreTensors');
      const reused = readerThreads.reused;
      const byRecords = vi.spyOn(records.dataPlane, 'scoreTensors');
      await publish(tensors, format, model);
      await publish(records, format, model);

      for (const output of ['csv', 'jsonl'] as const) {
        const a = await scoreOn(tensors, text, output);
        const b = await scoreOn(records, text, output);
        expect(a.done.rows).toEqual({ done: ROWS, total: ROWS, errors: refused.length });
        expect(comparable(a.output)).toBe(comparable(b.output));
        // Each scored row's id as read, in order (the lines are written as UTF-8 bytes).
        const ids = Array.from({ length: ROWS }, (_, k) => rowId(k)).filter(
          (_, k) => !refused.includes(k + 1),
        );
        const written =
          output === 'csv'
            ? (parse(a.output, { columns: true }) as { id: string }[])
            : a.output
                .split('\n')
                .filter(Boolean)
                .map((l) => JSON.parse(l) as { id: string });
        expect(written.map((r) => r.id)).toEqual(ids);
        expect(a.output.split('\n').filter(Boolean)).toHaveLength(
          ROWS - refused.length + (output === 'csv' ? 1 : 0),
        );
        expect(a.errors).toBe(b.errors);
        expect(
          a.errors
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l).row),
        ).toEqual(refused);
        expect(a.calls).toBe(b.calls);
        expect(a.rollups).toEqual(b.rollups);
        // Each scored row once in each watched feature's rollup (missing values too).
        if (!['image_grey', 'hand_association_rules'].includes(model))
          expect(a.rollups.length).toBeGreaterThan(0);
        for (const r of a.rollups)
          expect(countOf(r.summary as ValueSummary) + (r.summary as ValueSummary).m).toBe(
            (output === 'csv' ? 1 : 2) * (ROWS - refused.length),
          );
        expect(a.answers).toEqual(b.answers);
        // Every scored row's answer, of each job so far (the csv one, then the jsonl one).
        expect(a.answers).toHaveLength((output === 'csv' ? 1 : 2) * (ROWS - refused.length));
        expect(a.chunks).toBe(a.calls);
      }
      // The jsonl job read on the thread the csv job read on, kept warm (set up for its own
      // job: its output is the one by records).
      expect(readerThreads.reused).toBeGreaterThan(reused);
      // Each chunk went as tensors on the one (where the model takes them), never on the other.
      expect(seen).toHaveBeenCalledTimes(asTensors ? 2 * Math.ceil(ROWS / CHUNK) : 0);
      expect(byRecords).not.toHaveBeenCalled();
    },
    300_000,
  );

  it.each([true, false])(
    'sizes its chunks itself when it names no chunkSize: from 1,000 rows up to the records a call may carry, the output that of fixed chunks (as tensors: %s)',
    async (tensors) => {
      const gw = await startTestGateway({ config: { maxBatch: 8000, batch: { tensors } } });
      gateways.push(gw);
      // A call time limit far past any call here: the chunks grow as fast as they may.
      const published = await gw.admin('/api/deployments', {
        method: 'POST',
        body: publishForm(
          { name: 'churn', config: JSON.stringify({ timeoutSeconds: 86_400 }) },
          await churnModel(),
        ),
      });
      expect(published.status).toBe(201);
      const ROWS_IN = 60_000;
      const text = csvOf(customers(ROWS_IN), CUSTOMER_COLUMNS);
      const scored = async (options: object) => {
        const created = await uploadJob(gw, 'churn', { text, filename: 'c.csv' }, options);
        const { id } = await created.json();
        expect((await ended(gw, id)).state).toBe('succeeded');
        return parse(await (await gw.admin(`/api/jobs/${id}/output`)).text(), {
          columns: true,
        }) as Record<string, string>[];
      };
      const sized = await scored({ passThrough: ['id'] });
      // Each chunk is one call: its rows share the call's part of their prediction ids.
      const chunks: number[] = [];
      let call: string | undefined;
      sized.forEach((row, k) => {
        const [id, index] = row.prediction_id!.split(':');
        if (id !== call) chunks.push(0);
        call = id;
        expect(Number(index)).toBe(chunks[chunks.length - 1]);
        chunks[chunks.length - 1]!++;
        expect(row.id).toBe(`c${k + 1}`);
      });
      expect(chunks.reduce((a, b) => a + b)).toBe(ROWS_IN);
      expect(chunks[0]).toBe(1000);
      expect(Math.max(...chunks)).toBe(8000);
      expect(chunks.length).toBeLessThan(ROWS_IN / 1000 / 3);
      // The same rows and predictions as a job in chunks of the size it names.
      const fixed = await scored({ passThrough: ['id'], chunkSize: 1000 });
      const withoutIds = (rows: Record<string, string>[]) =>
        rows.map(({ prediction_id: _, ...rest }) => rest);
      expect(withoutIds(sized)).toEqual(withoutIds(fixed));
      expect(new Set(fixed.map((r) => r.prediction_id!.split(':')[0])).size).toBe(ROWS_IN / 1000);
    },
    120_000,
  );

  it('stops a job under way when it is cancelled, and the next job runs', async () => {
    const gw = await startTestGateway();
    gateways.push(gw);
    await publish(gw, 'onnx', 'classifier_zipmap');
    const { text } = await input('onnx', 'classifier_zipmap', 600_000);
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
    const next = await scoreOn(gw, (await input('onnx', 'classifier_zipmap', 500)).text, 'csv');
    expect(next.done.rows).toEqual({ done: 500, total: 500, errors: 1 });
  }, 300_000);

  it('logs a chunk tried again after a refusal (503) under an id of its own: every prediction id takes feedback', async () => {
    // The real runtimes, with a handle on each one made: the first chunk's first try is
    // refused as a version being replaced refuses it.
    const made: Runtime[] = [];
    const gw = await startTestGateway({
      runtimes: (services) =>
        defaultRuntimes(services).map((f): RuntimeFactory => ({
          format: f.format,
          kind: f.kind,
          detect: (file) => f.detect(file),
          create: (spec) => {
            const runtime = f.create(spec);
            made.push(runtime);
            return runtime;
          },
        })),
    });
    gateways.push(gw);
    await publish(gw, 'pmml', 's2p_gbm_regressor_100');
    const model = made.find((r): r is Required<ModelRuntime> => 'predictTensors' in r)!;
    const refused = vi
      .spyOn(model, 'predictTensors')
      .mockRejectedValueOnce(new NotReadyError('the version is being replaced'));
    const { text } = await input('pmml', 's2p_gbm_regressor_100', 1000);
    const a = await scoreOn(gw, text, 'csv');
    expect(a.done.rows).toEqual({ done: 1000, total: 1000, errors: 1 });
    expect(refused.mock.calls.length).toBe(Math.ceil(1000 / CHUNK) + 1);

    // Each call id of the output is a call the log holds as answered (200), with its answers.
    const calls = [...new Set([...a.output.matchAll(/,([0-9a-f-]{36}):\d+$/gm)].map((m) => m[1]!))];
    expect(calls).toHaveLength(Math.ceil(1000 / CHUNK));
    const logged = rowsOf<{ id: string; status: number; answered: boolean }>(
      await gw.database.db.execute(
        sql`select id, status, answers is not null as answered from invocations
            where deployment_name = 'm' and protocol = 'batch'`,
      ),
    );
    for (const call of calls)
      expect(logged.find((r) => r.id === call)).toMatchObject({ status: 200, answered: true });
    // …and the refused try is in the log too, as every refusal is.
    expect(logged.filter((r) => r.status === 503)).toHaveLength(1);
    expect(a.answers).toHaveLength(1000 - 1);
  }, 300_000);

  it("keeps the features in its chunks' log rows while the reference is taken from the first calls", async () => {
    const gw = await startTestGateway();
    gateways.push(gw);
    await publish(gw, 'onnx', 'classifier_zipmap');
    const settings = await gw.send('PUT', '/api/deployments/m/monitoring', {
      referenceFromFirst: 150,
    });
    expect(settings.status).toBe(200);
    const a = await scoreOn(gw, (await input('onnx', 'classifier_zipmap')).text, 'csv');
    expect(a.done.state).toBe('succeeded');
    // The reference took the job's first rows, as it takes the first calls' records…
    const reference = await (await gw.admin('/api/deployments/m/reference')).json();
    expect(reference).toMatchObject({ rows: 150, source: 'first_calls' });
    // …and drift counts every scored row once.
    for (const r of a.rollups)
      expect(countOf(r.summary as ValueSummary) + (r.summary as ValueSummary).m).toBe(ROWS - 2);
  }, 300_000);
});
