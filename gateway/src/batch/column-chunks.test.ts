import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { validateEach } from '../data-plane/validate-each.js';
import { monitoredFeatures, watchedColumns } from '../monitoring/features.js';
import type { Row } from '../monitoring/tables/index.js';
import type { FieldSpec, Signature } from '../protocol/signature.js';
import {
  inputPlans,
  pack,
  type PackedTensor,
  type PackedTensors,
  type TensorPlan,
} from '../runtimes/onnx/packed-tensors.js';
import { planModel } from '../runtimes/onnx/onnx-signature.js';
import { tensorPlanOf } from '../runtimes/onnx/packed-tensors.js';
import { prepareModel } from '../runtimes/onnx/prepare-model.js';
import { stackInput } from '../runtimes/onnx/tensors.js';
import { compilePmml } from '../runtimes/pmml/document.js';
import { pmmlTensorPlan } from '../runtimes/pmml/pmml-tensors.js';
import { compileValidator } from '../validation/validate-records.js';
import { columnStacker, recordsOfColumns, rollupOfColumns } from './column-chunks.js';
import { chunkRollup } from './job-rollups.js';
import { recordMaker } from './job-rows.js';

/** Every way a number or text field of a PMML model may be declared. */
const signature: Signature = {
  inputs: [
    { name: 'area', type: 'float64', shape: [] },
    { name: 'rooms', type: 'float64', shape: [], required: false, default: 2.5 },
    { name: 'year', type: 'float64', shape: [], required: false },
    {
      name: 'district',
      type: 'string',
      shape: [],
      values: ['east', 'north', 'south'],
      nullable: true,
    },
    { name: 'owner', type: 'string', shape: [] },
    { name: 'note', type: 'string', shape: [], required: false, default: 'none' },
  ],
  outputs: [{ name: 'price', type: 'float64', shape: [] }],
};

/** Cells as a CSV reader gives them (null: an empty cell), the hard ones among them. */
const NUMBER_CELLS = [
  ...['1', '41.5', ' 2.5 ', '-0', '.5', '5.', '+3', '1e3', '-1E-2', '1e999', '007'],
  ...[null, '', ' ', 'x', '0x10', 'Infinity', 'NaN', '1,5', '1_000', '1e', '--1'],
];
const TEXT_CELLS = ['east', 'north', 'south', 'x y', '007', 'East', ' east', '', null];

/** A seeded generator (the same chunks every run). */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const pick = <T>(next: () => number, items: readonly T[], clean: number) =>
  // Mostly cells that read (the first few), so that many chunks are clean throughout.
  items[Math.floor(next() < 0.9 ? next() * clean : next() * items.length)]!;

/** What a job's chunk makes of rows the usual way: records, validation, stacking. */
function byRecords(sig: Signature, rows: Row[], plan: TensorPlan = pmmlTensorPlan(sig)!) {
  const records = rows.map(recordMaker(sig, 'csv'));
  const { passed, rejected } = validateEach(
    compileValidator(sig, { unknownFields: 'ignore' }),
    records,
  );
  const feeds: PackedTensors = {};
  if (rejected.length === 0)
    for (const input of inputPlans(plan)) feeds[input.name] = pack(stackInput(input, passed));
  return { passed, rejected, feeds };
}

const plain = (t: PackedTensor) => ({ ...t, bytes: [...t.bytes] });

/**
 * Makes `chunks` chunks of rows (`rowsOf`) as columns and the usual way: each chunk taken as
 * columns has the feeds, the records made again from its values and the drift values of
 * validation and stacking, and no row of it refused; both ways are taken often (the check is
 * not of one of them only).
 */
function expectSameAsRecords(
  sig: Signature,
  plan: TensorPlan,
  chunks: number,
  rowsOf: () => Row[],
) {
  const stacker = columnStacker(sig, inputPlans(plan), 'csv')!;
  const features = monitoredFeatures(sig);
  let taken = 0;
  for (let chunk = 0; chunk < chunks; chunk++) {
    const rows = rowsOf();
    const usual = byRecords(sig, rows, plan);
    const made = stacker(rows);
    if (!made) continue;
    taken++;
    // Never a chunk where validation refuses a row: that row is named the usual way.
    expect(usual.rejected, JSON.stringify(rows)).toEqual([]);
    for (const name of Object.keys(usual.feeds))
      expect(plain(made.feeds[name]!), `${name} of ${JSON.stringify(rows)}`).toEqual(
        plain(usual.feeds[name]!),
      );
    expect(recordsOfColumns(sig, made.values, rows.length)).toStrictEqual(usual.passed);
    expect(rollupOfColumns(features, made.values)).toEqual(
      chunkRollup(
        watchedColumns(usual.passed, features, null, () => []),
        0,
      ).columns,
    );
  }
  expect(taken).toBeGreaterThan(400);
  expect(chunks - taken).toBeGreaterThan(400);
}

describe("a CSV chunk's columns made from its cells", () => {
  const stacker = columnStacker(signature, inputPlans(pmmlTensorPlan(signature)!), 'csv')!;
  const features = monitoredFeatures(signature);

  it('are the columns, records and drift values that validation and stacking make, or none when a row is refused', () => {
    const next = random(7);
    expectSameAsRecords(signature, pmmlTensorPlan(signature)!, 4000, () =>
      Array.from({ length: 1 + Math.floor(next() * 6) }, () => ({
        id: 'r',
        area: pick(next, NUMBER_CELLS, 11),
        rooms: pick(next, NUMBER_CELLS, 11),
        year: pick(next, [...NUMBER_CELLS.slice(0, 11), null], 12),
        district: pick(next, TEXT_CELLS, 4),
        owner: pick(next, TEXT_CELLS, 6),
        note: pick(next, TEXT_CELLS, 9),
      })),
    );
  });

  it('keep their bytes when the chunk and its drift values move to the main thread', () => {
    const { feeds: columns, values: kept } = stacker([
      { area: '1', rooms: null, year: '2', district: 'east', owner: 'o' },
    ])!;
    const moved = (buffers: ArrayBufferLike[]) =>
      structuredClone(null, { transfer: buffers as ArrayBuffer[] });
    moved(Object.values(columns).map((t) => t.bytes.buffer));
    expect(columns.area!.bytes.byteLength).toBe(0);
    const rollup = rollupOfColumns(features, kept);
    moved(rollup.map((c) => (c.kind === 'numeric' ? c.values.buffer : c.values.bytes.buffer)));
    // The chunk can still be scored by records (the model refused its columns).
    expect(recordsOfColumns(signature, kept, 1)).toEqual([
      { area: 1, rooms: 2.5, year: 2, district: 'east', owner: 'o', note: 'none' },
    ]);
  });

  it("are made for a PMML model's numbers and texts (sklearn2pmml's GBM)", async () => {
    const bytes = await readFile(
      new URL('../../test/fixtures/pmml/s2p_gbm_regressor_100.pmml', import.meta.url),
    );
    const { signature: gbm } = compilePmml(bytes);
    const plan = inputPlans(pmmlTensorPlan(gbm)!);
    const rows = [{ area: '90.5', rooms: '3', year: null, district: 'north' }];
    expect(columnStacker(gbm, plan, 'csv')?.(rows)?.feeds).toEqual(byRecords(gbm, rows).feeds);
  });

  it('are not made for other inputs: JSON lines, or a field that is not a single number or text', () => {
    const plan = inputPlans(pmmlTensorPlan(signature)!);
    expect(columnStacker(signature, plan, 'jsonl')).toBeUndefined();
    const other = (change: Partial<FieldSpec>) => {
      const sig = { ...signature, inputs: [{ ...signature.inputs[0]!, ...change }] };
      return columnStacker(
        sig,
        inputPlans(pmmlTensorPlan(sig) ?? { inputs: [], outputs: [] }),
        'csv',
      );
    };
    expect(other({})).toBeDefined();
    expect(other({ type: 'int64' })).toBeUndefined();
    expect(other({ type: 'bool' })).toBeUndefined();
    expect(other({ shape: [1] })).toBeUndefined();
    // A number with allowed values is a category to the monitor.
    expect(other({ values: [1, 2] })).toBeUndefined();
    // A default that is not the field's type, and a default on a field that may not be left out.
    expect(other({ required: false, default: 'x' })).toBeUndefined();
    const withDefault = other({ default: 1 })!;
    expect(withDefault([{ area: null }])).toBeUndefined();
    expect(withDefault([{ area: '2' }])).toBeDefined();
  });
});

/** A list's items as a cell may hold them: JSON numbers, the hard ones among them, then others. */
const ITEMS = [
  ...['5.1', '-0', '0', '1e3', '-1E-2', '2e+2', '123456789.123', '1e-50', '3.4028234663852886e38'],
  ...['+1', '.5', '5.', '01', '1e39', '-1e39', '1e999', 'NaN', 'Infinity', '0x10', 'null', '"4"'],
  ...['3.4028235e38', '- 1', '1 2', '', 'true'],
];
/** Around an item: JSON's white space, and what `trim` takes but JSON does not. */
const SPACES = ['', ' ', '\t', '\n', '\r\n', '\u00a0'];
/** Whole cells that are not a list of four items. */
const OTHER_CELLS = [null, '', ' ', '[1,2,3]', '[1,2,3,4,5]', '[[1,2,3,4]]', '1', '[1,2,3,4]x'];
const MORE_CELLS = ['[1,2,3,4,]', '[,1,2,3]', '[1;2;3;4]', '{"0":1}', '\u00a0[1,2,3,4] '];

/** A cell of a list of four items (or another cell), mostly one that reads. */
function listCell(next: () => number): Row[string] {
  if (next() < 0.05) return pick(next, [...OTHER_CELLS, ...MORE_CELLS], 0);
  const space = () => (next() < 0.8 ? '' : pick(next, SPACES, 5));
  const items = Array.from(
    { length: 4 },
    () => `${space()}${next() < 0.97 ? pick(next, ITEMS, 9) : pick(next, ITEMS, 0)}${space()}`,
  );
  return `${next() < 0.9 ? '' : pick(next, SPACES, 0)}[${items.join(',')}]`;
}

describe("a CSV chunk's vector columns made from its cells (a JSON list a row)", () => {
  it.each(['float32', 'float64'] as const)(
    'are the %s tensor, records and drift values that validation and stacking make, or none when a row is refused',
    (type) => {
      const sig: Signature = {
        inputs: [{ name: 'X', type, shape: [4] }],
        outputs: [{ name: 'y', type: 'float32', shape: [] }],
      };
      const plan: TensorPlan = {
        inputs: [{ name: 'X', tensorType: type, dims: [4], width: 4 }],
        outputs: [],
      };
      expect(monitoredFeatures(sig).map((f) => f.name)).toEqual(['X[0]', 'X[1]', 'X[2]', 'X[3]']);
      const next = random(11);
      expectSameAsRecords(sig, plan, 3000, () =>
        Array.from({ length: 1 + Math.floor(next() * 4) }, () => ({ id: 'r', X: listCell(next) })),
      );
    },
  );

  it('keep the numbers as the cells read them, the feed of a float32 vector rounded', () => {
    const sig: Signature = { inputs: [{ name: 'X', type: 'float32', shape: [2] }], outputs: [] };
    const plan: TensorPlan = {
      inputs: [{ name: 'X', tensorType: 'float32', dims: [2], width: 2 }],
      outputs: [],
    };
    const { feeds, values } = columnStacker(sig, inputPlans(plan), 'csv')!([{ X: '[0.1, 2]' }])!;
    expect([...new Float32Array(feeds.X!.bytes.slice().buffer)]).toEqual([Math.fround(0.1), 2]);
    expect(recordsOfColumns(sig, values, 1)).toEqual([{ X: [0.1, 2] }]);
  });

  it("are made for the iris ONNX model's input of four floats, and not for other shapes", async () => {
    const model = async (name: string) => {
      const prepared = await prepareModel(
        await readFile(new URL(`../../test/fixtures/onnx/${name}.onnx`, import.meta.url)),
      );
      const session = await ort.InferenceSession.create(prepared.bytes);
      const plan = planModel(session, prepared.labels);
      await session.release();
      return columnStacker(plan.signature, inputPlans(tensorPlanOf(plan)!), 'csv');
    };
    const iris = (await model('classifier_zipmap'))!;
    expect(iris([{ X: '[5.1,3.5,1.4,0.2]' }])?.feeds.X!.dims).toEqual([1, 4]);
    // An image of 28 × 28 a row: left to the records.
    expect(await model('image_grey')).toBeUndefined();
    const other = (shape: FieldSpec['shape'], dims: (number | null)[], width?: number) =>
      columnStacker(
        { inputs: [{ name: 'X', type: 'float32', shape }], outputs: [] },
        inputPlans({ inputs: [{ name: 'X', tensorType: 'float32', dims, width }], outputs: [] }),
        'csv',
      );
    expect(other([4], [4], 4)).toBeDefined();
    expect(other([null], [null])).toBeUndefined();
    expect(other([2, 2], [2, 2], 4)).toBeUndefined();
    expect(other([1, 4], [1, 4], 4)).toBeUndefined();
    expect(
      columnStacker(
        { inputs: [{ name: 'X', type: 'float32', shape: [4], required: false }], outputs: [] },
        inputPlans({
          inputs: [{ name: 'X', tensorType: 'float32', dims: [4], width: 4 }],
          outputs: [],
        }),
        'csv',
      ),
    ).toBeUndefined();
  });
});
