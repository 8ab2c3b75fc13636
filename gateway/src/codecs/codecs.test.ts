import { describe, expect, it } from 'vitest';
import type { Signature } from '../protocol/signature.js';
import { irisClassifier } from './testing/signatures.js';
import { compileValidator } from '../validation/validate-records.js';
import {
  decodeMlflowRequest,
  decodeOipRequest,
  decodeRecordsBody,
  encodeOipMetadata,
} from './index.js';

const iris = irisClassifier;
/** skl2onnx's one-input-per-column layout, plus scalars of the other types. */
const mixed: Signature = {
  inputs: [
    { name: 'age', type: 'float32', shape: [1] },
    { name: 'city', type: 'string', shape: [1] },
    { name: 'visits', type: 'int64', shape: [] },
    { name: 'member', type: 'bool', shape: [] },
  ],
  outputs: [{ name: 'variable', type: 'float32', shape: [] }],
};

const cases: [string, Signature, Record<string, unknown>[]][] = [
  [
    'iris (one float32 [4] input)',
    iris,
    [
      { input: [5.1, 3.5, 1.4, 0.2] },
      { input: [6.7, 3.0, 5.2, 2.3] },
      { input: [5.9, 3.0, 4.2, 1.5] },
    ],
  ],
  [
    'one input per column, with a missing float',
    mixed,
    [
      { age: 31, city: 'paris', visits: 3, member: true },
      { age: null, city: 'lyon', visits: 0, member: false },
    ],
  ],
];

/**
 * Every body a client could send for the same records, built the way a client of each
 * protocol would: OIP tensors from the model metadata, MLflow frames from the columns.
 */
function bodies(sig: Signature, records: Record<string, unknown>[]) {
  const columns = sig.inputs.map((f) => f.name);
  const meta = encodeOipMetadata({ name: 'm', versions: ['1'], platform: 'p', signature: sig });
  const oip = {
    inputs: meta.inputs.map((t) => ({
      name: t.name,
      datatype: t.datatype,
      shape: [records.length, ...t.shape.slice(1)],
      data: records.map((r) => r[t.name]).flat(),
    })),
  };
  return {
    records: decodeRecordsBody(records, 100).records,
    oip: decodeOipRequest(oip, sig, 100).records,
    dataframe_split: decodeMlflowRequest(
      { dataframe_split: { columns, data: records.map((r) => columns.map((c) => r[c])) } },
      sig,
      100,
    ),
    dataframe_records: decodeMlflowRequest({ dataframe_records: records }, sig, 100),
    instances: decodeMlflowRequest({ instances: records }, sig, 100),
    inputs_columns: decodeMlflowRequest(
      { inputs: Object.fromEntries(columns.map((c) => [c, records.map((r) => r[c])])) },
      sig,
      100,
    ),
    inputs_list: decodeMlflowRequest({ inputs: records }, sig, 100),
  };
}

describe('the three wire formats', () => {
  it.each(cases)('decode equivalent bodies to the same records: %s', (_, sig, records) => {
    const validate = compileValidator(sig, { unknownFields: 'reject' });
    for (const [format, decoded] of Object.entries(bodies(sig, records))) {
      expect(decoded, format).toEqual(records);
      expect(validate(decoded).records, format).toEqual(records);
    }
  });

  it('decode a single-input model sent as bare values the same way too', () => {
    const records = cases[0]![2];
    const values = records.map((r) => r.input);
    expect(decodeMlflowRequest({ instances: values }, iris, 100)).toEqual(records);
    expect(decodeMlflowRequest({ inputs: values }, iris, 100)).toEqual(records);
    expect(decodeMlflowRequest({ inputs: { input: values } }, iris, 100)).toEqual(records);
  });
});
