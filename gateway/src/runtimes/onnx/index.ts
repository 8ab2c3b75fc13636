import type { ModelRuntime, RuntimeFactory } from '../types.js';
import { looksLikeOnnx } from './onnx-header.js';
import { OnnxRuntime } from './onnx-runtime.js';

/**
 * Serves ONNX models in-process with onnxruntime-node. Recognises a `.onnx` file name, or
 * (whatever the name) bytes that start like a serialized ModelProto.
 */
export const onnxRuntimeFactory: RuntimeFactory<ModelRuntime> = {
  format: 'onnx',
  kind: 'model',
  detect: ({ head, filename }) =>
    (filename?.toLowerCase().endsWith('.onnx') ?? false) || looksLikeOnnx(head),
  create: (spec) => new OnnxRuntime(spec),
};

export { OnnxRuntime } from './onnx-runtime.js';
