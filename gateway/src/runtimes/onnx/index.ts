import type { RuntimeFactory } from '../types.js';
import { looksLikeOnnx } from './onnx-header.js';
import { OnnxRuntime } from './onnx-runtime.js';

/**
 * Serves ONNX models in-process with onnxruntime-node. Recognises a `.onnx` file name, or
 * (whatever the name) bytes that start like a serialized ModelProto.
 */
export const onnxRuntimeFactory: RuntimeFactory = {
  format: 'onnx',
  detect: ({ head, filename }) =>
    (filename?.toLowerCase().endsWith('.onnx') ?? false) || looksLikeOnnx(head),
  create: (spec, ctx) => new OnnxRuntime(spec, ctx),
};

export { OnnxRuntime } from './onnx-runtime.js';
