import onnxProto, { type onnx as Onnx } from 'onnx-proto';
import { nodeClassLabels, type ClassLabels } from './class-labels.js';

// onnx-proto is CommonJS: Node's ESM loader only sees its default export.
const { onnx } = onnxProto;

/**
 * onnxruntime-node returns tensors only, so a classifier exported with ZipMap (a sequence of
 * maps) cannot be run as is. This replaces, in place, every ZipMap that feeds a graph output
 * with an Identity of its probability tensor under the same output name, declares that output
 * a float tensor `[N, classes]`, and returns the class labels so the runtime can key the
 * probabilities by class as ZipMap would have.
 */
export function unzipMapOutputs(graph: Onnx.IGraphProto): ClassLabels {
  const labels: ClassLabels = new Map();
  const outputs = new Map((graph.output ?? []).map((o, i) => [o.name ?? '', i]));
  const nodes = graph.node ?? [];
  nodes.forEach((node, i) => {
    const out = node.output?.[0];
    const input = node.input?.[0];
    if (node.opType !== 'ZipMap' || !out || !input || !outputs.has(out)) return;
    const classes = nodeClassLabels(node);
    if (!classes) return;
    labels.set(out, classes);
    nodes[i] = onnx.NodeProto.create({
      name: `${node.name || 'zipmap'}_unzipped`,
      opType: 'Identity',
      domain: '',
      input: [input],
      output: [out],
    });
    graph.output![outputs.get(out)!] = onnx.ValueInfoProto.create({
      name: out,
      type: {
        tensorType: {
          // ZipMap takes float scores only, so the unzipped output is a float tensor.
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: [{}, { dimValue: classes.length }] },
        },
      },
    });
  });
  return labels;
}
