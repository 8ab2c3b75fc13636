import { describe, expect, it } from 'vitest';
import { failure } from '../../../test/support/failure.js';
import type { Signature } from '../../protocol/signature.js';
import {
  decodeMlflowRequest,
  decodeOipRequest,
  decodeRecordsBody,
  encodeMlflowResponse,
  encodeOipMetadata,
  encodeOipResponse,
  encodeRecordsResponse,
} from './index.js';

const iris: Signature = {
  inputs: [{ name: 'input', type: 'float32', shape: [4] }],
  outputs: [
    { name: 'output_label', type: 'int64', shape: [] },
    { name: 'output_probability', type: 'float32', shape: [3], values: [0, 1, 2] },
  ],
};
const mixed: Signature = {
  inputs: [
    { name: 'age', type: 'float32', shape: [1] },
    { name: 'city', type: 'string', shape: [1] },
  ],
  outputs: [{ name: 'variable', type: 'float32', shape: [] }],
};

const rows = [{ input: [5.1, 3.5, 1.4, 0.2] }, { input: [6.7, 3.0, 5.2, 2.3] }];
const people = [
  { age: 31, city: 'paris' },
  { age: 45, city: 'lyon' },
];

describe('the three request formats', () => {
  it('decode equivalent bodies to the same records', () => {
    for (const [sig, recs] of [
      [iris, rows],
      [mixed, people],
    ] as const) {
      const cols = Object.keys(recs[0]!);
      const viaRecords = decodeRecordsBody(recs, 100).records;
      const viaSplit = decodeMlflowRequest(
        {
          dataframe_split: {
            columns: cols,
            data: recs.map((r) => cols.map((c) => (r as Record<string, unknown>)[c])),
          },
        },
        sig,
        100,
      );
      const viaDfRecords = decodeMlflowRequest({ dataframe_records: recs }, sig, 100);
      const viaInstances = decodeMlflowRequest({ instances: recs }, sig, 100);
      const viaInputs = decodeMlflowRequest(
        {
          inputs: Object.fromEntries(
            cols.map((c) => [c, recs.map((r) => (r as Record<string, unknown>)[c])]),
          ),
        },
        sig,
        100,
      );
      const viaOip = decodeOipRequest(
        {
          inputs: sig.inputs.map((f) => ({
            name: f.name,
            datatype: f.type === 'string' ? 'BYTES' : 'FP32',
            shape: [recs.length, ...(f.shape ?? [])],
            data: recs.map((r) => (r as Record<string, unknown>)[f.name]).flat(),
          })),
        },
        sig,
        100,
      ).records;
      const norm = (rs: unknown[]) =>
        rs.map((r) =>
          Object.fromEntries(
            Object.entries(r as object).map(([k, v]) => [
              k,
              Array.isArray(v) && v.length === 1 ? v[0] : v,
            ]),
          ),
        );
      for (const other of [viaSplit, viaDfRecords, viaInstances, viaInputs, viaOip])
        expect(norm(other)).toEqual(norm(viaRecords));
    }
  });

  it('take a bare instance as the value of the only input', () => {
    expect(decodeMlflowRequest({ instances: [[1, 2, 3, 4]] }, iris, 10)).toEqual([
      { input: [1, 2, 3, 4] },
    ]);
  });

  it('refuse malformed bodies naming the part', () => {
    expect(failure(() => decodeRecordsBody(3, 10)).message).toContain('JSON object');
    expect(failure(() => decodeRecordsBody([], 10)).status).toBe(400);
    expect(failure(() => decodeRecordsBody([{}, {}, {}], 2)).status).toBe(413);
    expect(failure(() => decodeMlflowRequest({ rows: [] }, iris, 10)).message).toContain(
      'dataframe_split',
    );
    expect(
      failure(() => decodeMlflowRequest({ instances: [], inputs: [] }, iris, 10)).message,
    ).toContain('exactly one');
    expect(
      failure(() =>
        decodeMlflowRequest({ dataframe_split: { columns: ['a'], data: [[1, 2]] } }, iris, 10),
      ).field,
    ).toBe('dataframe_split.data[0]');
    expect(
      failure(() => decodeMlflowRequest({ inputs: { age: [1, 2], city: ['x'] } }, mixed, 10)).field,
    ).toBe('inputs.city');
    expect(
      failure(() =>
        decodeOipRequest(
          { inputs: [{ name: 'nope', datatype: 'FP32', shape: [1], data: [1] }] },
          iris,
          10,
        ),
      ).field,
    ).toBe('nope');
    expect(
      failure(() =>
        decodeOipRequest(
          {
            inputs: [
              { name: 'input', datatype: 'BYTES', shape: [1, 4], data: ['a', 'b', 'c', 'd'] },
            ],
          },
          iris,
          10,
        ),
      ).message,
    ).toContain('expects FP32');
    expect(
      failure(() =>
        decodeOipRequest(
          { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: [1, 2, 3] }] },
          iris,
          10,
        ),
      ).message,
    ).toContain('needs 8');
    expect(
      failure(() =>
        decodeOipRequest(
          {
            inputs: [
              { name: 'age', datatype: 'FP32', shape: [2, 1], data: [1, 2] },
              { name: 'city', datatype: 'BYTES', shape: [1, 1], data: ['x'] },
            ],
          },
          mixed,
          10,
        ),
      ).message,
    ).toContain('batch size');
  });
});

describe('answers', () => {
  const predictions = [
    { output_label: 0, output_probability: { '0': 0.9, '1': 0.08, '2': 0.02 } },
    { output_label: 2, output_probability: { '0': 0.01, '1': 0.1, '2': 0.89 } },
  ];

  it('records: one record answers prediction, many answer predictions; a single output is unwrapped', () => {
    expect(
      encodeRecordsResponse({
        single: true,
        id: 'a',
        ids: ['a'],
        version: 3,
        predictions: [predictions[0]!],
        signature: iris,
      }),
    ).toEqual({ id: 'a', version: 3, prediction: predictions[0] });
    expect(
      encodeRecordsResponse({
        single: false,
        id: 'a',
        ids: ['a:0', 'a:1'],
        version: 3,
        predictions: [{ variable: 1.5 }, { variable: 2 }],
        signature: mixed,
      }),
    ).toEqual({ ids: ['a:0', 'a:1'], version: 3, predictions: [1.5, 2] });
  });

  it('mlflow: predictions and ids', () => {
    expect(
      encodeMlflowResponse({ ids: ['x'], predictions: [{ variable: 4 }], signature: mixed }),
    ).toEqual({ predictions: [4], ids: ['x'] });
  });

  it('oip: output tensors with the batch first, probabilities in class order', () => {
    const res = encodeOipResponse({
      modelName: 'iris',
      modelVersion: '1',
      requestId: 'r',
      predictions,
      ids: ['a', 'b'],
      signature: iris,
    });
    expect(res.outputs).toEqual([
      { name: 'output_label', datatype: 'INT64', shape: [2], data: [0, 2] },
      {
        name: 'output_probability',
        datatype: 'FP32',
        shape: [2, 3],
        data: [0.9, 0.08, 0.02, 0.01, 0.1, 0.89],
      },
    ]);
    expect(res.parameters).toEqual({ prediction_ids: ['a', 'b'] });
    const only = encodeOipResponse({
      modelName: 'iris',
      modelVersion: '1',
      requestId: 'r',
      predictions,
      ids: ['a', 'b'],
      signature: iris,
      outputsRequested: ['output_label'],
    });
    expect(only.outputs.map((o) => o.name)).toEqual(['output_label']);
  });

  it('oip metadata: -1 for the batch and free dimensions', () => {
    expect(
      encodeOipMetadata({
        name: 'iris',
        versions: ['1', '2'],
        platform: 'slipway-onnx',
        signature: iris,
      }),
    ).toEqual({
      name: 'iris',
      versions: ['1', '2'],
      platform: 'slipway-onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [
        { name: 'output_label', datatype: 'INT64', shape: [-1] },
        { name: 'output_probability', datatype: 'FP32', shape: [-1, 3] },
      ],
    });
  });
});
