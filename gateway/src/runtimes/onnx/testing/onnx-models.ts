import onnxProto from 'onnx-proto';

// onnx-proto is CommonJS: Node's ESM loader only sees its default export.
const { onnx } = onnxProto;

/** ONNX element types by name, for building test graphs. */
export const ElemType = onnx.TensorProto.DataType;

/** A graph input or output: element type and dims (number fixed, string symbolic); no dims = undeclared. */
export interface ValueSpec {
  name: string;
  elemType: number;
  dims?: (number | string)[];
}

/** One node of a test graph. */
export interface NodeSpec {
  opType: string;
  input: string[];
  output: string[];
  domain?: string;
  attribute?: { name: string; i?: number; ints?: number[]; type: number }[];
}

const valueInfo = (v: ValueSpec) =>
  onnx.ValueInfoProto.create({
    name: v.name,
    type: {
      tensorType: {
        elemType: v.elemType,
        ...(v.dims
          ? {
              shape: {
                dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
              },
            }
          : {}),
      },
    },
  });

/**
 * Serializes a small hand-made ONNX model, for tests that need shapes and element types the
 * scikit-learn fixtures do not have (int64, bool, double inputs; symbolic and fixed batch sizes).
 */
export function buildModel(spec: {
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
}): Uint8Array {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'slipway-tests',
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'test',
        input: spec.inputs.map(valueInfo),
        output: spec.outputs.map(valueInfo),
        node: spec.nodes.map((n, i) => ({ name: `n${i}`, domain: '', ...n })),
      },
    }),
  ).finish();
}

/** An Identity from `input` to `output`. */
export const identity = (input: string, output: string): NodeSpec => ({
  opType: 'Identity',
  input: [input],
  output: [output],
});
