import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../src/runtimes/testing/contract.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

/** PMML files published and called through the gateway, against scikit-learn's answers. */
const fixtures = new URL('./fixtures/pmml/', import.meta.url);
// hand_missing_category: a null for a categorical (string) input is a missing value the document
// treats, so it is scored, never refused.
const MODELS = [
  's2p_logistic',
  's2p_gbm_regressor',
  'nyoka_random_forest',
  's2p_linear_strict',
  'hand_missing_category',
];

let gw: TestGateway;
const keys: Record<string, string> = {};
const expected: Record<
  string,
  { records: Record<string, unknown>[]; predictions: unknown[]; tolerance: number }
> = {};
const slug = (m: string) => m.replace(/_/g, '-');

beforeAll(async () => {
  gw = await startTestGateway();
  for (const m of MODELS) {
    expected[m] = JSON.parse(await readFile(new URL(`${m}.expected.json`, fixtures), 'utf8'));
    const bytes = await readFile(new URL(`${m}.pmml`, fixtures));
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: slug(m) }, { bytes, filename: `${m}.pmml` }),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.format).toBe('pmml');
    keys[m] = body.invokeKey;
  }
});
afterAll(async () => {
  await gw.stop();
});

const call = (m: string, body: unknown) =>
  gw.app.request(`/fn/${slug(m)}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { authorization: `Bearer ${keys[m]}`, 'content-type': 'application/json' },
  });

describe.each(MODELS)('%s through POST /fn', (m) => {
  it('answers every fixture row in one batch as the producing tool did', async () => {
    const { records, predictions, tolerance } = expected[m]!;
    const res = await call(m, records);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    body.predictions.forEach((p: unknown, i: number) => {
      const want = predictions[i] as Record<string, unknown>;
      const keysOf = Object.keys(want);
      // A single-output model answers the bare value.
      expectClose(
        keysOf.length === 1 && typeof p !== 'object' ? { [keysOf[0]!]: p } : p,
        want,
        tolerance,
        `row ${i}`,
      );
    });
  });
});

describe('PMML bad input', () => {
  it('refuses an unknown category of a returnInvalid field with 400 naming it', async () => {
    const record = { ...expected.s2p_linear_strict!.records[0]! };
    const field = Object.keys(record).find((k) => typeof record[k] === 'string')!;
    record[field] = 'no-such-category';
    const res = await call('s2p_linear_strict', record);
    expect(res.status).toBe(400);
    expect((await res.json()).error.field).toBe(field);
  });

  it('refuses a string for a double with 400 naming the field', async () => {
    const record = { ...expected.s2p_logistic!.records[0]!, age: 'old' };
    const res = await call('s2p_logistic', record);
    expect(res.status).toBe(400);
    expect((await res.json()).error.field).toBe('age');
  });

  it('refuses a DTD at publish with 422 and creates nothing', async () => {
    const evil =
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><PMML version="4.4">&e;</PMML>';
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: 'evil' }, { bytes: evil, filename: 'evil.pmml' }),
    });
    expect(res.status).toBe(422);
    expect((await gw.admin('/api/deployments/evil')).status).toBe(404);
  });
});
