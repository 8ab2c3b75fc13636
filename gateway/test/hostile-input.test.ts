import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../src/codecs/json-text.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

// Requests built to hurt the gateway: bodies nested thousands deep, bodies as large as the
// limits allow shaped for the slowest path through each decoder, and PMML documents (or
// publish configs) that once froze the event loop. Each is answered with a 4xx naming the
// problem, and the gateway goes on answering (health, other calls, the log).

let gw: TestGateway;
let sumKey: string;
let echoKey: string;
const MAX_BODY = 1024 * 1024;

beforeAll(async () => {
  // One gateway (and database) for the file: its calls pile up in one log, as in production.
  gw = await startTestGateway({ config: { maxBodyBytes: MAX_BODY } });
  const publish = async (name: string, bytes: string, filename: string) => {
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name }, { bytes, filename }),
    });
    expect(res.status).toBe(201);
    return (await res.json()).invokeKey as string;
  };
  sumKey = await publish('sum', '{"toy":"sum"}', 'm.toy.json');
  echoKey = await publish(
    'echo',
    JSON.stringify({ toyNotebook: { parameters: { x: 1, label: 'hi', seconds: 0, fail: false } } }),
    'echo.toynb.json',
  );
});
afterAll(async () => {
  await gw.stop();
});

const post = (path: string, body: BodyInit, key = sumKey, type = 'application/json') =>
  gw.app.request(path, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${key}`, 'content-type': type },
  });

/** `[[[…[inner]…]]]`, `depth` arrays deep, as JSON text. */
const nested = (depth: number, inner = '1') => '['.repeat(depth) + inner + ']'.repeat(depth);

async function expectError(res: Response, status: number, code: string) {
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(body.error.code).toBe(code);
  return body.error as { code: string; message: string; field?: string };
}

describe('JSON nested deeper than the limit', () => {
  // The body: 20 KB that answered 500 (RangeError in the validator), then broke the
  // invocation log for every deployment when its input was written.
  const deep = `{"X": ${nested(10_000)}}`;

  it.each([
    ['/fn/sum', deep],
    ['/fn/sum/invocations', `{"dataframe_records": [${deep}]}`],
    [
      '/v2/models/sum/infer',
      `{"inputs": [{"name": "a", "shape": [1], "datatype": "FP64", "data": ${nested(10_000)}}]}`,
    ],
  ])('%s answers 400 too_deep, and the next call is served and logged', async (path, body) => {
    const res = await post(path, body);
    const err = await expectError(res, 400, 'too_deep');
    expect(err.message).toContain(`more than ${MAX_JSON_DEPTH} levels deep`);
    const next = await post('/fn/sum', '{"a": 1, "b": 2}');
    expect(next.status).toBe(200);
    const { invocations } = await (await gw.admin('/api/deployments/sum/invocations')).json();
    const statusById = new Map(
      invocations.map((i: { id: string; status: number }) => [i.id, i.status]),
    );
    expect(statusById.get(res.headers.get('x-request-id'))).toBe(400);
    expect(statusById.get(next.headers.get('x-request-id'))).toBe(200);
  });

  it(`takes ${MAX_JSON_DEPTH} levels, counting the body's own, and refuses one more`, async () => {
    // The record is one level, so the extra field may nest MAX_JSON_DEPTH - 1 arrays.
    const at = await post('/fn/sum', `{"a": 1, "b": 2, "extra": ${nested(MAX_JSON_DEPTH - 1)}}`);
    expect(at.status).toBe(200);
    expect(at.headers.get('x-slipway-ignored-fields')).toBe('extra');
    const over = await post('/fn/sum', `{"a": 1, "b": 2, "extra": ${nested(MAX_JSON_DEPTH)}}`);
    await expectError(over, 400, 'too_deep');
  });

  it('counts no bracket inside a string, escaped quotes included', async () => {
    const text = JSON.stringify(`"[{${'['.repeat(5000)}\\"`);
    const res = await post('/fn/sum', `{"a": 1, "b": 2, "note": ${text}, "n": [${text}]}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ prediction: 3 });
  });

  it('refuses deep notebook parameters, in JSON, in a form or in the query string', async () => {
    const inJson = await post('/fn/echo', `{"x": 1, "label": ${nested(10_000, '"a"')}}`, echoKey);
    await expectError(inJson, 400, 'too_deep');
    const form = new URLSearchParams({ label: nested(10_000) }).toString();
    const inForm = await post('/fn/echo', form, echoKey, 'application/x-www-form-urlencoded');
    expect((await expectError(inForm, 400, 'too_deep')).field).toBe('label');
    const inQuery = await post(
      `/fn/echo?label=${encodeURIComponent(nested(2000))}`,
      '',
      echoKey,
      '',
    );
    expect((await expectError(inQuery, 400, 'too_deep')).field).toBe('label');
    const fine = await post('/fn/echo', '{"x": 2, "label": "[[[ not json"}', echoKey);
    expect(fine.status).toBe(200);
  });
});

describe('bodies as large as the limits allow, shaped for the slowest path', () => {
  /** Repeats `item(i)` joined by commas while the whole stays under the body limit. */
  function fill(head: string, item: (i: number) => string, tail: string): string {
    const parts: string[] = [];
    let size = head.length + tail.length;
    for (let i = 0; ; i++) {
      const s = item(i);
      if (size + s.length + 1 > MAX_BODY - 64) break;
      parts.push(s);
      size += s.length + 1;
    }
    return head + parts.join(',') + tail;
  }

  it('MLflow: ~80,000 columns with the duplicate last is a 400 naming it', async () => {
    // Each column costs its name and a value in the one row: `"c123",` and `1,`.
    const columns = fill('', (i) => `"c${i}",1`, '')
      .split(',')
      .filter((_, i) => i % 2 === 0);
    const row = columns.map(() => '1').join(',');
    const body = `{"dataframe_split": {"columns": [${columns.join(',')}, "c0"], "data": [[${row}, 1]]}}`;
    expect(body.length).toBeLessThanOrEqual(MAX_BODY);
    const [res, health] = await Promise.all([
      post('/fn/sum/invocations', body),
      gw.app.request('/api/health'),
    ]);
    expect(health.status).toBe(200);
    expect((await expectError(res, 400, 'invalid_input')).message).toMatch(
      /column c0 appears twice/,
    );
  });

  it('Open Inference Protocol: ~18,000 tensors with a name repeated last is a 400', async () => {
    const tensor = (name: string) => `{"name":"${name}","shape":[1],"datatype":"FP64","data":[1]}`;
    const body = fill('{"inputs":[', (i) => tensor(`t${i}`), `,${tensor('t0')}]}`);
    expect(body.length).toBeLessThanOrEqual(MAX_BODY);
    const [res, health] = await Promise.all([
      post('/v2/models/sum/infer', body),
      gw.app.request('/api/health'),
    ]);
    expect(health.status).toBe(200);
    expect((await expectError(res, 400, 'invalid_input')).message).toMatch(/t0\): given twice/);
  });

  it('records: the largest batch, each record padded with unknown fields, is answered', async () => {
    const padding = Array.from({ length: 90 }, (_, i) => `"p${i}":${i}`).join(',');
    const body = `[${Array.from({ length: 1000 }, (_, i) => `{"a":${i},"b":1,${padding}}`).join(',')}]`;
    expect(body.length).toBeLessThanOrEqual(MAX_BODY);
    const [res, health] = await Promise.all([post('/fn/sum', body), gw.app.request('/api/health')]);
    expect(health.status).toBe(200);
    expect(res.status).toBe(200);
    expect((await res.json()).predictions).toHaveLength(1000);
  });
});

describe('PMML documents and publish limits', () => {
  const publish = (fields: Record<string, string>, xml: string) =>
    gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(fields, { bytes: xml, filename: 'model.pmml' }),
    });

  it.each([
    ['{"maxDepth": 1000000}', 'config.maxDepth'],
    ['{"maxDepth": 501}', 'config.maxDepth'],
    ['{"maxBytes": 1099511627776}', 'config.maxBytes'],
  ])('refuses config %s with a 400 naming %s, and creates nothing', async (config, field) => {
    const res = await publish(
      { name: 'deep-config', config },
      '<PMML version="4.4"><DataDictionary/></PMML>',
    );
    const err = await expectError(res, 400, 'invalid_input');
    expect(err.field).toBe(field);
    expect(err.message).toContain(field);
    expect((await gw.admin('/api/deployments/deep-config')).status).toBe(404);
  });

  it('refuses a document nested 100,000 deep at the depth limit, and keeps serving', async () => {
    const depth = 100_000;
    const xml = `<PMML version="4.4">${'<Extension>'.repeat(depth)}${'</Extension>'.repeat(depth)}</PMML>`;
    const [res, health] = await Promise.all([
      publish({ name: 'deep-pmml' }, xml),
      gw.app.request('/api/health'),
    ]);
    expect(health.status).toBe(200);
    const err = await expectError(res, 422, 'unusable_artifact');
    expect(err.message).toMatch(/deeper than the limit of 200 \(config\.maxDepth\)/);
    expect((await post('/fn/sum', '{"a": 1, "b": 2}')).status).toBe(200);
  });
});
