import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../src/runtimes/testing/contract.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

/** Serving the real skl2onnx exports through every protocol, against scikit-learn's own answers. */
const fixtures = new URL('./fixtures/onnx/', import.meta.url);
const MODELS = [
  'classifier_zipmap',
  'classifier_nozipmap',
  'regressor_gbr',
  'mixed_columns',
] as const;

interface Expected {
  records: Record<string, unknown>[];
  predictions: Record<string, unknown>[];
  tolerance: number;
}

let gw: TestGateway;
const keys: Record<string, string> = {};
const expected: Record<string, Expected> = {};

beforeAll(async () => {
  gw = await startTestGateway();
  for (const m of MODELS) {
    const bytes = await readFile(new URL(`${m}.onnx`, fixtures));
    expected[m] = JSON.parse(await readFile(new URL(`${m}.expected.json`, fixtures), 'utf8'));
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: m.replace(/_/g, '-') }, { bytes, filename: `${m}.onnx` }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    keys[m] = (await res.json()).invokeKey;
  }
});
afterAll(async () => {
  await gw.stop();
});

const call = (m: string, path: string, body: unknown) =>
  gw.app.request(path, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { authorization: `Bearer ${keys[m]}`, 'content-type': 'application/json' },
  });

/** The records API's prediction for a runtime output object (single output unwrapped). */
const unwrap = (p: Record<string, unknown>) =>
  Object.keys(p).length === 1 ? Object.values(p)[0] : p;

describe.each(MODELS)('%s', (m) => {
  const name = m.replace(/_/g, '-');

  it('answers every fixture row, one record at a time, as scikit-learn does', async () => {
    const { records, predictions, tolerance } = expected[m]!;
    for (let i = 0; i < records.length; i++) {
      const res = await call(m, `/fn/${name}`, records[i]);
      expect(res.status, await res.clone().text()).toBe(200);
      expectClose((await res.json()).prediction, unwrap(predictions[i]!), tolerance, `row ${i}`);
    }
  });

  it('answers a batch with the same predictions, in order', async () => {
    const { records, predictions, tolerance } = expected[m]!;
    const body = await (await call(m, `/fn/${name}`, records)).json();
    expect(body.predictions).toHaveLength(records.length);
    body.predictions.forEach((p: unknown, i: number) =>
      expectClose(p, unwrap(predictions[i]!), tolerance, `row ${i}`),
    );
  });

  it("logs a batch's input and output as the call answered them", async () => {
    const { records } = expected[m]!;
    const res = await call(m, `/fn/${name}`, records);
    const answered = (await res.json()).predictions;
    const logged = await gw.admin(
      `/api/deployments/${name}/invocations/${res.headers.get('x-request-id')}`,
    );
    expect(logged.status).toBe(200);
    const detail = await logged.json();
    expect(detail.input).toEqual(records);
    // The worker's reply, kept as the text it came as: the same values the caller got.
    expect(detail.output.map(unwrap)).toEqual(answered);
  });

  it('answers the same through the MLflow scoring formats', async () => {
    const { records } = expected[m]!;
    const viaRecords = (await (await call(m, `/fn/${name}`, records)).json()).predictions;
    const viaDfRecords = await (
      await call(m, `/fn/${name}/invocations`, { dataframe_records: records })
    ).json();
    expect(viaDfRecords.predictions).toEqual(viaRecords);
    const columns = Object.keys(records[0]!);
    const split = {
      dataframe_split: { columns, data: records.map((r) => columns.map((c) => r[c])) },
    };
    expect((await (await call(m, `/fn/${name}/invocations`, split)).json()).predictions).toEqual(
      viaRecords,
    );
    const inputs = Object.fromEntries(columns.map((c) => [c, records.map((r) => r[c])]));
    expect(
      (await (await call(m, `/fn/${name}/invocations`, { inputs })).json()).predictions,
    ).toEqual(viaRecords);
  });

  it('answers the same through the Open Inference Protocol v2, and describes itself', async () => {
    const { records } = expected[m]!;
    const meta = await (
      await gw.app.request(`/v2/models/${name}`, {
        headers: { authorization: `Bearer ${keys[m]}` },
      })
    ).json();
    expect(meta.name).toBe(name);
    expect(meta.versions).toEqual(['1']);
    const viaRecords = (await (await call(m, `/fn/${name}`, records)).json()).predictions;
    const inputs = meta.inputs.map((spec: { name: string; datatype: string; shape: number[] }) => {
      const values = records.map((r) => r[spec.name]);
      const perRecord = spec.shape.slice(1);
      const data = values.flat(Infinity);
      return {
        name: spec.name,
        datatype: spec.datatype,
        shape: [
          records.length,
          ...(perRecord.length
            ? perRecord.map((d) => (d === -1 ? data.length / records.length : d))
            : []),
        ],
        data,
      };
    });
    const res = await call(m, `/v2/models/${name}/infer`, { id: 'req-1', inputs });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ model_name: name, model_version: '1', id: 'req-1' });
    // Rebuild per-record predictions from the output tensors and compare with the records API.
    const outputs: { name: string; shape: number[]; data: unknown[] }[] = body.outputs;
    records.forEach((_, i) => {
      const want = viaRecords[i];
      for (const out of outputs) {
        const width = out.shape.slice(1).reduce((a, b) => a * b, 1);
        const slice = out.data.slice(i * width, (i + 1) * width);
        const served = outputs.length === 1 ? want : want[out.name];
        const flat = served && typeof served === 'object' ? Object.values(served) : [served];
        expect(slice.length).toBe(flat.length);
        slice.forEach((v, j) =>
          typeof v === 'number'
            ? expect(v).toBeCloseTo(flat[j] as number, 5)
            : expect(String(v)).toBe(String(flat[j])),
        );
      }
    });
  });
});

describe('ONNX specifics', () => {
  it('exposes the classifier probabilities that ZipMap would have given, keyed by class', async () => {
    const body = await (
      await call(
        'classifier_zipmap',
        '/fn/classifier-zipmap',
        expected.classifier_zipmap!.records[0],
      )
    ).json();
    const probs = Object.values(body.prediction).find((v) => v && typeof v === 'object') as Record<
      string,
      number
    >;
    expect(Object.values(probs).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('answers a specific version through /v2/models/:name/versions/:v/infer', async () => {
    const bytes = await readFile(new URL('regressor_gbr.onnx', fixtures));
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name: 'classifier-zipmap', allowSignatureChange: 'true' },
        { bytes, filename: 'r.onnx' },
      ),
    });
    expect((await res.json()).version).toBe(2);
    const meta1 = await (
      await gw.app.request('/v2/models/classifier-zipmap/versions/1', {
        headers: { authorization: `Bearer ${keys.classifier_zipmap}` },
      })
    ).json();
    const meta2 = await (
      await gw.app.request('/v2/models/classifier-zipmap', {
        headers: { authorization: `Bearer ${keys.classifier_zipmap}` },
      })
    ).json();
    expect(meta1.outputs.length).toBeGreaterThan(1);
    expect(meta2.outputs).toHaveLength(1);
    const inputName = meta1.inputs[0].name;
    const rec = expected.classifier_zipmap!.records[0]!;
    const infer = await call('classifier_zipmap', '/v2/models/classifier-zipmap/versions/1/infer', {
      inputs: [{ name: inputName, datatype: 'FP32', shape: [1, 4], data: rec[inputName] }],
    });
    expect(infer.status, await infer.clone().text()).toBe(200);
    expect((await infer.json()).model_version).toBe('1');
    expect(
      (
        await call('classifier_zipmap', '/v2/models/classifier-zipmap/versions/9/infer', {
          inputs: [],
        })
      ).status,
    ).toBe(404);
    await gw.admin('/api/deployments/classifier-zipmap/rollback', {
      method: 'POST',
      body: '{"version":1}',
      headers: { 'content-type': 'application/json' },
    });
  });

  it('refuses a record of the wrong shape, naming the field and the expected shape', async () => {
    const inputName = Object.keys(expected.classifier_zipmap!.records[0]!)[0]!;
    const res = await call('classifier_zipmap', '/fn/classifier-zipmap', {
      [inputName]: [1, 2, 3],
    });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.field).toBe(inputName);
    expect(error.message).toContain('[4]');
  });

  it.each([
    ['random bytes', () => Uint8Array.from({ length: 2048 }, (_, i) => (i * 7919) % 251)],
    [
      'a truncated model',
      async () => (await readFile(new URL('classifier_zipmap.onnx', fixtures))).subarray(0, 300),
    ],
  ])('refuses %s with 422, the runtime reason, and no deployment', async (_what, bytes) => {
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name: 'broken', format: 'onnx' },
        { bytes: await bytes(), filename: 'broken.onnx' },
      ),
    });
    expect(res.status).toBe(422);
    const { error } = await res.json();
    expect(error.message.length).toBeGreaterThan(20);
    expect((await gw.admin('/api/deployments/broken')).status).toBe(404);
  });
});
