import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { UnusableArtifactError } from '../../errors.js';
import type { Signature } from '../../protocol/signature.js';
import { planModel } from './onnx-signature.js';
import { prepareModel } from './prepare-model.js';

type Meta = ort.InferenceSession.ValueMetadata;
const tensor = (name: string, type: string, shape: (number | string)[]): Meta =>
  ({ name, isTensor: true, type, shape }) as Meta;
const notTensor = (name: string): Meta => ({ name, isTensor: false });

async function fixtureSignature(name: string): Promise<Signature> {
  const bytes = await readFile(
    new URL(`../../../test/fixtures/onnx/${name}.onnx`, import.meta.url),
  );
  const prepared = prepareModel(bytes);
  const session = await ort.InferenceSession.create(prepared.bytes);
  try {
    return planModel(session, prepared.labels).signature;
  } finally {
    await session.release();
  }
}

describe('signatures of the scikit-learn fixtures', () => {
  it('classifier with ZipMap: integer labels, probabilities keyed by them', async () => {
    expect(await fixtureSignature('classifier_zipmap')).toEqual({
      inputs: [{ name: 'X', type: 'float32', shape: [4] }],
      outputs: [
        { name: 'output_label', type: 'int64', shape: [] },
        { name: 'output_probability', type: 'float32', shape: [3], values: [0, 1, 2] },
      ],
    });
  });

  it('classifier without ZipMap: string labels found on the classifier node', async () => {
    expect(await fixtureSignature('classifier_nozipmap')).toEqual({
      inputs: [{ name: 'X', type: 'float32', shape: [4] }],
      outputs: [
        { name: 'label', type: 'string', shape: [] },
        {
          name: 'probabilities',
          type: 'float32',
          shape: [3],
          values: ['setosa', 'versicolor', 'virginica'],
        },
      ],
    });
  });

  it('regressor: its [N, 1] output is one number per record', async () => {
    expect(await fixtureSignature('regressor_gbr')).toEqual({
      inputs: [{ name: 'X', type: 'float32', shape: [6] }],
      outputs: [{ name: 'variable', type: 'float32', shape: [] }],
    });
  });

  it('one input per column, float and string', async () => {
    expect(await fixtureSignature('mixed_columns')).toEqual({
      inputs: [
        { name: 'age', type: 'float32', shape: [1] },
        { name: 'income', type: 'float32', shape: [1] },
        { name: 'city', type: 'string', shape: [1] },
        { name: 'plan', type: 'string', shape: [1] },
      ],
      outputs: [
        { name: 'output_label', type: 'string', shape: [] },
        { name: 'output_probability', type: 'float32', shape: [2], values: ['churn', 'stay'] },
      ],
    });
  });
});

describe('planModel', () => {
  const out = [tensor('y', 'float32', ['N', 2])];

  it.each([
    ['float32', 'float32'],
    ['float64', 'float64'],
    ['int8', 'int8'],
    ['int16', 'int16'],
    ['int32', 'int32'],
    ['int64', 'int64'],
    ['uint8', 'uint8'],
    ['uint16', 'uint16'],
    ['uint32', 'uint32'],
    ['uint64', 'uint64'],
    ['bool', 'bool'],
    ['string', 'string'],
  ])('maps onnxruntime type %s to %s', (ortType, ours) => {
    const plan = planModel(
      {
        inputMetadata: [tensor('x', ortType, ['N', 3])],
        outputMetadata: [tensor('y', ortType, ['N', 3])],
      },
      new Map(),
    );
    expect(plan.signature.inputs[0]!.type).toBe(ours);
    expect(plan.signature.outputs[0]!.type).toBe(ours);
  });

  it('drops the batch dimension; symbolic and unknown dims become free', () => {
    const plan = planModel(
      {
        inputMetadata: [
          tensor('tokens', 'int64', ['batch', 'seq']),
          tensor('image', 'float32', ['', 3, 'h', 8]),
        ],
        outputMetadata: out,
      },
      new Map(),
    );
    expect(plan.signature.inputs).toEqual([
      { name: 'tokens', type: 'int64', shape: [null] },
      { name: 'image', type: 'float32', shape: [3, null, 8] },
    ]);
    expect(plan.inputs.map((i) => i.width)).toEqual([undefined, undefined]);
    expect(plan.fixedBatch).toBeUndefined();
  });

  it('squeezes an output of one element per record, and nothing else', () => {
    const plan = planModel(
      {
        inputMetadata: [tensor('x', 'float32', ['N', 1])],
        outputMetadata: [
          tensor('one', 'float32', ['N', 1]),
          tensor('flat', 'int64', ['N']),
          tensor('nested', 'float32', ['N', 1, 1]),
          tensor('grid', 'float32', ['N', 2, 'k']),
        ],
      },
      new Map(),
    );
    expect(plan.signature.inputs[0]!.shape).toEqual([1]);
    expect(plan.signature.outputs.map((o) => o.shape)).toEqual([[], [], [1, 1], [2, null]]);
    expect(plan.outputs.map((o) => o.shape)).toEqual(['scalar', 'scalar', 'declared', 'declared']);
  });

  it('leaves an undeclared shape out of the signature', () => {
    const plan = planModel(
      { inputMetadata: [tensor('x', 'float32', [])], outputMetadata: [tensor('y', 'float32', [])] },
      new Map(),
    );
    expect(plan.signature).toEqual({
      inputs: [{ name: 'x', type: 'float32' }],
      outputs: [{ name: 'y', type: 'float32' }],
    });
    expect(plan.inputs[0]!.dims).toBeUndefined();
    expect(plan.outputs[0]!.shape).toBe('undeclared');
  });

  it('notes a fixed batch size, the smallest of the inputs', () => {
    const plan = planModel(
      {
        inputMetadata: [tensor('a', 'float32', [4, 3]), tensor('b', 'float32', [2, 3])],
        outputMetadata: out,
      },
      new Map(),
    );
    expect(plan.fixedBatch).toBe(2);
    expect(plan.inputs.map((i) => i.width)).toEqual([3, 3]);
  });

  it('gives class scores their labels only when the columns match', () => {
    const plan = planModel(
      {
        inputMetadata: [tensor('x', 'float32', ['N', 4])],
        outputMetadata: [tensor('p', 'float32', ['N', 3]), tensor('q', 'float32', ['N', 'C'])],
      },
      new Map<string, (string | number)[]>([
        ['p', [10, 20, 30]],
        ['q', ['a', 'b']],
      ]),
    );
    expect(plan.signature.outputs).toEqual([
      { name: 'p', type: 'float32', shape: [3], values: [10, 20, 30] },
      { name: 'q', type: 'float32', shape: [null] },
    ]);
    expect(plan.outputs[0]!.keys).toEqual(['10', '20', '30']);
    expect(plan.warnings.join()).toContain('q');
  });

  it('serves the tensor outputs and says which others it leaves out', () => {
    const plan = planModel(
      {
        inputMetadata: [tensor('x', 'float32', ['N', 4])],
        outputMetadata: [notTensor('maps'), tensor('half', 'float16', ['N', 2]), ...out],
      },
      new Map(),
    );
    expect(plan.fetches).toEqual(['y']);
    expect(plan.warnings).toHaveLength(2);
    expect(plan.warnings.join()).toMatch(/maps.*half|half.*maps/);
  });

  it.each([
    ['a float16 input', [tensor('x', 'float16', ['N', 2])], out, /float16/],
    ['a sequence input', [notTensor('seq')], out, /seq.*not a tensor/],
    [
      'no servable output',
      [tensor('x', 'float32', ['N', 2])],
      [notTensor('maps')],
      /no tensor output/,
    ],
  ])('refuses %s with a reason', (_what, inputMetadata, outputMetadata, reason) => {
    let err: unknown;
    try {
      planModel({ inputMetadata, outputMetadata }, new Map());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnusableArtifactError);
    expect((err as Error).message).toMatch(reason);
  });
});
