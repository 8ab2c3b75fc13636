import type { MonitoredFeature } from '../monitoring/features.js';
import type { Row, TableFormat } from '../monitoring/tables/index.js';
import type { FieldSpec, RecordValue, Signature } from '../protocol/signature.js';
import { pack, unpack, type PackedTensors } from '../runtimes/onnx/packed-tensors.js';
import type { InputPlan } from '../runtimes/onnx/tensors.js';
import { DECIMAL, needed } from './job-rows.js';
import type { RollupColumn } from './job-rollups.js';

/**
 * A CSV chunk's columns made straight from its cells, for a model whose inputs are all single
 * numbers (float64) or texts (a PMML model's): the same columns the job's records, validated
 * and stacked, would make (`recordMaker`, the version's validator, `stackInput`), without an
 * object per row. It takes only cells whose reading is certain: a decimal number, a text (one
 * of the allowed values, where the field has them), an empty cell where the field takes a
 * missing value or has a default. A chunk with any other cell answers undefined and goes the
 * usual way, where validation judges each row and names what it refuses.
 */
export type ColumnStacker = (rows: readonly Row[]) => PackedTensors | undefined;

/** How one input's cells are read. */
interface ColumnField {
  name: string;
  type: 'float64' | 'string';
  /** The allowed texts (undefined: any text). */
  allowed: Set<unknown> | undefined;
  /** An empty cell: the value it stands for (null: missing), or 'refused' when it does not. */
  empty: number | string | null | 'refused';
}

/** How a field's cells are read; undefined for a field the stacker does not take. */
function columnField(f: FieldSpec, input: InputPlan | undefined): ColumnField | undefined {
  if (!input || input.width !== 1 || input.dims?.length !== 0) return undefined;
  if (!Array.isArray(f.shape) || f.shape.length !== 0 || f.name in Object.prototype)
    return undefined;
  if (f.type !== 'float64' && f.type !== 'string') return undefined;
  if (input.tensorType !== f.type) return undefined;
  const values = f.values && f.values.length > 0 ? f.values : undefined;
  // A number field with allowed values is a category to the monitor: left to the records.
  if (values && f.type !== 'string') return undefined;
  let empty: ColumnField['empty'];
  if (f.required === false) {
    // Left out: the validator fills the default in, if the field has one.
    if (f.default === undefined) empty = null;
    else if (
      f.type === 'string' ? typeof f.default === 'string' : Number.isFinite(f.default as number)
    )
      empty = f.default as number | string;
    else return undefined;
  } else if (f.default !== undefined) empty = 'refused';
  // A null: a float field's missing value; a text field's only when it is nullable.
  else empty = f.type === 'float64' || f.nullable === true ? null : 'refused';
  return { name: f.name, type: f.type, allowed: values && new Set(values), empty };
}

/**
 * The stacker for a model's inputs (`inputs`: its tensor plan's), or undefined when one of
 * them is not a single float64 or text, or the input is not CSV (whose cells are all text).
 */
export function columnStacker(
  signature: Signature,
  inputs: readonly InputPlan[],
  format: TableFormat,
): ColumnStacker | undefined {
  if (format !== 'csv' || inputs.length !== signature.inputs.length) return undefined;
  const fields: ColumnField[] = [];
  for (const f of signature.inputs) {
    const field = columnField(
      f,
      inputs.find((i) => i.name === f.name),
    );
    if (!field) return undefined;
    fields.push(field);
  }
  return (rows) => {
    const n = rows.length;
    const feeds: PackedTensors = {};
    for (const { name, type, allowed, empty } of fields) {
      if (type === 'float64') {
        const data = new Float64Array(n);
        for (let r = 0; r < n; r++) {
          const cell = rows[r]![name];
          if (cell === null || cell === undefined) {
            if (empty === 'refused') return undefined;
            data[r] = empty === null ? NaN : (empty as number);
            continue;
          }
          if (typeof cell !== 'string') return undefined;
          const text = cell.trim();
          if (!DECIMAL.test(text)) return undefined;
          data[r] = Number(text);
        }
        feeds[name] = pack({ type, dims: [n], data });
      } else {
        const data = new Array<unknown>(n);
        for (let r = 0; r < n; r++) {
          const cell = rows[r]![name];
          if (cell === null || cell === undefined) {
            if (empty === 'refused') return undefined;
            data[r] = empty;
            continue;
          }
          if (typeof cell !== 'string' || (allowed && !allowed.has(cell))) return undefined;
          data[r] = cell;
        }
        feeds[name] = pack({ type, dims: [n], data });
      }
    }
    return feeds;
  };
}

/** The columns as bytes of their own (the chunk's feeds move to the scoring thread). */
export function keptColumns(feeds: PackedTensors): PackedTensors {
  const kept: PackedTensors = {};
  for (const name in feeds) {
    const t = feeds[name]!;
    kept[name] = { ...t, bytes: t.bytes.slice() };
  }
  return kept;
}

/**
 * The records the columns were made from, as validation passed them: a missing value as null,
 * or left out where the field may be left out (and has no default).
 */
export function recordsOfColumns(
  signature: Signature,
  columns: PackedTensors,
  n: number,
): RecordValue[] {
  const records = new Array<RecordValue>(n);
  for (let r = 0; r < n; r++) records[r] = {};
  for (const f of signature.inputs) {
    const data = unpack(columns[f.name]!, f.name).data as ArrayLike<unknown>;
    const omitted = !needed(f);
    for (let r = 0; r < n; r++) {
      const v = data[r];
      const missing = v === null || v !== v;
      if (!missing) records[r]![f.name] = v;
      else if (!omitted) records[r]![f.name] = null;
    }
  }
  return records;
}

/**
 * The watched features of the columns for the drift rollups, as `chunkRollup` makes them from
 * the records' values: a number column as it is (NaN: missing), a text column as its codes.
 * Each feature of such a model is one of its inputs, by name.
 */
export function rollupOfColumns(
  features: readonly MonitoredFeature[],
  columns: PackedTensors,
): RollupColumn[] {
  // Copies: the rollup's bytes move to the main thread, the chunk keeps its columns.
  return features.map((f): RollupColumn => {
    const t = columns[f.name]!;
    return f.kind === 'numeric'
      ? { name: f.name, kind: 'numeric', values: (unpack(t, f.name).data as Float64Array).slice() }
      : { name: f.name, kind: 'categorical', values: { ...t, bytes: t.bytes.slice() } };
  });
}
