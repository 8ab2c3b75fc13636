import onnxProto from 'onnx-proto';
import { traceClassLabels, type ClassLabels } from './class-labels.js';
import { unzipMapOutputs } from './zipmap.js';

// onnx-proto is CommonJS: Node's ESM loader only sees its default export.
const { onnx } = onnxProto;

/** A model ready for onnxruntime, with what its graph says about class labels. */
export interface PreparedModel {
  /** The bytes to create the session from: the artifact's own, or a rewrite held in memory. */
  bytes: Uint8Array;
  /** Class labels by graph output, for outputs that carry per-class scores. */
  labels: ClassLabels;
  /** Graph outputs whose ZipMap was removed. */
  unzipped: string[];
}

/**
 * Operator names whose presence means the graph is worth decoding. Node op types are stored as
 * plain strings, so a model without any of them (any large neural network) is passed through
 * without paying for a protobuf decode of its weights.
 */
const MARKERS = ['ZipMap', 'Classifier'].map((m) => Buffer.from(m, 'latin1'));

/**
 * Reads class labels off the graph and unzips ZipMap outputs (see `unzipMapOutputs`). Only a
 * model that had a ZipMap is re-encoded: onnx-proto knows the ONNX schema up to IR version 8
 * and would drop fields added since, so every other model reaches onnxruntime as its own bytes.
 * Bytes that do not decode as a ModelProto are passed through too, so that onnxruntime gives
 * its own reason for refusing them.
 */
export function prepareModel(bytes: Uint8Array): PreparedModel {
  const unchanged: PreparedModel = { bytes, labels: new Map(), unzipped: [] };
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!MARKERS.some((m) => view.includes(m))) return unchanged;
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch {
    return unchanged;
  }
  const graph = model.graph;
  if (!graph) return unchanged;
  const unzippedLabels = unzipMapOutputs(graph);
  // After the rewrite a ZipMap output leads back to its classifier, whose labels are the same.
  const labels = new Map([...traceClassLabels(graph), ...unzippedLabels]);
  if (unzippedLabels.size === 0) return { bytes, labels, unzipped: [] };
  return {
    bytes: onnx.ModelProto.encode(model).finish(),
    labels,
    unzipped: [...unzippedLabels.keys()],
  };
}
