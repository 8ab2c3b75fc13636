import { InvalidInputError } from '../../errors.js';
import {
  ELEMENT_TYPES,
  type InputPlan,
  type NumberArrayCtor,
  type OutputPlan,
  type TensorValues,
} from './tensors.js';

/**
 * Tensors as bytes: how a batch job's chunk goes to an ONNX model and its answer comes back,
 * one typed array per input and output instead of an object per record. Only what has a
 * fixed-width element type travels so (numbers, 64-bit integers, booleans); a model with a
 * string input or output, or a fixed batch size, has no tensor plan and is scored by records.
 */

/** One tensor: its onnxruntime element type, dims (batch first) and data, little-endian bytes. */
export interface PackedTensor {
  type: string;
  dims: number[];
  bytes: Uint8Array;
}

export type PackedTensors = Record<string, PackedTensor>;

/** The same tensor in a JSON line: its bytes in base64. */
export interface WirePackedTensor {
  type: string;
  dims: number[];
  base64: string;
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

/** A tensor's values as bytes (a view of its typed array, not a copy). */
export function pack(t: TensorValues): PackedTensor {
  const data = t.data as ArrayBufferView;
  if (!ArrayBuffer.isView(data)) throw new TypeError(`a ${t.type} tensor's data is not bytes`);
  return {
    type: t.type,
    dims: [...t.dims],
    bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/**
 * A packed tensor's values as its typed array (copied when its bytes do not sit where the
 * array may start). Throws `InvalidInputError` naming `name` when the bytes do not fit the dims.
 */
export function unpack(t: PackedTensor, name: string): TensorValues {
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
    };
  return out;
}

/** The buffers of tensors, to transfer them to another thread rather than copy them. */
export function buffersOf(tensors: PackedTensors): ArrayBuffer[] {
  return [...new Set(Object.values(tensors).map((t) => t.bytes.buffer))] as ArrayBuffer[];
}
