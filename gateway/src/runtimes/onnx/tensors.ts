import * as ort from 'onnxruntime-node';
import { InvalidInputError } from '../../errors.js';
import type { FieldSpec, ValueType } from '../../protocol/signature.js';

type TypedArrayCtor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor;

/** ONNX element types we can feed and read, with the JS storage each needs. */
export const ELEMENT_TYPES: Partial<
  Record<string, { type: ValueType; ctor?: TypedArrayCtor; big?: 'signed' | 'unsigned' }>
> = {
  float32: { type: 'float32', ctor: Float32Array },
  float64: { type: 'float64', ctor: Float64Array },
  int8: { type: 'int8', ctor: Int8Array },
  int16: { type: 'int16', ctor: Int16Array },
  int32: { type: 'int32', ctor: Int32Array },
  int64: { type: 'int64', big: 'signed' },
  uint8: { type: 'uint8', ctor: Uint8Array },
  uint16: { type: 'uint16', ctor: Uint16Array },
  uint32: { type: 'uint32', ctor: Uint32Array },
  uint64: { type: 'uint64', big: 'unsigned' },
  bool: { type: 'bool', ctor: Uint8Array },
  string: { type: 'string' },
};

/** How to stack records into one input tensor, decided once at load. */
export interface InputPlan {
  name: string;
  onnxType: string;
  spec: FieldSpec;
}

/** Stacks one input's values from every record into a `[N, ...perRecord]` tensor. */
export function stackInput(plan: InputPlan, records: Record<string, unknown>[]): ort.Tensor {
  const n = records.length;
  const shape = plan.spec.shape ?? [];
  // Free per-record dims take their size from the first record; the others must agree.
  const first = records[0]![plan.name];
  const dims = shape.map((d, i) => (d === null ? lengthAt(first, i) : d));
  const width = dims.reduce((a, b) => a * b, 1);
  const info = ELEMENT_TYPES[plan.onnxType]!;
  const flat: unknown[] = new Array(n * width);
  for (let r = 0; r < n; r++) {
    const v = records[r]![plan.name];
    if (Array.isArray(v)) {
      const items = v.flat(Infinity);
      if (items.length !== width) {
        throw new InvalidInputError(
          `field ${plan.name}: records of one call must have the same shape; record ${r} has ${items.length} elements, record 0 has ${width}`,
          plan.name,
        );
      }
      for (let j = 0; j < width; j++) flat[r * width + j] = items[j];
    } else flat[r * width] = v;
  }
  const tensorDims = [n, ...dims];
  if (plan.onnxType === 'string') return new ort.Tensor('string', flat as string[], tensorDims);
  if (info.big) {
    const data =
      info.big === 'signed' ? new BigInt64Array(flat.length) : new BigUint64Array(flat.length);
    for (let i = 0; i < flat.length; i++) data[i] = BigInt(flat[i] as number);
    return new ort.Tensor(plan.onnxType as 'int64', data as BigInt64Array, tensorDims);
  }
  const data = new info.ctor!(flat.length);
  if (plan.onnxType === 'bool') for (let i = 0; i < flat.length; i++) data[i] = flat[i] ? 1 : 0;
  else for (let i = 0; i < flat.length; i++) data[i] = flat[i] === null ? NaN : (flat[i] as number);
  return new ort.Tensor(plan.onnxType as 'float32', data as Float32Array, tensorDims);
}

function lengthAt(v: unknown, depth: number): number {
  let cur = v;
  for (let i = 0; i < depth; i++) cur = Array.isArray(cur) ? cur[0] : undefined;
  return Array.isArray(cur) ? cur.length : 1;
}

/** Plain JS values of one record's slice of an output tensor. */
export function sliceOutput(t: ort.Tensor, row: number, labels?: (string | number)[]): unknown {
  const dims = t.dims.slice(1).map(Number);
  const width = dims.reduce((a, b) => a * b, 1);
  const data = t.data as ArrayLike<unknown>;
  const at = (i: number): unknown => {
    const v = data[row * width + i];
    if (typeof v === 'bigint') return Number(v);
    if (t.type === 'bool') return v === 1 || v === true;
    return v;
  };
  if (labels) {
    const out: Record<string, unknown> = {};
    for (let j = 0; j < width; j++) out[String(labels[j])] = at(j);
    return out;
  }
  if (width === 1 && dims.every((d) => d === 1)) return at(0);
  const build = (offset: number, level: number): unknown => {
    const size = dims[level]!;
    if (level === dims.length - 1) return Array.from({ length: size }, (_, j) => at(offset + j));
    const step = dims.slice(level + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: size }, (_, j) => build(offset + j * step, level + 1));
  };
  return build(0, 0);
}
