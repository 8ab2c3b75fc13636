import type { MonitoredFeature } from '../monitoring/features.js';
import type { Row, TableFormat } from '../monitoring/tables/index.js';
import type { FieldSpec, RecordValue, Signature } from '../protocol/signature.js';
import {
  pack,
  unpack,
  type PackedTensor,
  type PackedTensors,
} from '../runtimes/onnx/packed-tensors.js';
import type { InputPlan } from '../runtimes/onnx/tensors.js';
import { FLOAT32_MAX } from '../validation/validate-records.js';
import { DECIMAL, needed } from './job-rows.js';
import { readNumberList } from './number-list-cell.js';
import type { RollupColumn } from './job-rollups.js';

/**
 * A CSV chunk's columns made straight from its cells, for a model whose inputs are all single
 * numbers (float64) or texts (a PMML model's), or lists of a fixed number of floats (an ONNX
 * model's vector input, a cell holding a JSON list such as `[5.1,3.5,1.4,0.2]`): the same
 * tensors the job's records, validated and stacked, would make (`recordMaker`, the version's
 * validator, `stackInput`), without an object per row. It takes only cells whose reading is
 * certain: a decimal number, a text (one of the allowed values, where the field has them), an
 * empty cell where the field takes a missing value or has a default, a JSON list of as many
 * JSON numbers as the field's shape holds, each within the field's type. A chunk with any other
 * cell answers undefined and goes the usual way, where validation judges each row and names
 * what it refuses.
 */
export type ColumnStacker = (rows: readonly Row[]) => ColumnChunk | undefined;

/** A chunk made as columns. */
export interface ColumnChunk {
  /** The tensors the model takes (moved to the thread that scores them). */
  feeds: PackedTensors;
  /**
   * The records' values as columns, in bytes of their own (kept on the job's thread): a number
   * or text column as its feed, a vector's numbers as float64, as the cells read (the feed of a
   * float32 vector holds them rounded), dims `[rows, width]`.
   */
  values: PackedTensors;
}

/** How one input's cells are read. */
type ColumnField = ScalarField | VectorField;

interface VectorField {
  name: string;
  type: 'vector';
  /** The tensor's element type. */
  element: 'float32' | 'float64';
  /** Numbers in each cell's list. */
  width: number;
}

interface ScalarField {
  name: string;
  type: 'float64' | 'string';
  /** The allowed texts (undefined: any text). */
  allowed: Set<unknown> | undefined;
  /** An empty cell: the value it stands for (null: missing), or 'refused' when it does not. */
  empty: number | string | null | 'refused';
}

/**
 * A list of a fixed number of floats (shape `[width]`, the field's tensor the same), which a
 * CSV cell holds as JSON; undefined for any other field.
 */
function vectorField(f: FieldSpec, input: InputPlan): VectorField | undefined {
  const width = input.width;
  if (width === undefined || width < 2 || input.dims?.length !== 1 || input.dims[0] !== width)
    return undefined;
  if (!Array.isArray(f.shape) || f.shape.length !== 1 || f.shape[0] !== width) return undefined;
  if (f.type !== 'float32' && f.type !== 'float64') return undefined;
  if (input.tensorType !== f.type || (f.values && f.values.length > 0)) return undefined;
  // A cell left empty is a missing value only where validation says so: left to the records.
  if (!needed(f)) return undefined;
  return { name: f.name, type: 'vector', element: f.type, width };
}

/** How a field's cells are read; undefined for a field the stacker does not take. */
function columnField(f: FieldSpec, input: InputPlan | undefined): ColumnField | undefined {
  if (!input || f.name in Object.prototype) return undefined;
  if (input.width !== 1 || input.dims?.length !== 0) return vectorField(f, input);
  if (!Array.isArray(f.shape) || f.shape.length !== 0) return undefined;
  if (f.type !== 'float64' && f.type !== 'string') return undefined;
  if (input.tensorType !== f.type) return undefined;
  const values = f.values && f.values.length > 0 ? f.values : undefined;
  // A number field with allowed values is a category to the monitor: left to the records.
  if (values && f.type !== 'string') return undefined;
  let empty: ScalarField['empty'];
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
 * them is not a single float64 or text or a fixed-length list of floats, or the input is not
 * CSV (whose cells are all text).
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
    const feeds: PackedTensors = {};
    const values: PackedTensors = {};
    for (const field of fields) {
      const made = field.type === 'vector' ? vectorColumn(field, rows) : scalarColumn(field, rows);
      if (!made) return undefined;
      [feeds[field.name], values[field.name]] = made;
    }
    return { feeds, values };
  };
}

/** A column's feed and its values (bytes of their own), or undefined for a cell not taken. */
type MadeColumn = [feed: PackedTensor, values: PackedTensor];

function scalarColumn(
  { name, type, allowed, empty }: ScalarField,
  rows: readonly Row[],
): MadeColumn | undefined {
  const n = rows.length;
  let feed: PackedTensor;
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
    feed = pack({ type, dims: [n], data });
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
    feed = pack({ type, dims: [n], data });
  }
  // The feed moves to the thread that scores it; the chunk keeps a copy.
  return [feed, { ...feed, bytes: feed.bytes.slice() }];
}

function vectorColumn(
  { name, element, width }: VectorField,
  rows: readonly Row[],
): MadeColumn | undefined {
  const n = rows.length;
  const numbers = new Float64Array(n * width);
  for (let r = 0, at = 0; r < n; r++) {
    const cell = rows[r]![name];
    if (typeof cell !== 'string' || !readNumberList(cell, width, numbers, at)) return undefined;
    for (const end = at + width; at < end; at++) {
      const x = numbers[at]!;
      // Beyond float32, validation refuses the row (and names it); 1e999 reads as Infinity.
      if (element === 'float32' ? !(Math.abs(x) <= FLOAT32_MAX) : !Number.isFinite(x))
        return undefined;
    }
  }
  const dims = [n, width];
  const values = pack({ type: 'float64', dims, data: numbers });
  const feed =
    element === 'float32'
      ? pack({ type: element, dims, data: Float32Array.from(numbers) })
      : { ...values, bytes: values.bytes.slice() };
  return [feed, values];
}

/**
 * The records the columns' values (`ColumnChunk.values`) were made from, as validation passed
 * them: a missing value as null, or left out where the field may be left out (and has no
 * default); a vector as a list of its numbers.
 */
export function recordsOfColumns(
  signature: Signature,
  columns: PackedTensors,
  n: number,
): RecordValue[] {
  const records = new Array<RecordValue>(n);
  for (let r = 0; r < n; r++) records[r] = {};
  for (const f of signature.inputs) {
    const column = unpack(columns[f.name]!, f.name);
    const data = column.data as ArrayLike<unknown>;
    if (column.dims.length === 2) {
      const width = column.dims[1]!;
      const numbers = data as Float64Array;
      for (let r = 0; r < n; r++)
        records[r]![f.name] = Array.from(numbers.subarray(r * width, (r + 1) * width));
      continue;
    }
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
 * The watched features of the columns' values for the drift rollups, as `chunkRollup` makes
 * them from the records' values: a number column as it is (NaN: missing), a text column as its
 * codes, a vector's i-th numbers as the feature `name[i]`. Each feature of such a model is one
 * of its inputs, or an element of one, by name.
 */
export function rollupOfColumns(
  features: readonly MonitoredFeature[],
  columns: PackedTensors,
): RollupColumn[] {
  const elements = new Map<string, { numbers: Float64Array; width: number; i: number }>();
  for (const name in columns) {
    const t = columns[name]!;
    if (t.dims.length !== 2) continue;
    const numbers = unpack(t, name).data as Float64Array;
    for (let i = 0; i < t.dims[1]!; i++)
      elements.set(`${name}[${i}]`, { numbers, width: t.dims[1]!, i });
  }
  // Copies: the rollup's bytes move to the main thread, the chunk keeps its columns.
  return features.map((f): RollupColumn => {
    const element = elements.get(f.name);
    if (element) {
      const { numbers, width, i } = element;
      const values = new Float64Array(numbers.length / width);
      for (let r = 0; r < values.length; r++) values[r] = numbers[r * width + i]!;
      return { name: f.name, kind: 'numeric', values };
    }
    const t = columns[f.name]!;
    return f.kind === 'numeric'
      ? { name: f.name, kind: 'numeric', values: (unpack(t, f.name).data as Float64Array).slice() }
      : { name: f.name, kind: 'categorical', values: { ...t, bytes: t.bytes.slice() } };
  });
}
