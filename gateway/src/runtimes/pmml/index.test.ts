import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlipwayError } from '../../errors.js';
import type { RuntimeSpec } from '../types.js';
import { pmmlRuntimeFactory } from './index.js';
import { OFF_THREAD_RECORDS } from './pmml-runtime.js';
import { pmmlDoc } from './testing/pmml-doc.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../../test/fixtures/pmml/${name}`, import.meta.url));

const enc = (s: string) => new TextEncoder().encode(s);

async function spec(path: string, config: Record<string, unknown> = {}): Promise<RuntimeSpec> {
  const bytes = await readFile(path);
  return {
    name: 't',
    version: 1,
    artifact: { path, sha256: 'x', size: bytes.byteLength, filename: path.split('/').pop()! },
    pool: 'cpu',
    config,
  };
}

async function failure(p: Promise<unknown>): Promise<SlipwayError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SlipwayError);
  return e as SlipwayError;
}

describe('pmmlRuntimeFactory', () => {
  it('detects .pmml files, and .xml or unnamed files that hold a PMML element', () => {
    const pmml = enc(
      '<?xml version="1.0"?>\n<!-- exported -->\n<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">',
    );
    expect(pmmlRuntimeFactory.detect({ head: pmml, filename: 'model.PMML' })).toBe(true);
    expect(pmmlRuntimeFactory.detect({ head: pmml, filename: 'model.xml' })).toBe(true);
    expect(pmmlRuntimeFactory.detect({ head: pmml })).toBe(true);
    expect(pmmlRuntimeFactory.detect({ head: enc('<pom><project/>'), filename: 'pom.xml' })).toBe(
      false,
    );
    expect(pmmlRuntimeFactory.detect({ head: pmml, filename: 'model.onnx' })).toBe(false);
    expect(pmmlRuntimeFactory.detect({ head: Uint8Array.from([8, 7, 18]) })).toBe(false);
  });
});

describe('PmmlRuntime', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'slipway-pmml-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('loads, predicts a batch, unloads and loads again on the next call', async () => {
    const expected = JSON.parse(await readFile(fixture('s2p_logistic.expected.json'), 'utf8'));
    const rt = pmmlRuntimeFactory.create(await spec(fixture('s2p_logistic.pmml')));
    await rt.load();
    await rt.load();
    expect(
      rt
        .signature()
        .inputs.map((f) => f.name)
        .sort(),
    ).toEqual(['age', 'city', 'income', 'plan']);
    const out = (await rt.predict(expected.records, { requestId: 'r' })) as Record<
      string,
      unknown
    >[];
    expect(out).toHaveLength(expected.records.length);
    expect(out[0]!.outcome).toBe(expected.predictions[0].outcome);
    await rt.unload();
    await rt.unload();
    const [again] = (await rt.predict([expected.records[1]], { requestId: 'r2' })) as Record<
      string,
      unknown
    >[];
    expect(again!.outcome).toBe(expected.predictions[1].outcome);
    expect(rt.warnings!()).toEqual([]);
  });

  it('answers 400 naming the field for an invalid value under returnInvalid', async () => {
    const path = join(tmp, 'strict.pmml');
    await writeFile(
      path,
      pmmlDoc(`<DataDictionary>
        <DataField name="color" optype="categorical" dataType="string"><Value value="red"/><Value value="green"/></DataField>
        <DataField name="y" optype="continuous" dataType="double"/></DataDictionary>
      <RegressionModel functionName="regression">
        <MiningSchema><MiningField name="y" usageType="target"/><MiningField name="color" invalidValueTreatment="returnInvalid"/></MiningSchema>
        <RegressionTable intercept="1"><CategoricalPredictor name="color" value="red" coefficient="2"/></RegressionTable>
      </RegressionModel>`),
    );
    const rt = pmmlRuntimeFactory.create(await spec(path));
    await rt.load();
    expect(rt.signature().inputs).toEqual([
      { name: 'color', type: 'string', shape: [], values: ['red', 'green'], nullable: true },
    ]);
    expect(await rt.predict([{ color: 'red' }], { requestId: 'ok' })).toEqual([{ y: 3 }]);
    const err = await failure(
      rt.predict([{ color: 'red' }, { color: 'purple' }], { requestId: 'bad' }),
    );
    expect(err.status).toBe(400);
    expect(err.field).toBe('color');
  });

  it('refuses at load a document over config.maxBytes (422), or a bad config (400)', async () => {
    const big = pmmlRuntimeFactory.create(
      await spec(fixture('s2p_logistic.pmml'), { maxBytes: 100 }),
    );
    const err = await failure(big.load());
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/limit of 100 \(config\.maxBytes\)/);
    const bad = pmmlRuntimeFactory.create(
      await spec(fixture('s2p_logistic.pmml'), { maxDepth: 'deep' }),
    );
    const badErr = await failure(bad.load());
    expect(badErr.status).toBe(400);
    expect(badErr.field).toBe('config.maxDepth');
  });

  it('refuses at load an unsupported model, naming it', async () => {
    const path = join(tmp, 'sequences.pmml');
    await writeFile(
      path,
      pmmlDoc(`<DataDictionary><DataField name="x" optype="continuous" dataType="double"/></DataDictionary>
        <SequenceModel functionName="sequences"><MiningSchema><MiningField name="x"/></MiningSchema></SequenceModel>`),
    );
    const err = await failure(pmmlRuntimeFactory.create(await spec(path)).load());
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/SequenceModel is not supported/);
  });

  it('gives up a long batch once its timeout has passed', async () => {
    const rt = pmmlRuntimeFactory.create(await spec(fixture('s2p_gbm_regressor_100.pmml')));
    const records = Array.from({ length: 2000 }, () => ({
      area: 100,
      rooms: 3,
      year: 1990,
      district: 'north',
    }));
    const err = await failure(rt.predict(records, { requestId: 'late', timeoutMs: 0 }));
    expect(err.status).toBe(504);
  });

  it('scores a large call on its own thread, leaving the event loop free, as it scores small ones', async () => {
    const rt = pmmlRuntimeFactory.create(await spec(fixture('s2p_gbm_regressor_100.pmml')));
    const { records } = JSON.parse(
      await readFile(fixture('s2p_gbm_regressor_100.expected.json'), 'utf8'),
    ) as { records: Record<string, unknown>[] };
    const many = Array.from(
      { length: OFF_THREAD_RECORDS * 4 },
      (_, i) => records[i % records.length]!,
    );
    const alone = await Promise.all(
      records.map((r, i) => rt.predict([r], { requestId: `one${i}` })),
    );
    // A timer set as the call starts: inline scoring would hold the loop until it is done.
    let ticked = false;
    setTimeout(() => (ticked = true), 0);
    const large = rt.predict(many, { requestId: 'many' }).then((out) => ({ out, ticked }));
    const { out, ticked: tickedFirst } = await large;
    expect(tickedFirst).toBe(true);
    expect(out).toEqual(many.map((_, i) => alone[i % records.length]![0]));
    // Past its time, the thread is ended; the next large call starts another.
    // (Twenty thousand records: scoring them takes far longer than the timer of 0 ms.)
    const lots = Array.from({ length: 20_000 }, (_, i) => records[i % records.length]!);
    expect((await failure(rt.predict(lots, { requestId: 'late', timeoutMs: 0 }))).status).toBe(504);
    expect(await rt.predict(many, { requestId: 'again' })).toEqual(out);
    await rt.unload();
  });
});
