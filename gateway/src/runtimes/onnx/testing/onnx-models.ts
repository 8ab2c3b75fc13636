import onnxProto, { type onnx as Onnx } from 'onnx-proto';

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
  /** `g`: a subgraph (a Loop's body), with attribute type GRAPH (5). */
  attribute?: { name: string; i?: number; ints?: number[]; g?: GraphSpec; type: number }[];
}

/** A graph: its inputs, outputs and nodes. */
export interface GraphSpec {
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
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

const graphProto = (name: string, spec: GraphSpec): Onnx.IGraphProto => ({
  name,
  input: spec.inputs.map(valueInfo),
  output: spec.outputs.map(valueInfo),
  node: spec.nodes.map((n, i) => ({
    name: `${name}_n${i}`,
    domain: '',
    ...n,
    attribute: n.attribute?.map(({ g, ...a }) => (g ? { ...a, g: graphProto(a.name, g) } : a)),
  })),
});

/**
 * Serializes a small hand-made ONNX model, for tests that need shapes and element types the
 * scikit-learn fixtures do not have (int64, bool, double inputs; symbolic and fixed batch sizes).
 */
export function buildModel(spec: GraphSpec): Uint8Array {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'slipway-tests',
      opsetImport: [{ domain: '', version: 17 }],
      graph: graphProto('test', spec),
    }),
  ).finish();
}

const GRAPH = 5;
const INT = 2;
const INTS = 7;

/**
 * A model whose run takes as long as a record asks: `n` [N] int64 turns an empty Loop
 * max(n) times (about a microsecond each; 1e12 never ends in a test's lifetime) and answers
 * `y` = n as float32 per record. For deadlines and for a stuck model beside others.
 */
export const spinModel = (): Uint8Array =>
  buildModel({
    inputs: [{ name: 'n', elemType: ElemType.INT64, dims: ['N'] }],
    outputs: [{ name: 'y', elemType: ElemType.FLOAT, dims: ['N'] }],
    nodes: [
      {
        opType: 'ReduceMax',
        input: ['n'],
        output: ['trips'],
        attribute: [
          { name: 'axes', ints: [0], type: INTS },
          { name: 'keepdims', i: 0, type: INT },
        ],
      },
      {
        opType: 'Cast',
        input: ['n'],
        output: ['start'],
        attribute: [{ name: 'to', i: ElemType.FLOAT, type: INT }],
      },
      {
        opType: 'Loop',
        input: ['trips', '', 'start'],
        output: ['y'],
        attribute: [
          {
            name: 'body',
            type: GRAPH,
            g: {
              inputs: [
                { name: 'i', elemType: ElemType.INT64, dims: [] },
                { name: 'go', elemType: ElemType.BOOL, dims: [] },
                { name: 'carried', elemType: ElemType.FLOAT, dims: ['N'] },
              ],
              outputs: [
                { name: 'go_out', elemType: ElemType.BOOL, dims: [] },
                { name: 'carried_out', elemType: ElemType.FLOAT, dims: ['N'] },
              ],
              nodes: [identity('go', 'go_out'), identity('carried', 'carried_out')],
            },
          },
        ],
      },
    ],
  });

/** An Identity from `input` to `output`. */
export const identity = (input: string, output: string): NodeSpec => ({
  opType: 'Identity',
  input: [input],
  output: [output],
});
