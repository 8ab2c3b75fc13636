import type { RuntimeFactory } from '../types.js';
import { OnnxRuntime } from './onnx-runtime.js';

/** Serves `.onnx` files in-process with onnxruntime-node. */
export const onnxRuntimeFactory: RuntimeFactory = {
  format: 'onnx',
  detect: ({ head, filename }) => {
    if (filename) return filename.toLowerCase().endsWith('.onnx');
    // ModelProto starts with field 1 (ir_version, varint): tag byte 0x08.
    return head[0] === 0x08 && head.length > 2;
  },
  create: (spec, ctx) => new OnnxRuntime(spec, ctx),
};
