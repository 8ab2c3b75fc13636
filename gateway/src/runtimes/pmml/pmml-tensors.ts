import { InvalidInputError } from '../../errors.js';
import type { FieldSpec, RecordValue, Signature } from '../../protocol/signature.js';
import { pack, unpack, type PackedTensors, type TensorPlan } from '../onnx/packed-tensors.js';

/**
 * A PMML model's fields as the columns of a batch job's chunk (see `TensorPlan`): a number
 * field (PMML's double, float, integer) as float64, NaN where the value is missing; a text or
 * boolean field as a `string` tensor, codes into a table of its values. So a job's chunk
 * crosses to the scoring thread as columns and its answers come back as columns, not as an
 * object per record; the scoring thread makes each record again, with the values the job's
 * validation passed (a missing value as null: PMML treats absent, null and NaN alike).
 */

/** How one field travels: undefined for one that does not (JSON, a list of items). */
function tensorTypeOf(f: FieldSpec): 'float64' | 'string' | undefined {
  if (!Array.isArray(f.shape) || f.shape.length !== 0) return undefined;
  if (f.type === 'string' || f.type === 'bool') return 'string';
  if (f.type === 'json') return undefined;
  return 'float64';
}

/** The plan of a PMML model's columns; undefined when a field does not travel as one. */
export function pmmlTensorPlan(signature: Signature): TensorPlan | undefined {
  // A chunk's size is read off its first input.
  if (signature.inputs.length === 0 || signature.outputs.length === 0) return undefined;
  const inputs: TensorPlan['inputs'] = [];
  for (const f of signature.inputs) {
    const tensorType = tensorTypeOf(f);
    if (!tensorType) return undefined;
    inputs.push({ name: f.name, tensorType, dims: [], width: 1 });
  }
  const outputs: TensorPlan['outputs'] = [];
  for (const f of signature.outputs) {
    const tensorType = tensorTypeOf(f);
    if (!tensorType) return undefined;
    outputs.push({ name: f.name, tensorType, shape: 'scalar' });
  }
  return { inputs, outputs };
}

/** The records of a chunk, from its columns (on the scoring thread). */
export function recordsOf(plan: TensorPlan, feeds: PackedTensors): RecordValue[] {
  const columns = plan.inputs.map((input) => {
    const t = feeds[input.name];
    if (!t) throw new InvalidInputError(`the chunk has no column ${input.name}`, input.name);
    if (t.type !== input.tensorType || t.dims.length !== 1)
      throw new InvalidInputError(
        `column ${input.name}: expected a ${input.tensorType} column, got ${t.type} of shape [${t.dims.join(', ')}]`,
        input.name,
      );
    return { name: input.name, data: unpack(t, input.name).data as ArrayLike<unknown> };
  });
  const n = columns[0]!.data.length;
  const records = new Array<RecordValue>(n);
  for (let r = 0; r < n; r++) records[r] = {};
  for (const { name, data } of columns) {
    if (data.length !== n)
      throw new InvalidInputError(`column ${name} has ${data.length} rows, not ${n}`, name);
    for (let r = 0; r < n; r++) {
      const v = data[r];
      // NaN is a missing number; a table's missing value is already null.
      records[r]![name] = v !== v ? null : v;
    }
  }
  return records;
}

/**
 * The answers of a chunk as columns, by the plan's outputs: a number output as float64 (null
 * as NaN, which reads back as null), unless one of its answers is not a number, when it goes
 * as a table of its values, as text does (it reads back as it was).
 */
export function columnsOf(
  plan: TensorPlan,
  predictions: readonly Record<string, unknown>[],
): PackedTensors {
  const n = predictions.length;
  const out: PackedTensors = {};
  for (const { name, tensorType } of plan.outputs) {
    const values = new Array<unknown>(n);
    let numbers = tensorType === 'float64';
    for (let r = 0; r < n; r++) {
      const v = predictions[r]![name];
      values[r] = v;
      if (numbers && typeof v !== 'number' && v !== null && v !== undefined) numbers = false;
    }
    if (numbers) {
      const data = new Float64Array(n);
      for (let r = 0; r < n; r++) data[r] = (values[r] as number | null | undefined) ?? NaN;
      out[name] = pack({ type: 'float64', dims: [n], data });
    } else out[name] = pack({ type: 'string', dims: [n], data: values });
  }
  return out;
}
