import type { ValueType } from '../../protocol/signature.js';

export type NumberArrayCtor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor;

/** How one ONNX element type is held in JS; decided once per input and output at load. */
export type ElementKind =
  | { kind: 'number'; ctor: NumberArrayCtor }
  | { kind: 'bigint'; ctor: BigInt64ArrayConstructor | BigUint64ArrayConstructor }
  | { kind: 'bool' }
  | { kind: 'string' };

/** The ONNX element types Slipway feeds and reads, by onnxruntime's name, with our ValueType. */
export const ELEMENT_TYPES: ReadonlyMap<string, { type: ValueType; element: ElementKind }> =
  new Map([
    ['float32', { type: 'float32', element: { kind: 'number', ctor: Float32Array } }],
    ['float64', { type: 'float64', element: { kind: 'number', ctor: Float64Array } }],
    ['int8', { type: 'int8', element: { kind: 'number', ctor: Int8Array } }],
    ['int16', { type: 'int16', element: { kind: 'number', ctor: Int16Array } }],
    ['int32', { type: 'int32', element: { kind: 'number', ctor: Int32Array } }],
    ['uint8', { type: 'uint8', element: { kind: 'number', ctor: Uint8Array } }],
    ['uint16', { type: 'uint16', element: { kind: 'number', ctor: Uint16Array } }],
    ['uint32', { type: 'uint32', element: { kind: 'number', ctor: Uint32Array } }],
    ['int64', { type: 'int64', element: { kind: 'bigint', ctor: BigInt64Array } }],
    ['uint64', { type: 'uint64', element: { kind: 'bigint', ctor: BigUint64Array } }],
    ['bool', { type: 'bool', element: { kind: 'bool' } }],
    ['string', { type: 'string', element: { kind: 'string' } }],
  ] as const);

/** How to stack one input from a batch of records, decided once at load. */
export interface InputPlan {
  name: string;
  /** onnxruntime's element type name, for `new ort.Tensor`. */
  tensorType: string;
  element: ElementKind;
  /** One record's dims (the model's shape without the batch); null = free; undefined = undeclared. */
  dims: (number | null)[] | undefined;
  /** Elements per record when every dim is fixed, else undefined (read off the first record). */
  width: number | undefined;
}

/** How to read one output back into per-record values, decided once at load. */
export interface OutputPlan {
  name: string;
  /** onnxruntime's element type name. */
  tensorType: string;
  element: ElementKind;
  /** Class labels as strings, in column order: the record's row becomes `{label: value}`. */
  keys?: string[];
  /**
   * `scalar`: the model declares one element per record (shape [] or [1]), served bare;
   * `declared`: served as nested arrays of the tensor's per-record shape; `undeclared`: the model
   * gives no shape, so one element is served bare and more as nested arrays.
   */
  shape: 'scalar' | 'declared' | 'undeclared';
}

/**
 * Records of one batch whose values for a free dimension differ in size: they cannot share a
 * tensor, so the runtime runs them one by one.
 */
export class RaggedBatch extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

function shapeOf(v: unknown): number[] {
  const dims: number[] = [];
  for (let cur = v; Array.isArray(cur); cur = cur[0]) dims.push(cur.length);
  return dims;
}

/** True when `v` has these dims (a bare value where they are all 1). */
function hasDims(v: unknown, dims: readonly number[]): boolean {
  if (!Array.isArray(v)) return dims.every((d) => d === 1);
  const own = shapeOf(v);
  return own.length === dims.length && own.every((d, i) => d === dims[i]);
}

/** Per-record dims of this batch: the declared ones, free ones read off the first record. */
function batchDims(plan: InputPlan, first: unknown): number[] {
  if (plan.dims === undefined) return shapeOf(first);
  const own = shapeOf(first);
  // A scalar stands for every free dim being 1 (a one-column input given as a bare value).
  return plan.dims.map((d, i) => d ?? own[i] ?? 1);
}

/** Writes `v`'s elements (nested arrays, row-major) from `at`; returns how many it wrote. */
function fill(
  data: { [i: number]: unknown },
  at: number,
  v: unknown,
  put: (x: unknown) => unknown,
): number {
  if (!Array.isArray(v)) {
    data[at] = put(v);
    return 1;
  }
  let n = 0;
  for (const item of v) n += fill(data, at + n, item, put);
  return n;
}

// JSON null is a missing value: NaN for floats, as pandas and scikit-learn read it.
const asNumber = (x: unknown) => (x === null ? NaN : x);
const asBigInt = (x: unknown) => (typeof x === 'bigint' ? x : BigInt(x as number));
const asBool = (x: unknown) => (x ? 1 : 0);
const asString = (x: unknown) => x;

/** A tensor's element type, dims and flat data, as onnxruntime's `Tensor` is made from them. */
export interface TensorValues {
  type: string;
  dims: readonly number[];
  data: unknown;
}

/**
 * Stacks one input's values from every record into a `[N, ...perRecord]` tensor's data. A bare
 * value is accepted where a record holds one element (per-record shape [1]). Throws
 * `RaggedBatch` when records disagree on a free dimension.
 */
export function stackInput(
  plan: InputPlan,
  records: readonly Record<string, unknown>[],
): TensorValues {
  const n = records.length;
  const name = plan.name;
  // Fixed dims hold no nulls (that is what a defined `width` means).
  const dims: number[] =
    plan.width === undefined ? batchDims(plan, records[0]![name]) : (plan.dims as number[]);
  const width = plan.width ?? product(dims);
  const e = plan.element;
  const size = n * width;
  const data =
    e.kind === 'string'
      ? new Array<string>(size)
      : e.kind === 'bool'
        ? new Uint8Array(size)
        : new e.ctor(size);
  const put =
    e.kind === 'number'
      ? asNumber
      : e.kind === 'bigint'
        ? asBigInt
        : e.kind === 'bool'
          ? asBool
          : asString;
  const slots = data as { [i: number]: unknown };
  if (plan.width === 1) {
    // [x], [[x]] and x all mean the one element.
    for (let r = 0; r < n; r++) {
      let x = records[r]![name];
      while (Array.isArray(x)) x = x[0];
      slots[r] = put(x);
    }
  } else {
    // Dims read off the first record bind the others too: check each record's own.
    const free = plan.width === undefined;
    for (let r = 0, at = 0; r < n; r++, at += width) {
      const v = records[r]![name];
      if ((free && r > 0 && !hasDims(v, dims)) || fill(slots, at, v, put) !== width)
        throw new RaggedBatch(
          name,
          `field ${name}: expected shape [${dims.join(', ')}], got ${Array.isArray(v) ? `[${shapeOf(v).join(', ')}]` : 'a bare value'}`,
        );
    }
  }
  return { type: plan.tensorType, data, dims: [n, ...dims] };
}

/**
 * One element of an output tensor's data as a plain JSON value: a number that is not finite
 * as null, as JSON carries it (a prediction is the same whether it came as JSON or as bytes).
 */
function reader(e: ElementKind): (data: ArrayLike<unknown>, i: number) => unknown {
  if (e.kind === 'bigint') return (data, i) => Number(data[i] as bigint);
  if (e.kind === 'bool') return (data, i) => Boolean(data[i]);
  if (e.kind === 'number')
    return (data, i) => {
      const x = data[i] as number;
      return Number.isFinite(x) ? x : null;
    };
  return (data, i) => data[i];
}

/**
 * How each record's slice of an output tensor reads: `{label: value}` for class scores (`at`:
 * record r's score of class j), else `value` (a scalar where the model gives one element per
 * record, nested arrays in the tensor's per-record shape otherwise).
 */
export type OutputValues =
  | { keys: string[]; at(r: number, j: number): unknown }
  | { keys?: undefined; scalar: boolean; value(r: number): unknown };

/**
 * An output tensor of `n` records as {@link OutputValues}; throws when its shape is not theirs.
 * A `string` tensor's values read as they are, whatever the plan's type (a PMML number output
 * that answered text goes as one).
 */
export function outputValues(
  plan: OutputPlan,
  t: Pick<TensorValues, 'dims' | 'data'> & { type?: string },
  n: number,
): OutputValues {
  const dims = t.dims;
  if (dims.length === 0 || dims[0] !== n)
    throw new RangeError(
      `output ${plan.name} has shape [${dims.join(', ')}] for ${n} records: the batch dimension must come first`,
    );
  const read = reader(t.type === 'string' ? { kind: 'string' } : plan.element);
  const data = t.data as ArrayLike<unknown>;
  const rowDims = dims.slice(1);
  const width = product(rowDims);
  const keys = plan.keys;
  if (keys) {
    if (width !== keys.length)
      throw new RangeError(
        `output ${plan.name} has ${width} columns for ${keys.length} class labels`,
      );
    return { keys, at: (r, j) => read(data, r * width + j) };
  }
  if (
    width === 1 &&
    (plan.shape === 'scalar' || (plan.shape === 'undeclared' && rowDims.length <= 1))
  )
    return { scalar: true, value: (r) => read(data, r) };
  return { scalar: false, value: (r) => nest(data, r * width, rowDims, 0, read) };
}

/** Writes each record's slice of an output tensor into `predictions[r][plan.name]` (see {@link outputValues}). */
export function readOutput(
  plan: OutputPlan,
  t: Pick<TensorValues, 'dims' | 'data'> & { type?: string },
  predictions: Record<string, unknown>[],
): void {
  const n = predictions.length;
  const values = outputValues(plan, t, n);
  const name = plan.name;
  if (values.keys) {
    const { keys } = values;
    for (let r = 0; r < n; r++) {
      const row: Record<string, unknown> = {};
      for (let j = 0; j < keys.length; j++) row[keys[j]!] = values.at(r, j);
      predictions[r]![name] = row;
    }
  } else for (let r = 0; r < n; r++) predictions[r]![name] = values.value(r);
}

function nest(
  data: ArrayLike<unknown>,
  at: number,
  dims: readonly number[],
  level: number,
  read: (data: ArrayLike<unknown>, i: number) => unknown,
): unknown[] {
  const size = dims[level]!;
  const out = new Array<unknown>(size);
  if (level === dims.length - 1) {
    for (let j = 0; j < size; j++) out[j] = read(data, at + j);
    return out;
  }
  const step = product(dims.slice(level + 1));
  for (let j = 0; j < size; j++) out[j] = nest(data, at + j * step, dims, level + 1, read);
  return out;
}
