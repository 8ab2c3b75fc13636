import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.js';
import type { RecordValue } from '../../protocol/signature.js';
import { inputPlans, outputPlans, pack, unpack } from '../onnx/packed-tensors.js';
import { outputValues, stackInput } from '../onnx/tensors.js';
import { columnsOf, pmmlTensorPlan, recordsOf } from './pmml-tensors.js';
import { loadFixture, PMML_FIXTURES } from './testing/pmml-doc.js';

const recordsIn = (name: string) =>
  (
    JSON.parse(readFileSync(`${PMML_FIXTURES}${name}.expected.json`, 'utf8')) as {
      records: RecordValue[];
    }
  ).records;

/**
 * A chunk of `records` the way a batch job sends it (stacked by the plan, packed), scored from
 * its columns, and its answers read back as the job reads them: a prediction object per record.
 */
function scoredAsColumns(name: string, records: RecordValue[]): Record<string, unknown>[] {
  const model = loadFixture(name);
  const plan = pmmlTensorPlan(model.signature)!;
  const feeds = Object.fromEntries(
    inputPlans(plan).map((p) => [p.name, pack(stackInput(p, records))]),
  );
  // They cross threads by structured clone.
  const answers = structuredClone(
    columnsOf(
      plan,
      recordsOf(plan, structuredClone(feeds)).map((r) => model.score(r)),
    ),
  );
  const out = records.map(() => ({}) as Record<string, unknown>);
  for (const p of outputPlans(plan)) {
    const values = outputValues(p, unpack(answers[p.name]!, p.name), records.length);
    if (values.keys) throw new Error('no class keys in a PMML plan');
    out.forEach((o, r) => (o[p.name] = values.value(r)));
  }
  return out;
}

describe('a PMML model as columns', () => {
  it('plans numbers as float64, text and booleans as tables, and no model with a JSON or list field', () => {
    expect(loadFixture('s2p_isolation_forest').signature.outputs.map((o) => o.type)).toEqual([
      'float64',
      'float64',
      'bool',
      'int64',
    ]);
    expect(pmmlTensorPlan(loadFixture('s2p_isolation_forest').signature)?.outputs).toEqual([
      { name: 'prediction', tensorType: 'float64', shape: 'scalar' },
      { name: 'decisionFunction', tensorType: 'float64', shape: 'scalar' },
      { name: 'outlier', tensorType: 'string', shape: 'scalar' },
      { name: 'predict(outlier)', tensorType: 'float64', shape: 'scalar' },
    ]);
    expect(pmmlTensorPlan(loadFixture('s2p_gbm_regressor_100').signature)?.inputs).toEqual([
      { name: 'district', tensorType: 'string', dims: [], width: 1 },
      { name: 'area', tensorType: 'float64', dims: [], width: 1 },
      { name: 'rooms', tensorType: 'float64', dims: [], width: 1 },
      { name: 'year', tensorType: 'float64', dims: [], width: 1 },
    ]);
    // A basket (a list of items) in, JSON out.
    expect(pmmlTensorPlan(loadFixture('hand_association_rules').signature)).toBeUndefined();
    expect(
      pmmlTensorPlan({ inputs: [], outputs: [{ name: 'y', type: 'float64', shape: [] }] }),
    ).toBeUndefined();
    expect(
      pmmlTensorPlan({
        inputs: [{ name: 'x', type: 'float64', shape: [] }],
        outputs: [{ name: 'y', type: 'json' }],
      }),
    ).toBeUndefined();
  });

  it.each([
    's2p_gbm_regressor_100', // text and missing values in (absent, null)
    's2p_gbm_classifier', // a label and probabilities out
    's2p_isolation_forest', // a boolean and an integer out
    'hand_integer_fraction_threshold', // integers in
    'hand_knn_median', // text neighbours out
    'hand_tree_missing_null_prediction', // a null prediction out
  ])('%s: answers from columns what it answers record by record', (name) => {
    const records = recordsIn(name);
    const model = loadFixture(name);
    const direct = records.map((r) => model.score(r));
    expect(JSON.parse(JSON.stringify(scoredAsColumns(name, records)))).toEqual(
      JSON.parse(JSON.stringify(direct)),
    );
  });

  it('reads NaN, null and an absent value alike, as missing', () => {
    const model = loadFixture('s2p_gbm_regressor_100');
    const plan = pmmlTensorPlan(model.signature)!;
    const records: RecordValue[] = [
      { district: 'north', area: 80, rooms: 3 },
      { district: null, area: 80, rooms: 3, year: null },
    ];
    const feeds = Object.fromEntries(
      inputPlans(plan).map((p) => [p.name, pack(stackInput(p, records))]),
    );
    expect(feeds.year!.type).toBe('float64');
    expect(feeds.district!.table).toEqual(['north']);
    expect(recordsOf(plan, feeds)).toEqual([
      { district: 'north', area: 80, rooms: 3, year: null },
      { district: null, area: 80, rooms: 3, year: null },
    ]);
  });

  it('sends a number output that answered text as a table, which reads back as it was', () => {
    const plan = { inputs: [], outputs: [{ name: 'y', tensorType: 'float64', shape: 'scalar' }] };
    const packed = columnsOf(plan as never, [{ y: 1.5 }, { y: 'n/a' }, { y: null }]);
    expect(packed.y!.type).toBe('string');
    const [p] = outputPlans(plan as never);
    const values = outputValues(p!, unpack(packed.y!, 'y'), 3);
    expect([0, 1, 2].map((r) => (values.keys ? undefined : values.value(r)))).toEqual([
      1.5,
      'n/a',
      null,
    ]);
    // All numbers (and nulls): float64, a null as NaN, read back as null.
    const numbers = columnsOf(plan as never, [{ y: 1.5 }, { y: null }]);
    expect(numbers.y!.type).toBe('float64');
    const v = outputValues(p!, unpack(numbers.y!, 'y'), 2);
    expect([0, 1].map((r) => (v.keys ? undefined : v.value(r)))).toEqual([1.5, null]);
  });

  it('refuses columns that are not the plan’s', () => {
    const plan = pmmlTensorPlan(loadFixture('s2p_gbm_regressor_100').signature)!;
    const col = (type: string, data: unknown, n = 2) => pack({ type, dims: [n], data });
    const good = {
      district: col('string', ['a', null]),
      area: col('float64', new Float64Array(2)),
      rooms: col('float64', new Float64Array(2)),
      year: col('float64', new Float64Array(2)),
    };
    expect(recordsOf(plan, good)).toHaveLength(2);
    expect(() => recordsOf(plan, { ...good, year: undefined! })).toThrow(/no column year/);
    expect(() => recordsOf(plan, { ...good, area: col('string', ['1', '2']) })).toThrow(
      InvalidInputError,
    );
    expect(() =>
      recordsOf(plan, { ...good, rooms: col('float64', new Float64Array(3), 3) }),
    ).toThrow(/rooms has 3 rows, not 2/);
  });
});
