import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mismatches,
  MOJO_FIXTURES,
  mojoFixturePath,
  readExpected,
  REFUSED_MOJO,
  type MojoExpected,
} from '../src/runtimes/mojo/testing/fixtures.js';
import { javaForTests, NO_JAVA } from '../src/runtimes/mojo/testing/java.js';
import { defaultRuntimes } from '../src/runtimes/default-runtimes.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

/** H2O MOJOs published and called through the gateway, against H2O's in-cluster answers. */
const java = await javaForTests();
const slug = (m: string) => m.replace(/_/g, '-');
// The built-in runtimes only, and a heap limit to find on the JVM's command line.
const gatewayOptions = { runtimes: defaultRuntimes, config: { jvmHeapMb: 384 } };

describe.skipIf(!java)(java ? 'MOJOs through the gateway' : `MOJOs: ${NO_JAVA}`, () => {
  let gw: TestGateway;
  const keys: Record<string, string> = {};
  const expected: Record<string, MojoExpected> = {};

  beforeAll(async () => {
    gw = await startTestGateway(gatewayOptions);
    for (const m of MOJO_FIXTURES) {
      expected[m] = await readExpected(m);
      const bytes = await readFile(mojoFixturePath(`${m}.zip`));
      // Records with levels the model never saw are published with unknownLevels: "warn".
      const config = expected[m]!.config;
      // No format given: a .zip holding model.ini is detected as a MOJO.
      const res = await gw.admin('/api/deployments', {
        method: 'POST',
        body: publishForm(
          { name: slug(m), ...(config ? { config: JSON.stringify(config) } : {}) },
          { bytes, filename: `${m}.zip` },
        ),
      });
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(201);
      expect(body.format).toBe('mojo');
      keys[m] = body.invokeKey;
    }
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it('runs the JVM with the configured heap limit', () => {
    const pid = gw.jvm.supervisor.pid;
    expect(pid).toBeDefined();
    const args = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
    expect(args).toContain('-Xmx384m');
  });

  const call = (m: string, body: unknown) =>
    gw.app.request(`/fn/${slug(m)}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { authorization: `Bearer ${keys[m]}`, 'content-type': 'application/json' },
    });

  /** `/fn` answers a one-output model's bare value: put it back under its name. */
  const named = (p: unknown, want: object | undefined) =>
    typeof p === 'object' && p !== null ? p : { [Object.keys(want ?? {})[0] ?? 'value']: p };

  describe.each(MOJO_FIXTURES)('%s through POST /fn', (m) => {
    it('answers every row in one batch exactly as H2O did', async () => {
      const { records, predictions, tolerance } = expected[m]!;
      const res = await call(m, records);
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(200);
      const wrong = (body.predictions as unknown[]).flatMap((p, i) =>
        mismatches(named(p, predictions[i]), predictions[i], tolerance, `row ${i}`),
      );
      expect(wrong).toEqual([]);
    });

    it('answers every row called alone exactly as H2O did', async () => {
      const { records, predictions, tolerance } = expected[m]!;
      for (const [i, r] of records.entries()) {
        const res = await call(m, r);
        const body = await res.json();
        expect(res.status, JSON.stringify(body)).toBe(200);
        expect(
          mismatches(named(body.prediction, predictions[i]), predictions[i], tolerance, `row ${i}`),
        ).toEqual([]);
      }
    });
  });

  it('shows the signature read from the MOJO', async () => {
    const res = await gw.admin('/api/deployments/drf-multinomial');
    const body = await res.json();
    expect(body.signature.inputs.map((f: { name: string; type: string }) => f.type)).toEqual([
      'float64',
      'float64',
      'string',
      'string',
    ]);
    expect(body.signature.outputs[1]).toEqual({
      name: 'probabilities',
      type: 'float64',
      shape: [3],
      values: ['a', 'b', 'c'],
    });
  });

  it('with unknownLevels "warn", scores an unseen level as missing and says so in a header', async () => {
    const base = { age: 33, income: 15000, plan: 'team' };
    const unknown = await call('gbm_binomial', { ...base, city: 'marseille' });
    const missing = await call('gbm_binomial', base);
    expect((await unknown.json()).prediction).toEqual((await missing.json()).prediction);
    expect(unknown.headers.get('x-slipway-warnings')).toBe(
      'city: level "marseille" is not one the model knows; scored as missing',
    );
    expect(missing.headers.get('x-slipway-warnings')).toBeNull();
  });

  describe('published with the default unknownLevels ("error")', () => {
    let key: string;
    beforeAll(async () => {
      const bytes = await readFile(mojoFixturePath('gbm_binomial.zip'));
      const res = await gw.admin('/api/deployments', {
        method: 'POST',
        body: publishForm({ name: 'churn-strict' }, { bytes, filename: 'churn.zip' }),
      });
      expect(res.status).toBe(201);
      key = (await res.json()).invokeKey;
    });
    const strict = (body: unknown) =>
      gw.app.request('/fn/churn-strict', {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      });

    it('refuses a level the model never saw with 400 naming the field and the level', async () => {
      const res = await strict({ age: 33, income: 15000, plan: 'team', city: 'marseille' });
      expect(res.status).toBe(400);
      const body = await res.json();
      // The signature's validator finds it: the levels are the field's allowed values.
      expect(body.error.field).toBe('city');
      expect(body.error.message).toBe(
        'field city: "marseille" is not one of the allowed values "lille", "lyon", "nice", "paris"',
      );
    });

    it('scores known levels, nulls and left-out columns with no warning', async () => {
      const { records, predictions, tolerance } = expected.gbm_binomial!;
      for (const i of [0, 1, 2, 5]) {
        const res = await strict(records[i]);
        expect(res.status).toBe(200);
        expect(res.headers.get('x-slipway-warnings')).toBeNull();
        const p = (await res.json()).prediction;
        expect(mismatches(p, predictions[i], tolerance, `row ${i}`)).toEqual([]);
      }
    });
  });

  it('finds a level written as a number from a JSON number, through the gateway', async () => {
    const res = await call('gbm_numeric_levels', [
      { age: 40, zone: 70, floor: 2 },
      { age: 40, zone: '70.0', floor: '2' },
      { age: 40, zone: 75, floor: 2 },
    ]);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.field).toBe('[2].zone');
    expect(body.error.message).toMatch(/^field \[2\]\.zone: level 75 is not one the model knows/);
    const ok = await (
      await call('gbm_numeric_levels', [
        { age: 40, zone: 70, floor: 2 },
        { age: 40, zone: '70.0', floor: '2' },
      ])
    ).json();
    expect(ok.predictions[0]).toEqual(ok.predictions[1]);
  });

  it('refuses a GLRM at publish with 422 naming the algorithm and why', async () => {
    const bytes = await readFile(mojoFixturePath(REFUSED_MOJO.artifact));
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: 'glrm' }, { bytes, filename: 'glrm.zip' }),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(422);
    for (const what of REFUSED_MOJO.names) expect(body.error.message).toContain(what);
    expect((await gw.admin('/api/deployments/glrm')).status).toBe(404);
  });

  it('refuses a string for a numeric column with 400 naming the field', async () => {
    const record = { ...expected.gbm_binomial!.records[0]!, income: 'lots' };
    const res = await call('gbm_binomial', record);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.field).toBe('income');
    expect(body.error.message).toMatch(/float64/);
  });

  it('answers the Open Inference Protocol too', async () => {
    const { records, predictions } = expected.glm_regression!;
    const res = await gw.app.request('/v2/models/glm-regression/infer', {
      method: 'POST',
      body: JSON.stringify({
        inputs: [
          { name: 'age', datatype: 'FP64', shape: [1], data: [records[0]!.age] },
          { name: 'income', datatype: 'FP64', shape: [1], data: [records[0]!.income] },
          { name: 'plan', datatype: 'BYTES', shape: [1], data: [records[0]!.plan] },
          { name: 'colour', datatype: 'BYTES', shape: [1], data: [records[0]!.colour] },
        ],
      }),
      headers: {
        authorization: `Bearer ${keys.glm_regression}`,
        'content-type': 'application/json',
      },
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    const value = body.outputs.find((o: { name: string }) => o.name === 'value').data[0];
    expect(mismatches({ value }, predictions[0], 1e-9)).toEqual([]);
  });

  describe('a corrupt MOJO is refused at publish with 422 and nothing is created', () => {
    const cases: [string, () => Promise<Uint8Array>][] = [
      [
        'a bad zip',
        async () => Uint8Array.from([0x50, 0x4b, 3, 4, ...new Array<number>(500).fill(7)]),
      ],
      [
        'a zip without model.ini',
        async () => zipSync({ 'trees/t00_000.bin': new Uint8Array([1, 2, 3]) }),
      ],
      [
        'a truncated MOJO',
        async () => {
          const b = await readFile(mojoFixturePath('gbm_binomial.zip'));
          return b.subarray(0, Math.floor(b.byteLength / 2));
        },
      ],
    ];
    it.each(cases)('%s', async (_what, bytes) => {
      const before = (await readdir(join(gw.dataDir, 'artifacts'))).sort();
      const res = await gw.admin('/api/deployments', {
        method: 'POST',
        body: publishForm({ name: 'broken' }, { bytes: await bytes(), filename: 'broken.zip' }),
      });
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(body.error.message).toMatch(/MOJO/);
      expect((await gw.admin('/api/deployments/broken')).status).toBe(404);
      expect((await readdir(join(gw.dataDir, 'artifacts'))).sort()).toEqual(before);
    });
  });
});

describe('publishing a MOJO where there is no Java', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      runtimes: defaultRuntimes,
      config: { java: '/nonexistent/bin/java' },
    });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('answers 503 saying to install a JDK 11+, and creates nothing', async () => {
    const bytes = await readFile(mojoFixturePath('gbm_binomial.zip'));
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: 'churn' }, { bytes, filename: 'churn.zip' }),
    });
    const body = await res.json();
    expect(res.status).toBe(503);
    expect(body.error.message).toMatch(/JDK 11 or newer/);
    expect((await gw.admin('/api/deployments/churn')).status).toBe(404);
    expect(await readdir(join(gw.dataDir, 'artifacts'))).toEqual([]);
  });
});
