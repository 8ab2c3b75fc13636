import type { ModelRuntime, RuntimeFactory } from '../types.js';
import { looksLikeOnnx } from './onnx-header.js';
import { OnnxRuntime } from './onnx-runtime.js';
import { OnnxWorkers } from './onnx-workers.js';

/** What the ONNX runtime needs from the gateway. */
export interface OnnxRuntimeDeps {
  /**
   * The gateway's ONNX worker processes (closed with the gateway). Default: workers of this
   * factory's own, one per deployment, each stopped when its model is unloaded.
   */
  workers?: OnnxWorkers;
}

/**
 * Serves ONNX models with onnxruntime-node in worker processes (see OnnxWorkers). Recognises
 * a `.onnx` file name, or (whatever the name) bytes that start like a serialized ModelProto.
 */
export function onnxRuntimeFactory(deps: OnnxRuntimeDeps = {}): RuntimeFactory<ModelRuntime> {
  const workers = deps.workers ?? new OnnxWorkers();
  return {
    format: 'onnx',
    kind: 'model',
    detect: ({ head, filename }) =>
      (filename?.toLowerCase().endsWith('.onnx') ?? false) || looksLikeOnnx(head),
    create: (spec) => new OnnxRuntime(spec, workers),
  };
}

export { OnnxRuntime } from './onnx-runtime.js';
export {
  ONNX_ISOLATIONS,
  parseOnnxConfig,
  type OnnxConfig,
  type OnnxIsolation,
} from './onnx-config.js';
export { OnnxWorkers, type OnnxWorkersOptions } from './onnx-workers.js';
