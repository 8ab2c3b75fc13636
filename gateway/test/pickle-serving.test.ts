import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mismatches,
  pickleFixture,
  type PickleFixture,
} from '../src/runtimes/pickle/testing/pickle-fixtures.js';
import { testPython } from './support/python.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

/** Pickled models published through the API and called on /fn, against scikit-learn's answers. */
const python = await testPython();
const MODELS = [
  'decision_tree',
  'logistic',
  'random_forest',
  'gbm_regressor',
  'svc_strict_labels',
  'kmeans',
  'gaussian_nb_array',
  'cloudpickle_lambda',
  'snippet_iris_mm',
];
const slug = (m: string) => m.replace(/_/g, '-');

describe.skipIf(!python)('pickles through the gateway (needs the worker venv)', () => {
  let gw: TestGateway;
  const keys: Record<string, string> = {};
  const fixtures: Record<string, PickleFixture> = {};

  const publish = async (f: PickleFixture, name: string, filename?: string) => {
    const fields: Record<string, string> = { name };
    if (Object.keys(f.config).length) fields.config = JSON.stringify(f.config);
    return gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(fields, {
        bytes: await readFile(f.file),
        filename: filename ?? f.file.split('/').pop()!,
      }),
    });
  };
  const call = (m: string, body: unknown) =>
    gw.app.request(`/fn/${slug(m)}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { authorization: `Bearer ${keys[m]}`, 'content-type': 'application/json' },
    });

  beforeAll(async () => {
    gw = await startTestGateway({ config: { python } });
    for (const m of MODELS) {
      fixtures[m] = pickleFixture(m);
      const res = await publish(fixtures[m], slug(m));
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(201);
      expect(body.format).toBe('pickle');
      keys[m] = body.invokeKey;
    }
  }, 180_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it.each(MODELS)('%s answers every row in one batch as scikit-learn did', async (m) => {
    const f = fixtures[m]!;
    const res = await call(m, f.records);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.predictions).toHaveLength(f.records.length);
    const wrong = (body.predictions as unknown[]).flatMap((p, i) => {
      const want = f.predictions[i]!;
      const only = Object.keys(want);
      // A model with a single output answers the bare value.
      const got =
        only.length === 1 && (typeof p !== 'object' || p === null) ? { [only[0]!]: p } : p;
      return mismatches(got, want, 1e-9, `row ${i}`);
    });
    expect(wrong).toEqual([]);
  });

  it("logs a batch's output as the worker answered it, the values the caller got", async () => {
    const f = fixtures.logistic!;
    const res = await call('logistic', f.records);
    expect(res.status).toBe(200);
    const answered = (await res.json()).predictions as unknown[];
    const logged = await gw.admin(
      `/api/deployments/logistic/invocations/${res.headers.get('x-request-id')}`,
    );
    expect(logged.status).toBe(200);
    const detail = await logged.json();
    expect(detail.input).toEqual(f.records);
    expect(detail.output).toHaveLength(f.records.length);
    expect(mismatches(detail.output, answered, 0)).toEqual([]);
  });

  it('answers one record with one prediction, label and probabilities keyed by class', async () => {
    const f = fixtures.decision_tree!;
    const res = await call('decision_tree', f.records[0]);
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(mismatches(body.prediction, f.predictions[0], 1e-9)).toEqual([]);
    expect(Object.keys(body.prediction.probabilities)).toEqual(['churn', 'stay']);
  });

  it('describes inputs from feature_names_in_ and the encoders, outputs from the estimator', async () => {
    const detail = await (await gw.admin('/api/deployments/svc-strict-labels')).json();
    const byName = Object.fromEntries(
      detail.signature.inputs.map((i: { name: string }) => [i.name, i]),
    );
    expect(Object.keys(byName)).toEqual(['age', 'income', 'city', 'plan']);
    expect(byName.age.type).toBe('float64');
    expect(byName.city).toMatchObject({
      type: 'string',
      values: ['lille', 'lyon', 'nice', 'paris'],
    });
    expect(detail.signature.outputs).toEqual([
      { name: 'label', type: 'string', shape: [], values: ['churn', 'stay'] },
    ]);
    const array = await (await gw.admin('/api/deployments/gaussian-nb-array')).json();
    expect(array.signature.inputs).toEqual([{ name: 'features', type: 'float64', shape: [4] }]);
  });

  it('answers the MLflow and Open Inference Protocol forms as /fn does', async () => {
    const f = fixtures.decision_tree!;
    const headers = {
      authorization: `Bearer ${keys.decision_tree}`,
      'content-type': 'application/json',
    };
    const mlflow = await gw.app.request('/fn/decision-tree/invocations', {
      method: 'POST',
      body: JSON.stringify({ dataframe_records: f.records }),
      headers,
    });
    const m = await mlflow.json();
    expect(mlflow.status, JSON.stringify(m)).toBe(200);
    expect(mismatches(m.predictions, f.predictions, 1e-9)).toEqual([]);
    const row = f.records[0]!;
    const infer = await gw.app.request('/v2/models/decision-tree/infer', {
      method: 'POST',
      body: JSON.stringify({
        inputs: [
          { name: 'age', datatype: 'FP64', shape: [1], data: [row.age] },
          { name: 'income', datatype: 'FP64', shape: [1], data: [row.income] },
          { name: 'city', datatype: 'BYTES', shape: [1], data: [row.city] },
          { name: 'plan', datatype: 'BYTES', shape: [1], data: [row.plan] },
        ],
      }),
      headers,
    });
    const v2 = await infer.json();
    expect(infer.status, JSON.stringify(v2)).toBe(200);
    const out = Object.fromEntries(
      v2.outputs.map((o: { name: string; data: unknown[] }) => [o.name, o.data]),
    );
    const want = f.predictions[0] as { label: string; probabilities: Record<string, number> };
    expect(out.label).toEqual([want.label]);
    expect(mismatches(out.probabilities, Object.values(want.probabilities), 1e-9)).toEqual([]);
  });

  it('recognises a pickle by its protocol header whatever its name', async () => {
    const res = await publish(fixtures.kmeans!, 'by-magic', 'model.bin');
    expect(res.status).toBe(201);
    expect((await res.json()).format).toBe('pickle');
  });

  it('refuses a string for a number with 400 naming the field', async () => {
    const res = await call('logistic', { ...fixtures.logistic!.records[0], age: 'old' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.field).toBe('age');
  });

  it('refuses a category the encoder does not know with 400 naming the field', async () => {
    const res = await call('svc_strict_labels', {
      ...fixtures.svc_strict_labels!.records[0],
      city: 'atlantis',
    });
    const body = await res.json();
    expect(res.status).toBe(400);
    expect(body.error.field).toBe('city');
    expect(body.error.message).toContain('atlantis');
  });

  it('refuses a record without a required field with 400 naming it', async () => {
    const { income: _income, ...rest } = fixtures.decision_tree!.records[0]!;
    const res = await call('decision_tree', rest);
    expect(res.status).toBe(400);
    expect((await res.json()).error.field).toBe('income');
  });

  it('refuses a corrupt pickle at publish with 422 and creates nothing', async () => {
    const before = await readdir(join(gw.dataDir, 'artifacts'));
    const good = await readFile(fixtures.decision_tree!.file);
    for (const [i, bytes] of [
      good.subarray(0, good.byteLength / 2),
      Buffer.concat([Buffer.from([0x80, 0x04, 0x95]), Buffer.alloc(64, 0x41)]),
    ].entries()) {
      const res = await gw.admin('/api/deployments', {
        method: 'POST',
        body: publishForm({ name: `corrupt-${i}` }, { bytes, filename: 'model.pkl' }),
      });
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(body.error.message).toMatch(/cannot be unpickled/);
      expect((await gw.admin(`/api/deployments/corrupt-${i}`)).status).toBe(404);
    }
    expect(await readdir(join(gw.dataDir, 'artifacts'))).toEqual(before);
  });

  it('refuses a snippet with a syntax error at publish with 400 naming the field', async () => {
    const f = fixtures.snippet_iris_mm!;
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name: 'bad-snippet', config: JSON.stringify({ ...f.config, predict: 'def predict(:' }) },
        { bytes: await readFile(f.file), filename: 'm.pkl' },
      ),
    });
    const body = await res.json();
    expect(res.status).toBe(400);
    expect(body.error.field).toBe('config.predict');
    expect((await gw.admin('/api/deployments/bad-snippet')).status).toBe(404);
  });
});
