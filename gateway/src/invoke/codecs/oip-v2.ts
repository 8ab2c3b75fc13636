import { InvalidInputError } from '../../errors.js';
import type {
  OipDatatype,
  OipInferenceResponse,
  OipModelMetadata,
  OipTensor,
} from '../../protocol/oip-v2.js';
import type { FieldSpec, Signature, ValueType } from '../../protocol/signature.js';
import type { Prediction } from '../../runtimes/types.js';
import { checkBatch, isObject } from './records.js';

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
  json: 'BYTES',
};

const NUMERIC = new Set<OipDatatype>([
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
]);

/** The datatype a client should send for a field. */
export const oipDatatype = (t: ValueType): OipDatatype => TO_OIP[t];

/** Whether a client tensor of `dt` can feed a field of type `t` (numbers feed any numeric field). */
function compatible(dt: OipDatatype, t: ValueType): boolean {
  const want = TO_OIP[t];
  if (want === dt) return true;
  if (t === 'json') return true;
  return NUMERIC.has(want) && NUMERIC.has(dt);
}

/** An inference request, turned into records (one per batch row). */
export function decodeOipRequest(
  body: unknown,
  signature: Signature,
  maxBatch: number,
): { records: unknown[]; requestId?: string; outputsRequested?: string[] } {
  if (!isObject(body) || !Array.isArray(body.inputs)) {
    throw new InvalidInputError(
      'expected an inference request: {"inputs": [{"name", "shape", "datatype", "data"}]}',
      'inputs',
    );
  }
  const fields = new Map(signature.inputs.map((f) => [f.name, f]));
  let batch = -1;
  const columns: { field: FieldSpec; rows: unknown[] }[] = [];
  body.inputs.forEach((t: unknown, i: number) => {
    const at = `inputs[${i}]`;
    if (!isObject(t) || typeof t.name !== 'string')
      throw new InvalidInputError(`${at}: expected a tensor with a name`, at);
    const field = fields.get(t.name);
    if (!field)
      throw new InvalidInputError(
        `${at}: unknown input ${t.name}; expected ${[...fields.keys()].join(', ')}`,
        t.name,
      );
    const { shape, datatype, data } = t;
    if (
      !Array.isArray(shape) ||
      shape.length === 0 ||
      !shape.every((d) => Number.isInteger(d) && d >= 0)
    ) {
      throw new InvalidInputError(
        `${at}.shape: expected [batch, ...dims] of non-negative integers`,
        t.name,
      );
    }
    if (typeof datatype !== 'string' || !compatible(datatype as OipDatatype, field.type)) {
      throw new InvalidInputError(
        `${at}.datatype: input ${t.name} expects ${TO_OIP[field.type]}, got ${String(datatype)}`,
        t.name,
      );
    }
    if (!Array.isArray(data)) throw new InvalidInputError(`${at}.data: expected an array`, t.name);
    const flat = (data as unknown[]).flat(Infinity);
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (flat.length !== count)
      throw new InvalidInputError(
        `${at}.data: has ${flat.length} elements, shape ${JSON.stringify(shape)} needs ${count}`,
        t.name,
      );
    const n = shape[0] as number;
    if (batch >= 0 && n !== batch)
      throw new InvalidInputError(
        `${at}.shape: batch size ${n} differs from the other inputs' ${batch}`,
        t.name,
      );
    batch = n;
    const rowShape = (shape as number[]).slice(1);
    const width = rowShape.reduce((a, b) => a * b, 1);
    const scalarRow = rowShape.length === 0 || (width === 1 && isScalarField(field));
    const rows = Array.from({ length: n }, (_, r) =>
      scalarRow ? flat[r] : nest(flat.slice(r * width, (r + 1) * width), rowShape),
    );
    columns.push({ field, rows });
  });
  if (batch < 0)
    throw new InvalidInputError('inputs: expected at least one input tensor', 'inputs');
  checkBatch(batch, maxBatch, 'inputs');
  const records = Array.from({ length: batch }, (_, r) =>
    Object.fromEntries(columns.map((c) => [c.field.name, c.rows[r]])),
  );
  const outputsRequested = Array.isArray(body.outputs)
    ? body.outputs.map((o: unknown, i: number) => {
        if (!isObject(o) || typeof o.name !== 'string')
          throw new InvalidInputError(`outputs[${i}]: expected {"name": ...}`, `outputs[${i}]`);
        if (!signature.outputs.some((f) => f.name === o.name))
          throw new InvalidInputError(`outputs[${i}]: unknown output ${o.name}`, `outputs[${i}]`);
        return o.name;
      })
    : undefined;
  return {
    records,
    requestId: typeof body.id === 'string' ? body.id : undefined,
    outputsRequested,
  };
}

/** A per-record shape of [] or [1] takes a scalar (one-input-per-column models). */
function isScalarField(f: FieldSpec): boolean {
  return !f.shape || f.shape.length === 0 || (f.shape.length === 1 && f.shape[0] !== 0);
}

function nest(flat: unknown[], shape: number[]): unknown {
  if (shape.length <= 1) return flat;
  const step = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0]! }, (_, i) =>
    nest(flat.slice(i * step, (i + 1) * step), shape.slice(1)),
  );
}

/** Predictions as output tensors `[batch, ...per-record shape]`. */
export function encodeOipResponse(r: {
  modelName: string;
  modelVersion: string;
  requestId: string;
  predictions: Prediction[];
  ids: string[];
  signature: Signature;
  outputsRequested?: string[];
}): OipInferenceResponse {
  const wanted = r.outputsRequested
    ? r.signature.outputs.filter((f) => r.outputsRequested!.includes(f.name))
    : r.signature.outputs;
  const outputs: OipTensor[] = wanted.map((f) => {
    const data: unknown[] = [];
    let rowShape: number[] = [];
    r.predictions.forEach((p, i) => {
      const value = (p as Record<string, unknown>)[f.name];
      const row = toRow(value, f);
      if (i === 0) rowShape = row.shape;
      for (const x of row.flat) data.push(x);
    });
    const datatype =
      f.values && isObject((r.predictions[0] as Record<string, unknown>)?.[f.name])
        ? 'FP32'
        : TO_OIP[f.type];
    return {
      name: f.name,
      datatype: datatype === 'BYTES' ? 'BYTES' : datatype,
      shape: [r.predictions.length, ...rowShape],
      data:
        datatype === 'BYTES'
          ? data.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))
          : data,
    };
  });
  return {
    model_name: r.modelName,
    model_version: r.modelVersion,
    id: r.requestId,
    parameters: { prediction_ids: r.ids },
    outputs,
  };
}

/** One record's output value flattened, with its shape. A class→probability map becomes a row in `values` order. */
function toRow(value: unknown, f: FieldSpec): { flat: unknown[]; shape: number[] } {
  if (isObject(value)) {
    const keys = f.values ? f.values.map(String) : Object.keys(value);
    return { flat: keys.map((k) => value[k]), shape: [keys.length] };
  }
  if (Array.isArray(value)) {
    const shape: number[] = [];
    let cur: unknown = value;
    while (Array.isArray(cur)) {
      shape.push(cur.length);
      cur = cur[0];
    }
    return { flat: value.flat(Infinity), shape };
  }
  return { flat: [value], shape: [] };
}

/** Model metadata: inputs and outputs with -1 for the batch and free dimensions. */
export function encodeOipMetadata(m: {
  name: string;
  versions: string[];
  platform: string;
  signature: Signature;
}): OipModelMetadata {
  const meta = (f: FieldSpec) => ({
    name: f.name,
    datatype: TO_OIP[f.type],
    shape: [-1, ...(f.shape ?? []).map((d) => d ?? -1)],
  });
  return {
    name: m.name,
    versions: m.versions,
    platform: m.platform,
    inputs: m.signature.inputs.map(meta),
    outputs: m.signature.outputs.map(meta),
  };
}
