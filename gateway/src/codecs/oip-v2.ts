import { InvalidInputError, PredictionFailedError } from '../errors.js';
import type {
  OipDatatype,
  OipInferenceResponse,
  OipModelMetadata,
  OipTensor,
  OipTensorData,
  OipTensorMetadata,
} from '../protocol/oip-v2.js';
import type { FieldSpec, Signature, ValueType } from '../protocol/signature.js';
import type { Prediction } from '../runtimes/types.js';
import { describeField, formatShape, takesScalar } from '../validation/validate-records.js';
import { isObject, putField } from '../validation/put-field.js';
import { walkLeaves } from '../validation/walk-leaves.js';
import { checkBatch } from './records.js';
import type { RequestCodec } from './request-codec.js';

const TO_OIP: Record<ValueType, OipDatatype> = {
  float32: 'FP32',
  float64: 'FP64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  bool: 'BOOL',
  string: 'BYTES',
  // Any JSON value travels as its JSON text.
  json: 'BYTES',
};

type Kind = 'int' | 'float' | 'bool' | 'bytes';

const KIND: Record<OipDatatype, Kind> = {
  BOOL: 'bool',
  UINT8: 'int',
  UINT16: 'int',
  UINT32: 'int',
  UINT64: 'int',
  INT8: 'int',
  INT16: 'int',
  INT32: 'int',
  INT64: 'int',
  FP16: 'float',
  FP32: 'float',
  FP64: 'float',
  BYTES: 'bytes',
};

const DATATYPES = Object.keys(KIND).join(', ');

/** The OIP datatype of a field of this type (what metadata advertises and outputs carry). */
export const oipDatatype = (t: ValueType): OipDatatype => TO_OIP[t];

/**
 * Whether a tensor of `dt` may feed a field of type `t`. Integers feed any numeric field
 * (the validator then checks each value's range); floats feed only float fields, since a
 * float tensor for an integer input is a client mistake more often than not; `json` takes all.
 */
function compatible(dt: OipDatatype, t: ValueType): boolean {
  if (t === 'json' || TO_OIP[t] === dt) return true;
  const want = KIND[TO_OIP[t]];
  const got = KIND[dt];
  return got === 'int' ? want === 'int' || want === 'float' : got === want && want === 'float';
}

const product = (dims: readonly number[]) => {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
};

/**
 * The most dimensions a tensor may have (numpy's limit). Bounds the work of splitting a tensor
 * into rows, which a long shape like `[1, 1, 1, …]` would otherwise make quadratic.
 */
export const MAX_TENSOR_RANK = 64;

/**
 * Row-major elements of possibly nested data; the array itself when it is already flat. Deep
 * nesting costs memory, never the call stack ({@link walkLeaves}).
 */
function flatten(data: unknown[]): unknown[] {
  if (!data.some(Array.isArray)) return data;
  const out: unknown[] = [];
  walkLeaves(data, (x) => void out.push(x));
  return out;
}

/**
 * How many arrays one row of `rowShape` nests into: one for the row, then one per index of
 * every dimension but the last. Counting stops past `cap`, so huge shapes cost nothing.
 */
function arraysPerRow(rowShape: readonly number[], cap: number): number {
  let arrays = 1;
  let level = 1;
  for (let d = 0; d < rowShape.length - 1 && arrays <= cap; d++) {
    level *= rowShape[d]!;
    arrays += level;
  }
  return arrays;
}

/** `flat` (row-major) from `from` as nested arrays of `dims`, whose strides are `strides`. */
function nest(
  flat: unknown[],
  from: number,
  dims: readonly number[],
  strides: readonly number[],
  depth: number,
): unknown {
  const len = dims[depth]!;
  if (depth === dims.length - 1) return flat.slice(from, from + len);
  const step = strides[depth]!;
  const out = new Array<unknown>(len);
  for (let i = 0; i < len; i++) out[i] = nest(flat, from + i * step, dims, strides, depth + 1);
  return out;
}

/** Row-major strides: `strides[d]` elements between two indexes of dimension `d`. */
function stridesOf(dims: readonly number[]): number[] {
  const strides = new Array<number>(dims.length);
  let step = 1;
  for (let d = dims.length - 1; d >= 0; d--) {
    strides[d] = step;
    step *= dims[d]!;
  }
  return strides;
}

/**
 * How one tensor's rows become record values: a bare value where the field's per-record
 * shape is `[]` or `[1]` (the validator's convention), else nested arrays of the tensor's
 * per-record shape, which must fit the field's declared one. `undefined`: they cannot.
 */
function rowLayout(rowShape: readonly number[], field: FieldSpec): 'scalar' | 'nested' | undefined {
  const declared = field.shape;
  if (declared === undefined || field.type === 'json')
    return rowShape.length === 0 ? 'scalar' : 'nested';
  if (rowShape.length === 0) return takesScalar(declared) ? 'scalar' : undefined;
  const oneColumn = declared.length === 0 || (declared.length === 1 && declared[0] === 1);
  if (oneColumn && product(rowShape) === 1) return 'scalar';
  const fits =
    declared.length === rowShape.length &&
    declared.every((d, i) => d === null || d === rowShape[i]);
  return fits ? 'nested' : undefined;
}

/** `[N, 4, -1]`: the tensor shape a field takes, as an error message shows it. */
const tensorShapeText = (declared: readonly (number | null)[]) =>
  `[${['N', ...declared.map((d) => d ?? -1)].join(', ')}]`;

/** An inference request, decoded. */
export interface DecodedOipRequest {
  /** One record per batch row, not yet validated. */
  records: unknown[];
  /** The request's `id`, to echo in the response. */
  requestId?: string;
  /** Output names the client asked for, in its order; absent = all. */
  outputsRequested?: string[];
}

/**
 * An Open Inference Protocol v2 inference request, turned into records (one per batch row).
 * Each input tensor's `shape[0]` is the batch size and must agree across inputs; `data` is
 * row-major, flat or nested, with exactly `product(shape)` elements. Errors name the input.
 */
export function decodeOipRequest(
  body: unknown,
  signature: Signature,
  maxBatch: number,
): DecodedOipRequest {
  if (!isObject(body) || !Array.isArray(body.inputs)) {
    throw new InvalidInputError(
      'expected an inference request: {"inputs": [{"name", "shape", "datatype", "data"}]}',
      'inputs',
    );
  }
  if (body.inputs.length === 0)
    throw new InvalidInputError('inputs: expected at least one input tensor', 'inputs');
  const fields = new Map(signature.inputs.map((f) => [f.name, f]));
  const given = new Set<string>();
  const names: string[] = [];
  const columns: unknown[][] = [];
  let batch = -1;
  for (let i = 0; i < body.inputs.length; i++) {
    const t: unknown = body.inputs[i];
    const at = `inputs[${i}]`;
    if (!isObject(t) || typeof t.name !== 'string')
      throw new InvalidInputError(
        `${at}: expected a tensor {"name", "shape", "datatype", "data"}`,
        at,
      );
    const name = t.name;
    const field = fields.get(name);
    const bad = (what: string) => new InvalidInputError(`${at} (${name}): ${what}`, name);
    if (given.has(name)) throw bad('given twice');
    given.add(name);
    const { shape, datatype, data } = t;
    if (
      !Array.isArray(shape) ||
      shape.length === 0 ||
      !shape.every((d) => Number.isSafeInteger(d) && d >= 0)
    )
      throw bad('shape: expected [batch, ...dims] of non-negative integers');
    if (shape.length > MAX_TENSOR_RANK)
      throw bad(`shape: ${shape.length} dimensions, more than the limit of ${MAX_TENSOR_RANK}`);
    const n = shape[0] as number;
    // Before anything is allocated: a shape like [1e9, 0] has no data to betray it.
    checkBatch(n, maxBatch, name);
    if (batch >= 0 && n !== batch)
      throw bad(`batch size ${n} (shape[0]) differs from the other inputs' ${batch}`);
    batch = n;
    if (typeof datatype !== 'string' || !(datatype in KIND))
      throw bad(`datatype: expected one of ${DATATYPES}, got ${JSON.stringify(datatype)}`);
    if (field && !compatible(datatype as OipDatatype, field.type))
      throw bad(`datatype ${datatype} cannot feed this input: it expects ${TO_OIP[field.type]}`);
    if (isObject(t.parameters) && t.parameters.binary_data_size !== undefined)
      throw bad('binary tensor data is not supported: send the elements in "data" as JSON');
    if (!Array.isArray(data)) throw bad('data: expected an array of elements');
    const flat = flatten(data);
    const rowShape = (shape as number[]).slice(1);
    const count = n * product(rowShape);
    if (flat.length !== count)
      throw bad(`data has ${flat.length} elements; shape ${formatShape(shape)} needs ${count}`);
    // Decoding stays linear in the request: a tensor the model does not take must hold
    // elements, else a few bytes of `"shape": [N, 0]` would set N fields of N records.
    if (!field && count === 0)
      throw bad(
        `holds no elements (shape ${formatShape(shape)}) and the model does not take it; leave it out`,
      );
    // A tensor the model does not take is split into rows by its own shape, so that the
    // validator can ignore (or refuse) it as it does an unknown field of a record.
    const layout = field ? rowLayout(rowShape, field) : rowShape.length === 0 ? 'scalar' : 'nested';
    if (layout === undefined)
      throw bad(
        `expected shape ${tensorShapeText(field!.shape!)} (the batch, then ${describeField(field!)} per record; -1 = any size), got ${formatShape(shape)}`,
      );
    // Nor may a row's arrays outnumber its elements by much where the client chose its shape
    // (an input that declares no shape, or free dimensions): a shape like [N, 1000, 1000, 0]
    // would build a billion empty arrays out of none. A fixed declared shape is the model's.
    const fixed = field?.shape?.every((d) => d !== null) === true && field.type !== 'json';
    const budget = 2 * (count + n);
    if (layout === 'nested' && !fixed && n * arraysPerRow(rowShape, budget) > budget)
      throw bad(
        `shape ${formatShape(shape)} nests ${count} elements in more arrays than a tensor of them needs; leave out the dimensions of size 0 or 1 the model does not declare`,
      );
    const rows = new Array<unknown>(n);
    if (layout === 'scalar') for (let r = 0; r < n; r++) rows[r] = flat[r];
    else {
      const width = product(rowShape);
      const strides = stridesOf(rowShape);
      for (let r = 0; r < n; r++) rows[r] = nest(flat, r * width, rowShape, strides, 0);
    }
    names.push(name);
    columns.push(rows);
  }
  const records = new Array<Record<string, unknown>>(batch);
  for (let r = 0; r < batch; r++) {
    const rec: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) putField(rec, names[c]!, columns[c]![r]);
    records[r] = rec;
  }
  const decoded: DecodedOipRequest = { records };
  if (body.id !== undefined) {
    if (typeof body.id !== 'string') throw new InvalidInputError('id: expected a string', 'id');
    decoded.requestId = body.id;
  }
  if (body.outputs !== undefined)
    decoded.outputsRequested = requestedOutputs(body.outputs, signature);
  return decoded;
}

function requestedOutputs(outputs: unknown, signature: Signature): string[] {
  if (!Array.isArray(outputs))
    throw new InvalidInputError('outputs: expected an array of {"name": ...}', 'outputs');
  const known = new Set(signature.outputs.map((f) => f.name));
  return outputs.map((o: unknown, i) => {
    const at = `outputs[${i}]`;
    if (!isObject(o) || typeof o.name !== 'string')
      throw new InvalidInputError(`${at}: expected {"name": ...}`, at);
    if (!known.has(o.name))
      throw new InvalidInputError(
        `${at}: unknown output ${o.name}; expected one of ${[...known].join(', ')}`,
        at,
      );
    return o.name;
  });
}

function shapeOf(v: unknown): number[] {
  const dims: number[] = [];
  for (let cur = v; Array.isArray(cur); cur = cur[0]) dims.push(cur.length);
  return dims;
}

const valueOf = (p: Prediction, name: string): unknown => (isObject(p) ? p[name] : undefined);

/**
 * One output as a `[N, ...per-record shape]` tensor. A `{label: p}` map becomes a row in the
 * order of the field's `values` (its classes); strings and `json` values become BYTES.
 */
function outputTensor(f: FieldSpec, predictions: readonly Prediction[]): OipTensor {
  const n = predictions.length;
  const datatype = TO_OIP[f.type];
  if (f.type === 'json') {
    const data = predictions.map((p) => JSON.stringify(valueOf(p, f.name) ?? null));
    return { name: f.name, datatype, shape: [n], data };
  }
  const first = n > 0 ? valueOf(predictions[0], f.name) : undefined;
  const data: OipTensorData = [];
  let rowShape: number[];
  if (isObject(first)) {
    // A map without declared classes keeps the first record's key order for every row.
    const keys = f.values ? f.values.map(String) : Object.keys(first);
    for (const p of predictions) {
      const m = valueOf(p, f.name);
      for (const k of keys) data.push(isObject(m) ? ((m[k] ?? null) as number | null) : null);
    }
    rowShape = [keys.length];
  } else {
    rowShape = shapeOf(first);
    const width = product(rowShape);
    const asBytes = datatype === 'BYTES';
    for (const p of predictions) {
      const v = valueOf(p, f.name);
      const elements = Array.isArray(v) ? v.flat(Infinity) : [v];
      if (elements.length !== width)
        throw new PredictionFailedError(
          `output ${f.name}: records have values of different shapes, which no single tensor holds; ask for it through /fn/{name} instead`,
        );
      for (const x of elements)
        data.push(
          x === undefined || x === null
            ? null
            : asBytes && typeof x !== 'string'
              ? String(x)
              : (x as number),
        );
    }
    // A declared fixed shape of the same size wins (a bare value for [1] answers [N, 1]),
    // so the tensor agrees with what the metadata advertises.
    const declared = f.shape;
    if (declared && declared.every((d) => d !== null) && product(declared as number[]) === width)
      rowShape = declared as number[];
  }
  return { name: f.name, datatype, shape: [n, ...rowShape], data };
}

/**
 * Predictions as an inference response: one output tensor per output (or per requested
 * output, in the requested order), batch first, with each row's prediction id in
 * `parameters.prediction_ids`.
 */
export function encodeOipResponse(r: {
  modelName: string;
  modelVersion: string;
  requestId: string;
  predictions: Prediction[];
  ids: string[];
  signature: Signature;
  outputsRequested?: string[];
}): OipInferenceResponse {
  const byName = new Map(r.signature.outputs.map((f) => [f.name, f]));
  const wanted = r.outputsRequested
    ? r.outputsRequested.flatMap((name) => byName.get(name) ?? [])
    : r.signature.outputs;
  return {
    model_name: r.modelName,
    model_version: r.modelVersion,
    id: r.requestId,
    parameters: { prediction_ids: r.ids },
    outputs: wanted.map((f) => outputTensor(f, r.predictions)),
  };
}

/** A field as metadata: -1 for the batch, for free dimensions, and as the rank of an undeclared shape. */
function tensorMetadata(f: FieldSpec): OipTensorMetadata {
  return {
    name: f.name,
    datatype: TO_OIP[f.type],
    shape: [-1, ...(f.shape ?? []).map((d) => d ?? -1)],
  };
}

/** The model metadata answer (`GET /v2/models/{name}`). */
export function encodeOipMetadata(m: {
  name: string;
  versions: string[];
  platform: string;
  signature: Signature;
}): OipModelMetadata {
  return {
    name: m.name,
    versions: m.versions,
    platform: m.platform,
    inputs: m.signature.inputs.map(tensorMetadata),
    outputs: m.signature.outputs.map(tensorMetadata),
  };
}

/** What an inference response echoes of its request. */
export type OipRequestMeta = Omit<DecodedOipRequest, 'records'>;

/** The Open Inference Protocol's inference requests as the data plane reads them. */
export function oipCodec(maxBatch: number): RequestCodec<OipRequestMeta> {
  return {
    protocol: 'oip-v2',
    maxBatch,
    decode: (body, signature) => {
      const { records, ...meta } = decodeOipRequest(body, signature, maxBatch);
      return { records, meta };
    },
  };
}
