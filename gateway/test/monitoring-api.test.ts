import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  ClassificationMetrics,
  DriftReport,
  FeedbackResult,
  QualityReport,
} from '../src/protocol/monitoring.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

const fixture = (name: string) => new URL(`./fixtures/onnx/${name}`, import.meta.url);

interface Expected {
  records: { X: number[] }[];
  predictions: { output_label: number }[];
}

let gw: TestGateway;
let key: string;
let expected: Expected;

async function invoke(
  records: unknown[],
): Promise<{ ids: string[]; predictions: { output_label: number }[] }> {
  const res = await gw.app.request('/fn/iris', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(records),
  });
  expect(res.status).toBe(200);
  return res.json();
}

async function feedback(
  body: unknown,
  token = key,
): Promise<{ status: number; body: FeedbackResult }> {
  const res = await gw.app.request('/fn/iris/feedback', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

beforeEach(async () => {
  gw = await startTestGateway();
  const res = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm(
      { name: 'iris' },
      { bytes: await readFile(fixture('classifier_zipmap.onnx')), filename: 'iris.onnx' },
    ),
  });
  expect(res.status).toBe(201);
  key = (await res.json()).invokeKey;
  expected = JSON.parse(await readFile(fixture('classifier_zipmap.expected.json'), 'utf8'));
});

afterEach(async () => {
  await gw.stop();
});

describe('ground truth', () => {
  it('takes labels for every prediction id, says per item what became of it, and replaces a label sent again', async () => {
    const { ids, predictions } = await invoke(expected.records);
    expect(ids).toHaveLength(expected.records.length);
    const first = await feedback([
      { id: ids[0], actual: predictions[0]!.output_label },
      { id: 'no-such-id', actual: 1 },
      { id: ids[1], actual: 'setosa' },
      { id: ids[2], actual: String(predictions[2]!.output_label) },
    ]);
    expect(first.status).toBe(200);
    expect(first.body.accepted).toBe(2);
    expect(first.body.rejected).toBe(2);
    expect(first.body.items.map((i) => i.status)).toEqual([
      'accepted',
      'not_found',
      'invalid',
      'accepted',
    ]);
    expect(first.body.items[2]).toMatchObject({
      message: expect.stringMatching(/^\[2\]\.actual: "setosa" is not a class/),
    });
    const again = await feedback({ id: ids[0], actual: (predictions[0]!.output_label + 1) % 3 });
    expect(again.status).toBe(200);
    expect(again.body.items[0]).toEqual({ id: ids[0], status: 'accepted', replaced: true });
    const res = await gw.admin('/api/deployments/iris/quality');
    const report: QualityReport = await res.json();
    const overall = report.overall as ClassificationMetrics;
    expect(overall.labelled).toBe(2);
    // The replaced label is wrong, the other right.
    expect(overall.accuracy).toBe(0.5);
  });

  it('answers 404 when no id is known, 400 for a body that is not items, and 401 without the key', async () => {
    expect((await feedback({ id: 'x', actual: 1 })).status).toBe(404);
    expect((await feedback([1, 2])).status).toBe(400);
    expect((await feedback({ id: 'x', actual: 1 }, 'wrong')).status).toBe(401);
  });

  it('reads a ground-truth CSV, and stores nothing of a malformed one', async () => {
    const { ids, predictions } = await invoke(expected.records);
    const bad = `id,actual\n${ids[0]},${predictions[0]!.output_label}\n${ids[1]}\n`;
    const refused = await gw.admin('/api/deployments/iris/feedback', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: bad,
    });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.message).toMatch(/row 2/);
    let quality: QualityReport = await (await gw.admin('/api/deployments/iris/quality')).json();
    expect(quality.overall).toBeNull();
    const csv = ['id,actual', ...ids.map((id, i) => `${id},${predictions[i]!.output_label}`)].join(
      '\n',
    );
    const ok = await gw.admin('/api/deployments/iris/feedback', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: csv,
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ rows: ids.length, accepted: ids.length, rejected: 0 });
    quality = await (await gw.admin('/api/deployments/iris/quality')).json();
    expect(quality.overall).toMatchObject({
      task: 'classification',
      labelled: ids.length,
      accuracy: 1,
    });
  });
});

describe('drift', () => {
  it('compares live inputs with an uploaded reference, per feature', async () => {
    const header = 'X[0],X[1],X[2],X[3]';
    const rows = expected.records.map((r) => r.X.join(','));
    const ref = await gw.admin('/api/deployments/iris/reference', {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: [header, ...rows].join('\n'),
    });
    expect(ref.status).toBe(200);
    expect(await ref.json()).toMatchObject({ rows: rows.length, source: 'upload' });
    const missing = await gw.admin('/api/deployments/iris/reference', {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: 'X[0],X[1],X[2]\n1,2,3\n',
    });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error.message).toMatch(/X\[3\]/);
    // Same inputs: no drift; shifted ones: drift in every feature.
    await invoke(expected.records);
    let drift: DriftReport = await (await gw.admin('/api/deployments/iris/drift')).json();
    expect(drift.features.map((f) => [f.name, f.method, f.drift])).toEqual([
      ['X[0]', 'ks', false],
      ['X[1]', 'ks', false],
      ['X[2]', 'ks', false],
      ['X[3]', 'ks', false],
    ]);
    expect(drift.datasetDrift).toBe(false);
    for (let i = 0; i < 3; i++)
      await invoke(expected.records.map((r) => ({ X: r.X.map((x) => x + 10) })));
    drift = await (await gw.admin('/api/deployments/iris/drift')).json();
    expect(drift.features.every((f) => f.drift)).toBe(true);
    expect(drift.datasetDrift).toBe(true);
    expect(drift.currentRows).toBe(expected.records.length * 4);
  });
});
