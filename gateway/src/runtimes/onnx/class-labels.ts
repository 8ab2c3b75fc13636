import type { onnx } from 'onnx-proto';

/** Class labels by graph output, in the column order of that output's per-class scores. */
export type ClassLabels = Map<string, (string | number)[]>;

/**
 * ai.onnx.ml operators whose second output holds one score column per class, with the attributes
 * naming those classes (integer labels, string labels). ZipMap carries the same labels.
 */
const LABELLED_OPS: ReadonlyMap<string, readonly [string, string]> = new Map([
  ['LinearClassifier', ['classlabels_ints', 'classlabels_strings']],
  ['SVMClassifier', ['classlabels_ints', 'classlabels_strings']],
  ['TreeEnsembleClassifier', ['classlabels_int64s', 'classlabels_strings']],
  ['ZipMap', ['classlabels_int64s', 'classlabels_strings']],
] as const);

/** Operators that keep their first input's columns in place, so the class order survives them. */
const COLUMN_PRESERVING = new Set(['Identity', 'Cast', 'Normalizer', 'Softmax']);

/** Most operators walked back from an output before giving up. */
const MAX_DEPTH = 16;

const utf8 = new TextDecoder();

/** The class labels a labelled node carries, or undefined when it carries none. */
export function nodeClassLabels(node: onnx.INodeProto): (string | number)[] | undefined {
  const names = LABELLED_OPS.get(node.opType ?? '');
  if (!names) return undefined;
  const attr = (name: string) => node.attribute?.find((a) => a.name === name);
  const ints = attr(names[0])?.ints;
  // int64 attributes decode as protobufjs Longs (or numbers): toString() covers both.
  if (ints?.length) return ints.map((v) => Number(v.toString()));
  const strings = attr(names[1])?.strings;
  if (strings?.length) return strings.map((s) => utf8.decode(s));
  return undefined;
}

/**
 * Finds the graph outputs that carry per-class scores — a classifier's score output, reached
 * through operators that keep columns in place — with their classes. This is how a classifier
 * exported without ZipMap (`zipmap: False`) still answers probabilities keyed by class.
 */
export function traceClassLabels(graph: onnx.IGraphProto): ClassLabels {
  const producers = new Map<string, onnx.INodeProto>();
  for (const node of graph.node ?? [])
    for (const out of node.output ?? []) producers.set(out, node);
  const labels: ClassLabels = new Map();
  for (const output of graph.output ?? []) {
    let name = output.name ?? '';
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const node = producers.get(name);
      if (!node) break;
      if (COLUMN_PRESERVING.has(node.opType ?? '')) {
        name = node.input?.[0] ?? '';
        continue;
      }
      // Classifiers: output 0 is the label, output 1 the scores. ZipMap: output 0 is the map.
      const scoresAt = node.opType === 'ZipMap' ? 0 : 1;
      const classes = node.output?.[scoresAt] === name ? nodeClassLabels(node) : undefined;
      if (classes) labels.set(output.name ?? '', classes);
      break;
    }
  }
  return labels;
}
