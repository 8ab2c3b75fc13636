import { readFile } from 'node:fs/promises';
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
} from '../runtimes/onnx/packed-tensors.js';
import { stackInput } from '../runtimes/onnx/tensors.js';
import { compilePmml } from '../runtimes/pmml/document.js';
import { pmmlTensorPlan } from '../runtimes/pmml/pmml-tensors.js';
import { compileValidator } from '../validation/validate-records.js';
import { columnStacker, keptColumns, recordsOfColumns, rollupOfColumns } from './column-chunks.js';
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
function byRecords(sig: Signature, rows: Row[]) {
  const plan = pmmlTensorPlan(sig)!;
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

describe("a CSV chunk's columns made from its cells", () => {
  const stacker = columnStacker(signature, inputPlans(pmmlTensorPlan(signature)!), 'csv')!;
  const features = monitoredFeatures(signature);

  it('are the columns, records and drift values that validation and stacking make, or none when a row is refused', () => {
    const next = random(7);
    let taken = 0;
    let left = 0;
    for (let chunk = 0; chunk < 4000; chunk++) {
      const rows: Row[] = Array.from({ length: 1 + Math.floor(next() * 6) }, () => ({
        id: 'r',
        area: pick(next, NUMBER_CELLS, 11),
        rooms: pick(next, NUMBER_CELLS, 11),
        year: pick(next, [...NUMBER_CELLS.slice(0, 11), null], 12),
        district: pick(next, TEXT_CELLS, 4),
        owner: pick(next, TEXT_CELLS, 6),
        note: pick(next, TEXT_CELLS, 9),
      }));
      const usual = byRecords(signature, rows);
      const columns = stacker(rows);
      if (!columns) {
        left++;
        continue;
      }
      taken++;
      // Never a chunk where validation refuses a row: that row is named the usual way.
      expect(usual.rejected, JSON.stringify(rows)).toEqual([]);
      for (const name of Object.keys(usual.feeds))
        expect(plain(columns[name]!), `${name} of ${JSON.stringify(rows)}`).toEqual(
          plain(usual.feeds[name]!),
        );
      const kept = keptColumns(columns);
      expect(recordsOfColumns(signature, kept, rows.length)).toStrictEqual(usual.passed);
      expect(rollupOfColumns(features, kept)).toEqual(
        chunkRollup(
          watchedColumns(usual.passed, features, null, () => []),
          0,
        ).columns,
      );
    }
    // Both ways were taken often: the check is not of one of them only.
    expect(taken).toBeGreaterThan(400);
    expect(left).toBeGreaterThan(400);
  });

  it('keep their bytes when the chunk and its drift values move to the main thread', () => {
    const columns = stacker([{ area: '1', rooms: null, year: '2', district: 'east', owner: 'o' }])!;
    const kept = keptColumns(columns);
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
    expect(columnStacker(gbm, plan, 'csv')?.(rows)).toEqual(byRecords(gbm, rows).feeds);
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
