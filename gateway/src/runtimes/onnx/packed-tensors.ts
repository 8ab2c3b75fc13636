import { InvalidInputError } from '../../errors.js';
import {
  ELEMENT_TYPES,
  type InputPlan,
  type NumberArrayCtor,
  type OutputPlan,
  type TensorValues,
} from './tensors.js';

/**
 * Tensors as bytes: how a batch job's chunk goes to a model and its answer comes back, one
 * typed array per input and output instead of an object per record. What has a fixed-width
 * element type travels as its values (numbers, 64-bit integers, booleans); a `string` tensor
 * as codes into a table of its distinct values (which a thread clones: a PMML model's text
 * fields and labels). An ONNX model with a string input or output, or a fixed batch size, has
 * no tensor plan (its worker takes bytes only) and is scored by records.
 */

/** One tensor: its onnxruntime element type, dims (batch first) and data, little-endian bytes. */
export interface PackedTensor {
  type: string;
  dims: number[];
  /** The values; for a `string` tensor, Int32 codes into `table` (-1: null, a missing value). */
  bytes: Uint8Array;
  /** A `string` tensor's distinct values, in the order of their codes. */
  table?: unknown[];
}

export type PackedTensors = Record<string, PackedTensor>;

/** The same tensor in a JSON line: its bytes in base64. */
export interface WirePackedTensor {
  type: string;
  dims: number[];
  base64: string;
  table?: unknown[];
}

/** The plans of a model's inputs and outputs as plain data (they cross threads and processes). */
export interface TensorPlan {
  inputs: Omit<InputPlan, 'element'>[];
  outputs: Omit<OutputPlan, 'element'>[];
}

type TypedArrayCtor = NumberArrayCtor | BigInt64ArrayConstructor | BigUint64ArrayConstructor;

/** The typed array holding an element type; undefined for strings. */
function arrayOf(type: string): TypedArrayCtor | undefined {
  const known = ELEMENT_TYPES.get(type);
  if (!known) return undefined;
  const e = known.element;
  return e.kind === 'bool' ? Uint8Array : e.kind === 'string' ? undefined : e.ctor;
}

/**
 * The tensor plan of a model whose inputs and outputs all travel as bytes; undefined for one
 * that does not (a string tensor), fixes its batch size (its runs are padded record by record)
 * or has an input with a free dimension (records that disagree on it are run one by one).
 */
export function tensorPlanOf(plan: {
  inputs: readonly InputPlan[];
  outputs: readonly OutputPlan[];
  fixedBatch: number | undefined;
}): TensorPlan | undefined {
  if (plan.fixedBatch !== undefined) return undefined;
  if (plan.inputs.some((p) => p.width === undefined)) return undefined;
  const all = [...plan.inputs, ...plan.outputs];
  if (all.some((p) => arrayOf(p.tensorType) === undefined)) return undefined;
  return {
    inputs: plan.inputs.map(({ element: _, ...rest }) => rest),
    outputs: plan.outputs.map(({ element: _, ...rest }) => rest),
  };
}

/** The plans again, with their element kinds, on the side that stacks or reads. */
export function inputPlans(plan: TensorPlan): InputPlan[] {
  return plan.inputs.map((p) => ({ ...p, element: ELEMENT_TYPES.get(p.tensorType)!.element }));
}
export function outputPlans(plan: TensorPlan): OutputPlan[] {
  return plan.outputs.map((p) => ({ ...p, element: ELEMENT_TYPES.get(p.tensorType)!.element }));
}

/**
 * A tensor's values as bytes (a view of its typed array, not a copy); a `string` tensor's
 * (an array of scalars, null or undefined where a value is missing) as codes and their table.
 */
export function pack(t: TensorValues): PackedTensor {
  if (t.type === 'string') return packTable(t.dims, t.data as ArrayLike<unknown>);
  const data = t.data as ArrayBufferView;
  if (!ArrayBuffer.isView(data)) throw new TypeError(`a ${t.type} tensor's data is not bytes`);
  return {
    type: t.type,
    dims: [...t.dims],
    bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/** Values as codes into a table of the distinct ones (null and undefined: -1). */
function packTable(dims: readonly number[], values: ArrayLike<unknown>): PackedTensor {
  const codes = new Int32Array(values.length);
  const table: unknown[] = [];
  const seen = new Map<unknown, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      codes[i] = -1;
      continue;
    }
    let code = seen.get(v);
    if (code === undefined) {
      code = table.push(v) - 1;
      seen.set(v, code);
    }
    codes[i] = code;
  }
  return { type: 'string', dims: [...dims], bytes: new Uint8Array(codes.buffer), table };
}

/** A `string` tensor's values from its codes; throws when a code is not in its table. */
function unpackTable(t: PackedTensor, name: string): TensorValues {
  const count = t.dims.reduce((a, b) => a * b, 1);
  const table = t.table;
  if (!table || t.bytes.byteLength !== count * 4)
    throw new InvalidInputError(
      `${name}: a string tensor of shape [${t.dims.join(', ')}] needs ${count} codes and their table`,
      name,
    );
  const bytes = t.bytes.byteOffset % 4 === 0 ? t.bytes : t.bytes.slice();
  const codes = new Int32Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
  const data = new Array<unknown>(count);
  for (let i = 0; i < count; i++) {
    const code = codes[i]!;
    if (code < -1 || code >= table.length)
      throw new InvalidInputError(`${name}: code ${code} is not in the tensor's table`, name);
    data[i] = code === -1 ? null : table[code];
  }
  return { type: 'string', dims: t.dims, data };
}

/**
 * A packed tensor's values as its typed array (copied when its bytes do not sit where the
 * array may start), a `string` tensor's as an array of its values. Throws `InvalidInputError`
 * naming `name` when the bytes do not fit the dims.
 */
export function unpack(t: PackedTensor, name: string): TensorValues {
  if (t.type === 'string' && t.table) return unpackTable(t, name);
  const Ctor = arrayOf(t.type);
  if (!Ctor)
    throw new InvalidInputError(`${name}: element type ${t.type} does not travel as bytes`, name);
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (t.bytes.byteLength !== count * Ctor.BYTES_PER_ELEMENT)
    throw new InvalidInputError(
      `${name}: ${t.bytes.byteLength} bytes for a ${t.type} tensor of shape [${t.dims.join(', ')}]`,
      name,
    );
  const aligned = t.bytes.byteOffset % Ctor.BYTES_PER_ELEMENT === 0;
  const bytes = aligned ? t.bytes : t.bytes.slice();
  return {
    type: t.type,
    dims: t.dims,
    data: new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, count),
  };
}

export function toWirePacked(tensors: PackedTensors): Record<string, WirePackedTensor> {
  const out: Record<string, WirePackedTensor> = {};
  for (const [name, t] of Object.entries(tensors))
    out[name] = {
      type: t.type,
      dims: t.dims,
      base64: Buffer.from(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength).toString(
        'base64',
      ),
      ...(t.table && { table: t.table }),
    };
  return out;
}

export function fromWirePacked(wire: Record<string, WirePackedTensor>): PackedTensors {
  const out: PackedTensors = {};
  for (const [name, t] of Object.entries(wire))
    // A buffer of its own (a small Buffer shares Node's pool, which must never be transferred).
    out[name] = {
      type: t.type,
      dims: t.dims,
      bytes: new Uint8Array(Buffer.from(t.base64, 'base64')),
      ...(t.table && { table: t.table }),
    };
  return out;
}

/** The buffers of tensors, to transfer them to another thread rather than copy them. */
export function buffersOf(tensors: PackedTensors): ArrayBuffer[] {
  return [...new Set(Object.values(tensors).map((t) => t.bytes.buffer))] as ArrayBuffer[];
}
