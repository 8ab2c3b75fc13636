import { describe, expect, it } from 'vitest';
import { presentPrediction } from '../codecs/records.js';
import type { Signature } from '../protocol/signature.js';
import { outputValues, readOutput, type OutputPlan } from '../runtimes/onnx/tensors.js';
import { outputPlan } from '../runtimes/onnx/testing/plans.js';
import { ByteLines, utf8Text } from './byte-lines.js';
import { outputColumns, predictionFields, rowFormatter } from './job-output.js';
import { tensorCsvWriter } from './tensor-output.js';

const plan = outputPlan;

/** Outputs of three records, as a model of each kind gives them. */
const CASES: {
  name: string;
  outputs: { plan: OutputPlan; dims: number[]; data: ArrayLike<unknown>; type?: string }[];
}[] = [
  {
    name: 'text labels (a comma, a quote) and float64 class scores with -0',
    outputs: [
      {
        plan: plan('label', 'string', 'scalar'),
        dims: [3],
        data: ['a', 'b,c', 'd"e'],
        type: 'string',
      },
      {
        plan: plan('p', 'float64', 'declared', ['a', 'b,c']),
        dims: [3, 2],
        data: new Float64Array([-0, 1, 0.1 + 0.2, -Infinity, 1e-7, 1e21]),
      },
    ],
  },
  {
    name: 'a number output that answered text (a PMML one), int32 and uint64 outputs',
    outputs: [
      { plan: plan('y', 'float64', 'scalar'), dims: [3], data: ['1.5', 'x', ''], type: 'string' },
      { plan: plan('n', 'int32', 'scalar'), dims: [3, 1], data: new Int32Array([-1, 0, 7]) },
      {
        plan: plan('u', 'uint64', 'declared', ['lo', 'hi']),
        dims: [3, 2],
        data: new BigUint64Array([1n, 2n ** 63n, 0n, 5n, 9n, 10n]),
      },
    ],
  },
  {
    name: 'one output of class scores',
    outputs: [
      {
        plan: plan('p', 'float32', 'declared', ['a', 'b']),
        dims: [3, 2],
        data: new Float32Array([0.1, 0.9, NaN, 0.5, 1 / 3, 2 / 3]),
      },
    ],
  },
  {
    name: 'one number per record, NaN among them',
    outputs: [
      {
        plan: plan('y', 'float64', 'scalar'),
        dims: [3, 1],
        data: new Float64Array([1.5, NaN, -0]),
      },
    ],
  },
  {
    name: 'one vector per record',
    outputs: [
      {
        plan: plan('v', 'float32', 'declared'),
        dims: [3, 2],
        data: new Float32Array([1, 2, 3, NaN, 5, 6]),
      },
    ],
  },
  {
    name: 'several outputs: int64 labels (one named as a pass-through column), scores, booleans, vectors',
    outputs: [
      {
        plan: plan('id', 'int64', 'scalar'),
        dims: [3],
        data: new BigInt64Array([0n, 2n, 2n ** 40n]),
      },
      {
        plan: plan('p', 'float32', 'declared', ['x', 'y']),
        dims: [3, 2],
        data: new Float32Array([0.25, 0.75, 1, 0, Infinity, 0]),
      },
      { plan: plan('ok', 'bool', 'scalar'), dims: [3], data: new Uint8Array([1, 0, 1]) },
      {
        plan: plan('m', 'float64', 'undeclared'),
        dims: [3, 2, 1],
        data: new Float64Array([1, 2, 3, 4, 5, 6]),
      },
    ],
  },
];

describe('tensorCsvWriter', () => {
  it.each(CASES)('writes the lines rowFormatter writes from predictions: $name', ({ outputs }) => {
    const signature: Signature = {
      inputs: [],
      outputs: outputs.map((o) => ({ name: o.plan.name, type: 'float32' })),
    };
    const rows = [{ id: 'r1' }, { id: 'r,2' }, { id: null }, { id: 'r4' }];
    const indexes = [0, 1, 3];
    const predictions = indexes.map(() => ({}) as Record<string, unknown>);
    for (const o of outputs) readOutput(o.plan, o, predictions);
    const fields = predictions.map((p) => {
      const f = predictionFields(presentPrediction(JSON.parse(JSON.stringify(p)), signature));
      return f;
    });
    const columns = outputColumns(['id'], fields[0]!);
    const expected = new ByteLines();
    const format = rowFormatter('csv', ['id'], columns);
    indexes.forEach((i, k) => format(expected, rows[i]!, fields[k]!, `call:${i}`));

    const writer = tensorCsvWriter(
      signature,
      outputs.map((o) => o.plan),
      ['id'],
      columns,
    );
    expect(writer).toBeDefined();
    const got = new ByteLines();
    writer!(
      got,
      outputs.map((o) => outputValues(o.plan, o, 3)),
      { id: rows.map((r) => r.id) },
      indexes,
      'call',
    );
    expect(utf8Text(got.take())).toBe(utf8Text(expected.take()));
  });

  it('is undefined for columns that are not the model’s (a checkpoint of another version)', () => {
    const signature: Signature = { inputs: [], outputs: [{ name: 'y', type: 'float32' }] };
    const outputs = [plan('y', 'float32', 'scalar')];
    expect(
      tensorCsvWriter(signature, outputs, ['id'], ['id', 'prediction', 'prediction_id']),
    ).toBeDefined();
    expect(
      tensorCsvWriter(signature, outputs, ['id'], ['id', 'label', 'prediction_id']),
    ).toBeUndefined();
  });
});
