import { UnusableArtifactError } from '../../errors.js';
import type { ModelRuntime, RuntimeFactory, RuntimeSpec } from '../types.js';
import { looksLikeOnnx } from './onnx-header.js';
import { OnnxRuntime } from './onnx-runtime.js';
import { OnnxWorkers } from './onnx-workers.js';
import { hasGpus, PythonOnnxRuntime, type PythonOnnxDeps } from './python-onnx-runtime.js';

/** What the ONNX runtime needs from the gateway. */
export interface OnnxRuntimeDeps {
  /**
   * The gateway's ONNX worker processes (closed with the gateway). Default: workers of this
   * factory's own, one per deployment, each stopped when its model is unloaded.
   */
  workers?: OnnxWorkers;
  /** What the python engine's workers need (a pickle worker's needs); absent: no python engine. */
  python?: PythonOnnxDeps;
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
    create: (spec) => {
      if (engineOf(spec) === 'node') return new OnnxRuntime(spec, workers);
      if (!deps.python)
        throw new UnusableArtifactError(
          'config.engine: this gateway has no Python worker for the python engine',
          'unsupported_engine',
        );
      return new PythonOnnxRuntime(spec, deps.python);
    },
  };
}

/**
 * `config.engine`, else python where the replica gets GPUs (the CUDA provider is there only).
 * Read, not parsed: a bad value is refused with the rest of the config by the runtime's load.
 */
function engineOf(spec: RuntimeSpec): 'node' | 'python' {
  const { engine } = spec.config;
  if (engine === 'node' || engine === 'python') return engine;
  return engine === undefined && hasGpus(spec) ? 'python' : 'node';
}

export { OnnxRuntime } from './onnx-runtime.js';
export {
  ONNX_ISOLATIONS,
  parseOnnxConfig,
  type OnnxConfig,
  type OnnxIsolation,
} from './onnx-config.js';
export { OnnxWorkers, type OnnxWorkersOptions } from './onnx-workers.js';
