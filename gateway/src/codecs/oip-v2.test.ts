import { describe, expect, it } from 'vitest';
import { failure } from '../../test/support/failure.js';
import type { Signature } from '../protocol/signature.js';
import { irisClassifier } from './testing/signatures.js';
import { decodeOipRequest, encodeOipMetadata, encodeOipResponse, oipDatatype } from './oip-v2.js';

const iris = irisClassifier;
const mixed: Signature = {
  inputs: [
    { name: 'age', type: 'float32', shape: [1] },
    { name: 'city', type: 'string', shape: [1] },
    { name: 'n', type: 'int64', shape: [] },
    { name: 'flag', type: 'bool', shape: [] },
  ],
  outputs: [{ name: 'variable', type: 'float32', shape: [] }],
};
const shapes: Signature = {
  inputs: [
    { name: 'image', type: 'uint8', shape: [2, 2] },
    { name: 'seq', type: 'float64', shape: [null] },
    { name: 'any', type: 'int32' },
    { name: 'doc', type: 'json' },
  ],
  outputs: [],
};

const decode = (inputs: unknown[], sig: Signature, max = 10) =>
  decodeOipRequest({ inputs }, sig, max).records;
const refusal = (body: unknown, sig: Signature = iris, max = 10) =>
  failure(() => decodeOipRequest(body, sig, max));
const tensor = (name: string, datatype: string, shape: number[], data: unknown[]) => ({
  name,
  datatype,
  shape,
  data,
});

describe('decodeOipRequest: tensors to records', () => {
  it('splits a [N, 4] tensor into one row per record, from flat or nested data', () => {
    const want = [{ input: [1, 2, 3, 4] }, { input: [5, 6, 7, 8] }];
    expect(decode([tensor('input', 'FP32', [2, 4], [1, 2, 3, 4, 5, 6, 7, 8])], iris)).toEqual(want);
    expect(
      decode(
        [
          tensor(
            'input',
            'FP32',
            [2, 4],
            [
              [1, 2, 3, 4],
              [5, 6, 7, 8],
            ],
          ),
        ],
        iris,
      ),
    ).toEqual(want);
  });

  it('gives bare values for per-record shapes [] and [1], from [N] or [N, 1] tensors', () => {
    expect(
      decode(
        [
          tensor('age', 'FP32', [2, 1], [31, 45]),
          tensor('city', 'BYTES', [2], ['paris', 'lyon']),
          tensor('n', 'INT64', [2, 1], [1, 2]),
          tensor('flag', 'BOOL', [2], [true, false]),
        ],
        mixed,
      ),
    ).toEqual([
      { age: 31, city: 'paris', n: 1, flag: true },
      { age: 45, city: 'lyon', n: 2, flag: false },
    ]);
  });

  it('nests rows to the tensor shape for deeper, free and undeclared shapes', () => {
    expect(
      decode(
        [
          tensor('image', 'UINT8', [1, 2, 2], [1, 2, 3, 4]),
          tensor('seq', 'FP64', [1, 3], [0.5, 1.5, 2.5]),
          tensor('any', 'INT32', [1, 2], [7, 8]),
          tensor('doc', 'BYTES', [1], ['{"a":1}']),
        ],
        shapes,
      ),
    ).toEqual([
      {
        image: [
          [1, 2],
          [3, 4],
        ],
        seq: [0.5, 1.5, 2.5],
        any: [7, 8],
        doc: '{"a":1}',
      },
    ]);
    expect(decode([tensor('seq', 'FP64', [2], [1, 2])], shapes)).toEqual([{ seq: 1 }, { seq: 2 }]);
    expect(decode([tensor('any', 'INT32', [1], [5])], shapes)).toEqual([{ any: 5 }]);
  });

  it('lets integer tensors feed float inputs, and anything feed json', () => {
    expect(decode([tensor('input', 'INT64', [1, 4], [1, 2, 3, 4])], iris)).toEqual([
      { input: [1, 2, 3, 4] },
    ]);
    expect(decode([tensor('doc', 'FP32', [1], [1.5])], shapes)).toEqual([{ doc: 1.5 }]);
    expect(decode([tensor('input', 'FP16', [1, 4], [1, 2, 3, 4])], iris)).toHaveLength(1);
  });

  it('leaves missing inputs to the validator, which names them', () => {
    expect(decode([tensor('age', 'FP32', [1, 1], [3])], mixed)).toEqual([{ age: 3 }]);
  });

  it('returns the request id and the outputs asked for', () => {
    const decoded = decodeOipRequest(
      {
        id: 'req-7',
        inputs: [tensor('input', 'FP32', [1, 4], [1, 2, 3, 4])],
        outputs: [{ name: 'output_probability' }, { name: 'output_label' }],
      },
      iris,
      10,
    );
    expect(decoded.requestId).toBe('req-7');
    expect(decoded.outputsRequested).toEqual(['output_probability', 'output_label']);
    const plain = decodeOipRequest(
      { inputs: [tensor('input', 'FP32', [1, 4], [1, 2, 3, 4])] },
      iris,
      10,
    );
    expect(plain).not.toHaveProperty('requestId');
    expect(plain).not.toHaveProperty('outputsRequested');
  });
});

describe('decodeOipRequest: refusals name the input', () => {
  it.each([
    [[], 'inputs', 'expected an inference request'],
    [{ inputs: {} }, 'inputs', 'expected an inference request'],
    [{ inputs: [] }, 'inputs', 'expected at least one input tensor'],
    [{ inputs: [3] }, 'inputs[0]', 'expected a tensor'],
    [
      {
        inputs: [
          tensor('input', 'FP32', [1, 4], [1, 2, 3, 4]),
          tensor('input', 'FP32', [1, 4], [1, 2, 3, 4]),
        ],
      },
      'input',
      'inputs[1] (input): given twice',
    ],
    [{ inputs: [tensor('input', 'FP32', [], [])] }, 'input', 'shape: expected [batch, ...dims]'],
    [{ inputs: [tensor('input', 'FP32', [-1, 4], [])] }, 'input', 'non-negative integers'],
    [{ inputs: [tensor('input', 'FP32', [1.5, 4], [])] }, 'input', 'non-negative integers'],
    [{ inputs: [tensor('input', 'FP32', [0, 4], [])] }, 'input', 'expected at least one record'],
    [{ inputs: [tensor('input', 'FLOAT', [1, 4], [1, 2, 3, 4])] }, 'input', 'expected one of BOOL'],
    [
      { inputs: [tensor('input', 'BYTES', [1, 4], ['a', 'b', 'c', 'd'])] },
      'input',
      'datatype BYTES cannot feed this input: it expects FP32',
    ],
    [
      { inputs: [tensor('input', 'BOOL', [1, 4], [true, true, true, true])] },
      'input',
      'expects FP32',
    ],
    [
      {
        inputs: [{ ...tensor('input', 'FP32', [1, 4], []), parameters: { binary_data_size: 16 } }],
      },
      'input',
      'binary tensor data is not supported',
    ],
    [
      { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: 'abcd' }] },
      'input',
      'data: expected an array',
    ],
    [
      { inputs: [tensor('input', 'FP32', [2, 4], [1, 2, 3])] },
      'input',
      'data has 3 elements; shape [2, 4] needs 8',
    ],
    [
      { inputs: [tensor('input', 'FP32', [2, 3], [1, 2, 3, 4, 5, 6])] },
      'input',
      'expected shape [N, 4] (the batch, then float32, shape [4] per record; -1 = any size), got [2, 3]',
    ],
    [{ inputs: [tensor('input', 'FP32', [4], [1, 2, 3, 4])] }, 'input', 'expected shape [N, 4]'],
    [
      { id: 5, inputs: [tensor('input', 'FP32', [1, 4], [1, 2, 3, 4])] },
      'id',
      'id: expected a string',
    ],
    [
      { inputs: [tensor('input', 'FP32', [1, 4], [1, 2, 3, 4])], outputs: {} },
      'outputs',
      'expected an array',
    ],
    [
      { inputs: [tensor('input', 'FP32', [1, 4], [1, 2, 3, 4])], outputs: ['output_label'] },
      'outputs[0]',
      'expected {"name": ...}',
    ],
    [
      { inputs: [tensor('input', 'FP32', [1, 4], [1, 2, 3, 4])], outputs: [{ name: 'nope' }] },
      'outputs[0]',
      'unknown output nope; expected one of output_label, output_probability',
    ],
  ])('refuses %j naming %s', (body, field, message) => {
    const err = refusal(body);
    expect(err.status).toBe(400);
    expect(err.field).toBe(field);
    expect(err.message).toContain(message);
  });

  it('splits a tensor the model does not take into rows by its own shape, for the validator to drop', () => {
    const { records } = decodeOipRequest(
      {
        inputs: [
          tensor('input', 'FP32', [2, 4], [1, 2, 3, 4, 5, 6, 7, 8]),
          tensor('row_id', 'BYTES', [2], ['a', 'b']),
          tensor('extra', 'INT64', [2, 2], [1, 2, 3, 4]),
        ],
      },
      iris,
      100,
    );
    expect(records).toEqual([
      { input: [1, 2, 3, 4], row_id: 'a', extra: [1, 2] },
      { input: [5, 6, 7, 8], row_id: 'b', extra: [3, 4] },
    ]);
    // Still a tensor: its batch must agree with the others'.
    const err = refusal({
      inputs: [tensor('input', 'FP32', [1, 4], [1, 2, 3, 4]), tensor('x', 'FP32', [2], [1, 2])],
    });
    expect(err.field).toBe('x');
  });

  it('refuses inputs that disagree on the batch size', () => {
    const err = refusal(
      {
        inputs: [tensor('age', 'FP32', [2, 1], [1, 2]), tensor('city', 'BYTES', [1, 1], ['x'])],
      },
      mixed,
    );
    expect(err.field).toBe('city');
    expect(err.message).toContain("batch size 1 (shape[0]) differs from the other inputs' 2");
  });

  it('refuses a float tensor for an integer input', () => {
    const err = refusal({ inputs: [tensor('n', 'FP64', [1], [1])] }, mixed);
    expect(err.message).toContain('datatype FP64 cannot feed this input: it expects INT64');
  });

  it('refuses a batch over the limit with 413 before looking at the data', () => {
    const err = refusal({ inputs: [tensor('input', 'FP32', [1_000_000_000, 0], [])] });
    expect(err.status).toBe(413);
    expect(err.message).toContain('the limit is 10');
  });
});

describe('encodeOipResponse', () => {
  const predictions = [
    { output_label: 0, output_probability: { 0: 0.9, 1: 0.08, 2: 0.02 } },
    { output_label: 2, output_probability: { 2: 0.89, 1: 0.1, 0: 0.01 } },
  ];
  const base = {
    modelName: 'iris',
    modelVersion: '1',
    requestId: 'r',
    ids: ['r:0', 'r:1'],
    predictions,
    signature: iris,
  };

  it('answers every output as a [N, ...] tensor, probabilities in class order, with the ids', () => {
    expect(encodeOipResponse(base)).toEqual({
      model_name: 'iris',
      model_version: '1',
      id: 'r',
      parameters: { prediction_ids: ['r:0', 'r:1'] },
      outputs: [
        { name: 'output_label', datatype: 'INT64', shape: [2], data: [0, 2] },
        {
          name: 'output_probability',
          datatype: 'FP32',
          shape: [2, 3],
          data: [0.9, 0.08, 0.02, 0.01, 0.1, 0.89],
        },
      ],
    });
  });

  it('orders probabilities by the classes declared, not the keys given', () => {
    const labels: Signature = {
      inputs: [],
      outputs: [
        { name: 'p', type: 'float32', shape: [3], values: ['setosa', 'versicolor', 'virginica'] },
      ],
    };
    const res = encodeOipResponse({
      ...base,
      ids: ['a'],
      signature: labels,
      predictions: [{ p: { virginica: 0.7, setosa: 0.1 } }],
    });
    expect(res.outputs[0]).toEqual({
      name: 'p',
      datatype: 'FP32',
      shape: [1, 3],
      data: [0.1, null, 0.7],
    });
    // Without declared classes, the first record's key order holds for every row.
    const loose: Signature = { inputs: [], outputs: [{ name: 'p', type: 'float64' }] };
    expect(
      encodeOipResponse({
        ...base,
        signature: loose,
        predictions: [{ p: { b: 1, a: 0 } }, { p: { a: 0.5, b: 0.5 } }],
      }).outputs[0],
    ).toEqual({ name: 'p', datatype: 'FP64', shape: [2, 2], data: [1, 0, 0.5, 0.5] });
  });

  it('answers only the outputs asked for, in the order asked', () => {
    const res = encodeOipResponse({
      ...base,
      outputsRequested: ['output_probability', 'output_label'],
    });
    expect(res.outputs.map((o) => o.name)).toEqual(['output_probability', 'output_label']);
    expect(
      encodeOipResponse({ ...base, outputsRequested: ['output_label'] }).outputs.map((o) => o.name),
    ).toEqual(['output_label']);
  });

  it('carries strings, bools, json and nested values with their datatypes and shapes', () => {
    const sig: Signature = {
      inputs: [],
      outputs: [
        { name: 'label', type: 'string', shape: [1] },
        { name: 'ok', type: 'bool', shape: [] },
        { name: 'grid', type: 'int32', shape: [2, 2] },
        { name: 'meta', type: 'json' },
        { name: 'seq', type: 'float32', shape: [null] },
      ],
    };
    const res = encodeOipResponse({
      ...base,
      signature: sig,
      predictions: [
        {
          label: 'a',
          ok: true,
          grid: [
            [1, 2],
            [3, 4],
          ],
          meta: { k: 1 },
          seq: [1, 2, 3],
        },
        {
          label: 7,
          ok: false,
          grid: [
            [5, 6],
            [7, 8],
          ],
          meta: 'x',
          seq: [4, 5, 6],
        },
      ],
    });
    expect(res.outputs).toEqual([
      // A bare value for a declared [1] answers [N, 1], as the metadata says.
      { name: 'label', datatype: 'BYTES', shape: [2, 1], data: ['a', '7'] },
      { name: 'ok', datatype: 'BOOL', shape: [2], data: [true, false] },
      { name: 'grid', datatype: 'INT32', shape: [2, 2, 2], data: [1, 2, 3, 4, 5, 6, 7, 8] },
      { name: 'meta', datatype: 'BYTES', shape: [2], data: ['{"k":1}', '"x"'] },
      { name: 'seq', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
    ]);
  });

  it('answers a missing value as null', () => {
    const res = encodeOipResponse({
      ...base,
      signature: { inputs: [], outputs: [{ name: 'variable', type: 'float32', shape: [] }] },
      predictions: [{ variable: null }, {}],
    });
    expect(res.outputs[0]!.data).toEqual([null, null]);
  });

  it('fails with 500 when records answer differently shaped values', () => {
    const err = failure(() =>
      encodeOipResponse({
        ...base,
        signature: { inputs: [], outputs: [{ name: 'seq', type: 'float32', shape: [null] }] },
        predictions: [{ seq: [1, 2] }, { seq: [1, 2, 3] }],
      }),
    );
    expect(err.status).toBe(500);
    expect(err.message).toContain('output seq: records have values of different shapes');
  });
});

describe('encodeOipMetadata', () => {
  it('describes inputs and outputs with -1 for the batch and free dimensions', () => {
    expect(
      encodeOipMetadata({
        name: 'iris',
        versions: ['1', '2'],
        platform: 'slipway-onnx',
        signature: { ...iris, inputs: [...iris.inputs, ...shapes.inputs] },
      }),
    ).toEqual({
      name: 'iris',
      versions: ['1', '2'],
      platform: 'slipway-onnx',
      inputs: [
        { name: 'input', datatype: 'FP32', shape: [-1, 4] },
        { name: 'image', datatype: 'UINT8', shape: [-1, 2, 2] },
        { name: 'seq', datatype: 'FP64', shape: [-1, -1] },
        { name: 'any', datatype: 'INT32', shape: [-1] },
        { name: 'doc', datatype: 'BYTES', shape: [-1] },
      ],
      outputs: [
        { name: 'output_label', datatype: 'INT64', shape: [-1] },
        { name: 'output_probability', datatype: 'FP32', shape: [-1, 3] },
      ],
    });
  });

  it('maps every value type to its datatype', () => {
    expect(
      (['float32', 'float64', 'int8', 'uint64', 'bool', 'string', 'json'] as const).map(
        oipDatatype,
      ),
    ).toEqual(['FP32', 'FP64', 'INT8', 'UINT64', 'BOOL', 'BYTES', 'BYTES']);
  });
});
