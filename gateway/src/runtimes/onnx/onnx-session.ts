import * as ort from 'onnxruntime-node';
import { PredictionFailedError } from '../../errors.js';

/** What a call's run may be given: its time limit and its caller's signal. */
export interface SessionRunOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * An onnxruntime session as `OnnxModel` uses it: the metadata its plan is made from, and runs
 * of tensors. onnxruntime-node's own session is one (CPU, in an ONNX worker process); a
 * session in a Python worker is another (the execution providers only the Python package has
 * here, CUDA among them). Both are fed and read by the same plan, so they answer alike.
 */
export interface OnnxSession {
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  run(
    feeds: Record<string, ort.Tensor>,
    fetches: readonly string[],
    options?: SessionRunOptions,
  ): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
}

/** onnxruntime-node's session as an `OnnxSession` (its runs cannot be given a time limit). */
export function nodeSession(session: ort.InferenceSession): OnnxSession {
  return {
    inputMetadata: session.inputMetadata,
    outputMetadata: session.outputMetadata,
    run: async (feeds, fetches) =>
      (await session.run(feeds, [...fetches])) as Record<string, ort.Tensor>,
    release: () => session.release(),
  };
}

/** A tensor as the Python worker's protocol carries it: element type, dimensions, flat data. */
export interface WireTensor {
  type: string;
  dims: number[];
  data: unknown[];
}

/** A tensor for the wire: 64-bit integers as numbers (exact up to 2^53), booleans as 0/1. */
export function toWire(t: ort.Tensor): WireTensor {
  const data = t.data as ArrayLike<unknown>;
  const values = Array.from(data, (v) => (typeof v === 'bigint' ? Number(v) : v));
  return { type: t.type, dims: [...t.dims], data: values };
}

const TYPED: Partial<Record<string, (xs: number[]) => ArrayLike<unknown>>> = {
  float32: (xs) => Float32Array.from(xs),
  float64: (xs) => Float64Array.from(xs),
  int8: (xs) => Int8Array.from(xs),
  int16: (xs) => Int16Array.from(xs),
  int32: (xs) => Int32Array.from(xs),
  uint8: (xs) => Uint8Array.from(xs),
  uint16: (xs) => Uint16Array.from(xs),
  uint32: (xs) => Uint32Array.from(xs),
  int64: (xs) => BigInt64Array.from(xs, (x) => BigInt(Math.trunc(x))),
  uint64: (xs) => BigUint64Array.from(xs, (x) => BigInt(Math.trunc(x))),
  bool: (xs) => Uint8Array.from(xs, (x) => (x ? 1 : 0)),
};

/** A tensor from the wire, as onnxruntime-node would have answered it. */
export function fromWire(name: string, w: WireTensor): ort.Tensor {
  if (w.type === 'string') return new ort.Tensor('string', w.data.map(String), w.dims);
  const make = TYPED[w.type];
  if (!make)
    throw new PredictionFailedError(
      `output ${name} is a tensor of ${w.type}, which cannot be served`,
    );
  return new ort.Tensor(
    w.type as ort.Tensor.Type,
    make(w.data as number[]) as ort.Tensor.DataType,
    w.dims,
  );
}
