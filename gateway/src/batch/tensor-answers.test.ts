import { describe, expect, it } from 'vitest';
import { answerOf, observeCall, type AnswerColumns } from '../monitoring/features.js';
import { predictionView } from '../monitoring/prediction-view.js';
import type { Signature } from '../protocol/signature.js';
import { outputValues, readOutput, type OutputPlan } from '../runtimes/onnx/tensors.js';
import { outputPlan } from '../runtimes/onnx/testing/plans.js';
import { tensorAnswers } from './tensor-answers.js';

interface Case {
  name: string;
  signature: Signature;
  config?: Record<string, unknown>;
  outputs: { plan: OutputPlan; dims: number[]; data: ArrayLike<unknown> }[];
}

const N = 3;
const CASES: Case[] = [
  {
    name: 'int64 labels and scores keyed by class (ZipMap unzipped)',
    signature: {
      inputs: [],
      outputs: [
        { name: 'output_label', type: 'int64', shape: [] },
        { name: 'output_probability', type: 'float32', shape: [3], values: [0, 1, 2] },
      ],
    },
    outputs: [
      {
        plan: outputPlan('output_label', 'int64', 'scalar'),
        dims: [N],
        data: new BigInt64Array([2n, 0n, 1n]),
      },
      {
        plan: outputPlan('output_probability', 'float32', 'declared', ['0', '1', '2']),
        dims: [N, 3],
        data: new Float32Array([0.1, 0.2, 0.7, 0.8, 0.1, 0.1, 0.3, 0.4, 0.3]),
      },
    ],
  },
  {
    name: 'classes whose keys an object reorders, a row without finite scores first',
    signature: {
      inputs: [],
      outputs: [
        { name: 'label', type: 'float32', shape: [1] },
        { name: 'probabilities', type: 'float64', shape: [3], values: [10, 9, 2] },
      ],
    },
    outputs: [
      {
        plan: outputPlan('label', 'float32', 'scalar'),
        dims: [N, 1],
        data: new Float32Array([NaN, 9, 2]),
      },
      {
        plan: outputPlan('probabilities', 'float64', 'declared', ['10', '9', '2']),
        dims: [N, 3],
        data: new Float64Array([NaN, 0.5, 0.5, 0.25, 0.5, 0.25, 0, 0, 1]),
      },
    ],
  },
  {
    name: 'a regression (one number, NaN among them)',
    signature: { inputs: [], outputs: [{ name: 'variable', type: 'float32', shape: [1] }] },
    outputs: [
      {
        plan: outputPlan('variable', 'float32', 'scalar'),
        dims: [N, 1],
        data: new Float32Array([1.5, NaN, -2]),
      },
    ],
  },
  {
    name: 'probabilities without class labels (a plain matrix)',
    signature: {
      inputs: [],
      outputs: [
        { name: 'label', type: 'int64', shape: [] },
        { name: 'probabilities', type: 'float32', shape: [2] },
      ],
    },
    outputs: [
      {
        plan: outputPlan('label', 'int64', 'scalar'),
        dims: [N],
        data: new BigInt64Array([1n, 0n, 1n]),
      },
      {
        plan: outputPlan('probabilities', 'float32', 'declared'),
        dims: [N, 2],
        data: new Float32Array([0.4, 0.6, 0.9, 0.1, 0.2, 0.8]),
      },
    ],
  },
];

describe('tensorAnswers', () => {
  it.each(CASES)('makes the monitor copy observeCall makes from predictions: $name', (c) => {
    const view = predictionView(c.signature, c.config ?? {}, 'model');
    const predictions = Array.from({ length: N }, () => ({}) as Record<string, unknown>);
    for (const o of c.outputs) readOutput(o.plan, o, predictions);
    const index = [0, 2, 5];
    const expected = observeCall({ call: 'c', index }, [{}, {}, {}], predictions, [], view, true);
    const values = new Map(c.outputs.map((o) => [o.plan.name, outputValues(o.plan, o, N)]));
    const answers = tensorAnswers(view, values, N);
    expect(answers).toBeDefined();
    // The same answer for every prediction, read as feedback reads it (the scores packed).
    const copy = JSON.parse(JSON.stringify({ index, ...answers })) as AnswerColumns;
    const want = JSON.parse(JSON.stringify(expected.predictions)) as AnswerColumns;
    expect(copy.predicted).toEqual(want.predicted);
    expect(copy.classes).toEqual(want.classes);
    for (const i of index) expect(answerOf(copy, `c:${i}`, i)).toEqual(answerOf(want, `c:${i}`, i));
    // The prediction's feature is the predicted values.
    expect(JSON.stringify(answers!.predicted)).toBe(
      JSON.stringify(predictions.map((p) => view.predicted(p))),
    );
  });

  it('is undefined for a view that reads by pointers, not by output names', () => {
    const c = CASES[0]!;
    const view = predictionView(
      c.signature,
      { monitoring: { prediction: '/output_label' } },
      'model',
    );
    const values = new Map(c.outputs.map((o) => [o.plan.name, outputValues(o.plan, o, N)]));
    expect(tensorAnswers(view, values, N)).toBeUndefined();
  });
});
