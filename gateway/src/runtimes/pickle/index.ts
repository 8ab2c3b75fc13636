import type { ModelRuntime, RuntimeFactory } from '../types.js';
import { PickleRuntime, type PickleRuntimeDeps } from './pickle-runtime.js';

export {
  DEFAULT_MODEL_MEMORY_MB,
  PickleRuntime,
  type PickleRuntimeDeps,
} from './pickle-runtime.js';
export { parsePickleConfig, type PickleConfig } from './pickle-config.js';
export { modelPython, type ModelPythonOptions } from './model-python.js';

const EXTENSIONS = ['.pkl', '.pickle', '.joblib'];

/**
 * True for `.pkl`, `.pickle` and `.joblib` names, or for bytes that open with a pickle
 * protocol 2–5 header (`0x80 0x02` … `0x80 0x05`), as pickle, cloudpickle and uncompressed
 * joblib files do. A compressed joblib file is known by its name only.
 */
export function looksLikePickle({ head, filename }: { head: Uint8Array; filename?: string }) {
  const name = filename?.toLowerCase();
  if (name && EXTENSIONS.some((ext) => name.endsWith(ext))) return true;
  return head.length >= 2 && head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5;
}

/** Serves pickled scikit-learn (and other Python) models from a Python worker per deployment. */
export function pickleRuntimeFactory(deps: PickleRuntimeDeps): RuntimeFactory<ModelRuntime> {
  return {
    format: 'pickle',
    kind: 'model',
    detect: looksLikePickle,
    create: (spec) => new PickleRuntime(spec, deps),
  };
}
