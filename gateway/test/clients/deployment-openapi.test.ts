// `GET /fn/:name/openapi.json`: each deployment's own OpenAPI document is valid (checked by
// swagger-parser), guarded as calling the deployment is, and true: the fixtures' records
// validate against its request schema, the gateway's real answers to them against its response
// schema, and a record the gateway refuses is refused by the schema too.
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv } from 'ajv';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment } from '../../src/protocol/deployments.js';
import {
  ADMIN_TOKEN,
  publishForm,
  startTestGateway,
  toyModel,
  type TestGateway,
} from '../support/test-gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.stop());

const fixture = (path: string) => new URL(`../fixtures/${path}`, import.meta.url);

async function publish(
  fields: Record<string, string>,
  file: { bytes: Uint8Array | string; filename: string },
): Promise<Deployment> {
  const res = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm(fields, file),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Deployment;
}

async function publishFixture(name: string, path: string, fields: Record<string, string> = {}) {
  const filename = path.split('/').at(-1)!;
  return publish({ name, ...fields }, { bytes: await readFile(fixture(path)), filename });
}

/** GET the document with `token` (none: no Authorization header). */
function documentOf(name: string, token?: string) {
  return gw.app.request(`/fn/${name}/openapi.json`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

/** Validators of the document's schemas, by JSON pointer into it. */
function schemasOf(doc: Record<string, unknown>) {
  // OpenAPI 3.0 schemas: `nullable` is Ajv's (OpenAPI) keyword; formats such as `double` and
  // `example` annotate only.
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(doc, 'doc');
  const at = (pointer: string) => {
    const validate = ajv.compile({ $ref: `doc#${pointer}` });
    return (value: unknown) => (validate(value) ? 'valid' : ajv.errorsText(validate.errors));
  };
  const op = (name: string, path = '') =>
    `/paths/${`/fn/${name}${path}`.replace(/\//g, '~1')}/post`;
  return {
    request: (name: string, path = '') =>
      at(`${op(name, path)}/requestBody/content/application~1json/schema`),
    response: (name: string, status = '200', path = '') =>
      at(`${op(name, path)}/responses/${status}/content/application~1json/schema`),
  };
}

interface Expected {
  records: Record<string, unknown>[];
}

describe('a deployment’s OpenAPI document', () => {
  it.each([
    ['iris', 'onnx/classifier_zipmap'],
    ['iris-plain', 'onnx/classifier_nozipmap'],
    ['gbr', 'onnx/regressor_gbr'],
    ['mixed', 'onnx/mixed_columns'],
    ['churn', 'pmml/s2p_logistic'],
    ['tree', 'pmml/s2p_decision_tree'],
    ['toy-sum', 'toy/sum'],
  ])('%s (%s): valid, and the real answers fit its schemas', async (name, base) => {
    const ext = base.startsWith('toy/') ? 'toy.json' : base.split('/')[0]!;
    const d = await publishFixture(name, `${base}.${ext}`);
    const res = await documentOf(name, d.invokeKey);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    // swagger-parser dereferences in place: it gets a copy.
    await SwaggerParser.validate(structuredClone(doc) as never);
    expect(doc).toMatchObject({ openapi: '3.0.3', servers: [{ url: 'http://slipway.test' }] });

    const { request, response } = schemasOf(doc);
    const expected = JSON.parse(
      await readFile(fixture(`${base}.expected.json`), 'utf8'),
    ) as Expected;
    const records = expected.records.slice(0, 20);
    expect(request(name)(records)).toBe('valid');
    const call = (body: unknown) =>
      gw.app.request(`/fn/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${d.invokeKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const many = await call(records);
    expect(many.status).toBe(200);
    expect(response(name)(await many.json())).toBe('valid');
    expect(request(name)(records[0])).toBe('valid');
    const one = await call(records[0]);
    expect(one.status).toBe(200);
    const answer = (await one.json()) as { id: string; prediction: unknown };
    expect(response(name)(answer)).toBe('valid');

    // Ground truth for that prediction, as the document describes it, is taken.
    // The label it predicted (a classifier's first scalar output), as the true one.
    const scalar = (v: unknown) => v !== null && typeof v !== 'object';
    const p = answer.prediction;
    const actual = scalar(p) ? p : Object.values(p as object).find(scalar);
    const feedback = { id: answer.id, actual };
    expect(request(name, '/feedback')(feedback)).toBe('valid');
    const fb = await gw.app.request(`/fn/${name}/feedback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.invokeKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(feedback),
    });
    expect(fb.status).toBe(200);
    expect(response(name, '200', '/feedback')(await fb.json())).toBe('valid');
  });

  it('refuses what the gateway refuses: a wrong shape or type, a missing field', async () => {
    await publishFixture('iris-strict', 'onnx/classifier_zipmap.onnx');
    await publishFixture('churn-strict', 'pmml/s2p_logistic.pmml', { public: 'true' });
    const irisDoc = (await (await documentOf('iris-strict', ADMIN_TOKEN)).json()) as Record<
      string,
      unknown
    >;
    const churnDoc = (await (await documentOf('churn-strict')).json()) as Record<string, unknown>;
    const cases: [string, Record<string, unknown>, unknown][] = [
      ['iris-strict', irisDoc, { X: [5.1, 3.5, 1.4] }],
      ['iris-strict', irisDoc, { X: [5.1, 3.5, 1.4, 'a'] }],
      ['iris-strict', irisDoc, {}],
      ['churn-strict', churnDoc, { city: 5, plan: 'pro', age: 45.4, income: 1 }],
      ['churn-strict', churnDoc, { city: 'lyon', plan: 'pro', age: 'old', income: 1 }],
    ];
    for (const [name, doc, record] of cases) {
      expect(schemasOf(doc).request(name)(record), JSON.stringify(record)).not.toBe('valid');
      const res = await gw.app.request(`/fn/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(record),
      });
      expect(res.status, JSON.stringify(record)).toBe(400);
    }
  });

  it('describes a notebook’s parameters, with their defaults, and its run answer', async () => {
    const d = await publish(
      { name: 'echo' },
      {
        bytes: JSON.stringify({ toyNotebook: { parameters: { x: 1, label: 'hi', fail: false } } }),
        filename: 'echo.toynb.json',
      },
    );
    const doc = (await (await documentOf('echo', d.invokeKey)).json()) as Record<string, unknown>;
    await SwaggerParser.validate(structuredClone(doc) as never);
    expect(doc).toMatchObject({
      components: {
        schemas: {
          Parameters: {
            properties: {
              x: { type: 'number', default: 1 },
              label: { type: 'string', default: 'hi' },
            },
          },
        },
      },
      paths: { '/fn/echo': { post: { operationId: 'run' } } },
    });
    const { request, response } = schemasOf(doc);
    expect(request('echo')({ x: 2 })).toBe('valid');
    expect(request('echo')({ x: 'two' })).not.toBe('valid');
    const res = await gw.app.request('/fn/echo', {
      method: 'POST',
      headers: { authorization: `Bearer ${d.invokeKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ x: 2 }),
    });
    expect(res.status).toBe(200);
    expect(response('echo')(await res.json())).toBe('valid');
  });

  it('is guarded as calling the deployment is', async () => {
    const keyed = await publish({ name: 'guarded' }, toyModel());
    const open = await publish({ name: 'open', public: 'true' }, toyModel());
    expect((await documentOf('guarded')).status).toBe(401);
    expect((await documentOf('guarded', 'sk_wrong')).status).toBe(401);
    expect((await documentOf('guarded', keyed.invokeKey)).status).toBe(200);
    expect((await documentOf('guarded', ADMIN_TOKEN)).status).toBe(200);
    // Another deployment's key does not open it; an unknown name is 401 to strangers (no leak).
    expect((await documentOf('guarded', open.invokeKey)).status).toBe(401);
    expect((await documentOf('nope')).status).toBe(401);
    expect((await documentOf('nope', ADMIN_TOKEN)).status).toBe(404);
    const openDoc = await documentOf('open');
    expect(openDoc.status).toBe(200);
    const doc = (await openDoc.json()) as Record<string, unknown>;
    expect(doc.security).toBeUndefined();
    const keyedDoc = (await (await documentOf('guarded', ADMIN_TOKEN)).json()) as Record<
      string,
      unknown
    >;
    expect(keyedDoc.security).toEqual([{ invokeKey: [] }]);
  });
});
