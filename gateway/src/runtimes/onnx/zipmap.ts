import onnxProto from 'onnx-proto';

// onnx-proto is CommonJS: Node's ESM loader only sees its default export.
const { onnx } = onnxProto;

/** Class labels of a ZipMap the model ended in, by the graph output that carried them. */
export type ClassLabels = Map<string, (string | number)[]>;

/**
 * onnxruntime-node returns tensors only, so a classifier exported with ZipMap (a sequence of
 * maps) cannot be run as is. This replaces every ZipMap that feeds a graph output with an
 * Identity of its probability tensor, under the same output name, and keeps the class
 * labels so the runtime can present probabilities keyed by class as ZipMap would.
 * Returns undefined when the model has no such ZipMap (then the original bytes are used).
 */
export function unzipMapOutputs(
  bytes: Uint8Array,
): { bytes: Uint8Array; labels: ClassLabels } | undefined {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph?.node) return undefined;
  const outputs = new Map((graph.output ?? []).map((o, i) => [o.name ?? '', i]));
  const labels: ClassLabels = new Map();
  graph.node.forEach((node, i) => {
    const out = node.output?.[0];
    if (node.opType !== 'ZipMap' || !out || !outputs.has(out)) return;
    const attr = (name: string) => node.attribute?.find((a) => a.name === name);
    const ints = attr('classlabels_int64s')?.ints;
    const strings = attr('classlabels_strings')?.strings;
    const classes: (string | number)[] = ints?.length
      ? ints.map((v) => Number(v.toString()))
      : (strings ?? []).map((s) => new TextDecoder().decode(s));
    labels.set(out, classes);
    graph.node![i] = onnx.NodeProto.create({
      name: `${node.name ?? 'zipmap'}_unzipped`,
      opType: 'Identity',
      domain: '',
      input: [node.input![0]!],
      output: [out],
    });
    graph.output![outputs.get(out)!] = onnx.ValueInfoProto.create({
      name: out,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: [{ dimParam: 'N' }, { dimValue: classes.length }] },
        },
      },
    });
  });
  if (labels.size === 0) return undefined;
  return { bytes: onnx.ModelProto.encode(model).finish(), labels };
}
