import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DriftReport, QualityReport, RegressionMetrics } from '../src/protocol/monitoring.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

let gw: TestGateway;

beforeEach(async () => {
  gw = await startTestGateway();
});

afterEach(async () => {
  await gw.stop();
});

async function publish(name: string, artifact: string, filename: string, config?: unknown) {
  const res = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm(
      { name, ...(config !== undefined && { config: JSON.stringify(config) }) },
      { bytes: artifact, filename },
    ),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { invokeKey?: string; version: number };
}

const post = (path: string, body: unknown) =>
  gw.admin(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('every protocol answers prediction ids feedback takes', () => {
  it('records API, Open Inference Protocol v2 and MLflow, one regression', async () => {
    await publish('sum', '{"toy":"sum"}', 'sum.toy.json');
    const records = (await (
      await post('/fn/sum', [
        { a: 1, b: 2 },
        { a: 2, b: 2 },
      ])
    ).json()) as { ids: string[] };
    const oip = (await (
      await post('/v2/models/sum/infer', {
        inputs: [
          { name: 'a', shape: [2], datatype: 'FP64', data: [1, 5] },
          { name: 'b', shape: [2], datatype: 'FP64', data: [1, 5] },
        ],
      })
    ).json()) as { parameters: { prediction_ids: string[] } };
    const mlflow = (await (
      await post('/fn/sum/invocations', { dataframe_records: [{ a: 10, b: 0 }] })
    ).json()) as { ids: string[] };
    const ids = [...records.ids, ...oip.parameters.prediction_ids, ...mlflow.ids];
    expect(ids).toHaveLength(5);
    // Predictions 3, 4, 2, 10, 10; truths 4, 4, 2, 12, 5: errors 1, 0, 0, 2, 5.
    const actual = [4, 4, 2, 12, 5];
    const fb = await post(
      '/fn/sum/feedback',
      ids.map((id, i) => ({ id, actual: actual[i] })),
    );
    expect(await fb.json()).toMatchObject({ accepted: 5, rejected: 0 });
    const notNumber = await post('/fn/sum/feedback', { id: ids[0], actual: 'four' });
    expect(notNumber.status).toBe(400);
    expect((await notNumber.json()).items[0].message).toMatch(/expected a number/);
    const report: QualityReport = await (await gw.admin('/api/deployments/sum/quality')).json();
    const m = report.overall as RegressionMetrics;
    expect(m).toMatchObject({ task: 'regression', labelled: 5, mae: 8 / 5 });
    expect(m.rmse).toBeCloseTo(Math.sqrt(30 / 5), 12);
  });
});

describe('quality per version and per bucket', () => {
  it('keeps each version apart', async () => {
    await publish('sum', '{"toy":"sum"}', 'sum.toy.json');
    const v1 = (await (await post('/fn/sum', { a: 1, b: 1 })).json()) as { id: string };
    await publish('sum', '{"toy":"sum"}', 'sum2.toy.json');
    const v2 = (await (await post('/fn/sum', { a: 1, b: 1 })).json()) as {
      id: string;
      version: number;
    };
    expect(v2.version).toBe(2);
    await post('/fn/sum/feedback', [
      { id: v1.id, actual: 3 },
      { id: v2.id, actual: 2 },
    ]);
    const all: QualityReport = await (
      await gw.admin('/api/deployments/sum/quality?bucket=day')
    ).json();
    expect(all.versions.map((v) => [v.version, (v.metrics as RegressionMetrics).mae])).toEqual([
      [1, 1],
      [2, 0],
    ]);
    expect(all.series).toHaveLength(1);
    expect(all.series[0]!.metrics.labelled).toBe(2);
    const only2: QualityReport = await (
      await gw.admin('/api/deployments/sum/quality?version=2')
    ).json();
    expect(only2.overall).toMatchObject({ labelled: 1, mae: 0 });
  });
});

describe('notebooks', () => {
  it('take feedback on the output a JSON pointer names', async () => {
    const notebook = '{ "toyNotebook": { "parameters": { "x": 1, "label": "hi" } } }';
    const bad = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name: 'nb', config: JSON.stringify({ monitoring: { prediction: 'label' } }) },
        { bytes: notebook, filename: 'nb.toynb.json' },
      ),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.field).toBe('config.monitoring.prediction');
    await publish('nb', notebook, 'nb.toynb.json', {
      monitoring: { prediction: '/0/label', classes: ['hi', 'bye'] },
    });
    const run = (await (await post('/fn/nb', { label: 'bye' })).json()) as { id: string };
    const fb = await post('/fn/nb/feedback', { id: run.id, actual: 'hi' });
    expect(await fb.json()).toMatchObject({ accepted: 1 });
    const wrong = await post('/fn/nb/feedback', { id: run.id, actual: 'ciao' });
    expect(wrong.status).toBe(400);
    const report: QualityReport = await (await gw.admin('/api/deployments/nb/quality')).json();
    expect(report.overall).toMatchObject({ task: 'classification', labelled: 1, accuracy: 0 });
  });
});

describe('a reference from the first calls', () => {
  it('is taken from the first N calls once the deployment asks for it', async () => {
    await publish('sum', '{"toy":"sum"}', 'sum.toy.json');
    const noRef = await gw.admin('/api/deployments/sum/drift');
    expect(noRef.status).toBe(409);
    expect((await noRef.json()).error.code).toBe('no_reference');
    const set = await gw.admin('/api/deployments/sum/monitoring', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ referenceFromFirst: 30 }),
    });
    expect(set.status).toBe(200);
    const batch = (n: number, shift: number) =>
      Array.from({ length: n }, (_, i) => ({ a: i + shift, b: (i * 7) % 13 }));
    await post('/fn/sum', batch(20, 0));
    const partial = await gw.admin('/api/deployments/sum/drift');
    expect(partial.status).toBe(409);
    expect((await partial.json()).error.message).toMatch(/20 of 30/);
    // The next call completes the reference with 10 of its 20 records.
    await post('/fn/sum', batch(20, 20));
    const ref = await (await gw.admin('/api/deployments/sum/reference')).json();
    expect(ref).toMatchObject({ rows: 30, source: 'first_calls' });
    expect(ref.features.find((f: { name: string }) => f.name === 'a')).toMatchObject({ count: 30 });
    const drift: DriftReport = await (await gw.admin('/api/deployments/sum/drift')).json();
    expect(drift.referenceRows).toBe(30);
    expect(drift.currentRows).toBe(40);
    expect(drift.prediction).toMatchObject({ name: 'prediction', kind: 'numeric' });
  });
});

describe('drift settings', () => {
  it('take a method and threshold for every feature and per feature, and a reference in JSONL', async () => {
    await publish('sum', '{"toy":"sum"}', 'sum.toy.json');
    const jsonl = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({ a: i, b: i % 5, prediction: i + (i % 5) }),
    ).join('\n');
    const ref = await gw.admin('/api/deployments/sum/reference', {
      method: 'PUT',
      headers: { 'content-type': 'application/x-ndjson' },
      body: jsonl,
    });
    expect(ref.status).toBe(200);
    expect(await ref.json()).toMatchObject({
      rows: 50,
      features: [{ name: 'a' }, { name: 'b' }, { name: 'prediction' }],
    });
    await post(
      '/fn/sum',
      Array.from({ length: 50 }, (_, i) => ({ a: i + 3, b: i % 5 })),
    );
    const settings = {
      method: 'psi',
      threshold: 0.5,
      features: {
        b: { method: 'jensenshannon', threshold: 0.01 },
        prediction: { method: 'wasserstein' },
      },
    };
    const put = await gw.admin('/api/deployments/sum/monitoring', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(settings),
    });
    expect(put.status).toBe(200);
    expect(await (await gw.admin('/api/deployments/sum/monitoring')).json()).toEqual(settings);
    const drift: DriftReport = await (await gw.admin('/api/deployments/sum/drift')).json();
    expect(drift.features.map((f) => [f.name, f.method, f.threshold])).toEqual([
      ['a', 'psi', 0.5],
      ['b', 'jensenshannon', 0.01],
    ]);
    // A feature's method without a threshold takes the deployment's threshold.
    expect(drift.prediction).toMatchObject({ method: 'wasserstein', threshold: 0.5 });
    const bad = await gw.admin('/api/deployments/sum/monitoring', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'vibes' }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.field).toBe('method');
  });
});

describe('predictions logged before the monitor kept them', () => {
  it('take feedback all the same, made from the logged answer', async () => {
    await publish('sum', '{"toy":"sum"}', 'sum.toy.json');
    // A batch call as an older gateway logged it: the invocation row only.
    const id = crypto.randomUUID();
    await gw.log.record({
      id,
      deploymentName: 'sum',
      version: 1,
      time: new Date(),
      latencyMs: 1,
      status: 200,
      protocol: 'records',
      input: [
        { a: 1, b: 1 },
        { a: 2, b: 2 },
      ],
      output: [{ sum: 2 }, { sum: 4 }],
      error: null,
      ignoredFields: null,
    });
    const fb = await post('/fn/sum/feedback', [
      { id: `${id}:1`, actual: 5 },
      { id: `${id}:2`, actual: 5 },
      { id, actual: 5 },
    ]);
    expect((await fb.json()).items.map((i: { status: string }) => i.status)).toEqual([
      'accepted',
      'not_found',
      'not_found',
    ]);
    const report: QualityReport = await (await gw.admin('/api/deployments/sum/quality')).json();
    expect(report.overall).toMatchObject({ labelled: 1, mae: 1 });
  });
});

describe('a gateway that keeps no inputs', () => {
  it('still takes feedback: the predictions ride in the call’s row', async () => {
    await gw.stop();
    gw = await startTestGateway({
      config: {
        log: {
          flushMs: 20,
          batchSize: 100,
          recordInputs: false,
          spoolMb: 64,
          sampleAboveMb: 16,
          maxValueBytes: 1024 * 1024,
          sync: true,
        },
      },
    });
    await publish('sum', '{"toy":"sum"}', 'sum.toy.json');
    const { ids } = (await (
      await post('/fn/sum', [
        { a: 1, b: 1 },
        { a: 2, b: 2 },
      ])
    ).json()) as {
      ids: string[];
    };
    const calls = await (await gw.admin('/api/deployments/sum/invocations')).json();
    expect(calls.invocations[0]).toMatchObject({ input: null, output: null });
    const fb = await post('/fn/sum/feedback', [
      { id: ids[0], actual: 2 },
      { id: ids[1], actual: 5 },
    ]);
    expect(await fb.json()).toMatchObject({ accepted: 2 });
    const report: QualityReport = await (await gw.admin('/api/deployments/sum/quality')).json();
    expect(report.overall).toMatchObject({ labelled: 2, mae: 0.5 });
  });
});
