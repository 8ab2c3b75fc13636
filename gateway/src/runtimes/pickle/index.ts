import type { ModelRuntime, RuntimeFactory } from '../types.js';
import { PickleRuntime, type PickleRuntimeDeps } from './pickle-runtime.js';

export {
  DEFAULT_MODEL_MEMORY_MB,
  PickleRuntime,
  type PickleRuntimeDeps,
} from './pickle-runtime.js';
export { parsePickleConfig, type PickleConfig } from './pickle-config.js';

const EXTENSIONS = ['.pkl', '.pickle', '.joblib', '.ubj'];

/**
 * True for the files the Python worker loads (it tells them apart by content, as here):
 * `.pkl`, `.pickle`, `.joblib` and `.ubj` names; bytes that open with a pickle protocol 2–5
 * header (`0x80 0x02` … `0x80 0x05`), as pickle, cloudpickle and uncompressed joblib files do;
 * an XGBoost model saved as JSON (`{"learner":`) or UBJSON (`{` then the key `learner`); a
 * LightGBM text model (`tree` then `version=`). A compressed joblib file is known by its name only.
 */
export function looksLikePickle({ head, filename }: { head: Uint8Array; filename?: string }) {
  const name = filename?.toLowerCase();
  if (name && EXTENSIONS.some((ext) => name.endsWith(ext))) return true;
  if (head.length >= 2 && head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5) return true;
  return looksLikeBoosterFile(head);
}

/** An XGBoost (JSON, UBJSON) or LightGBM (text) model file, by its first bytes. */
function looksLikeBoosterFile(head: Uint8Array): boolean {
  const text = new TextDecoder('latin1').decode(head.subarray(0, 64));
  if (/^tree\nversion=/.test(text)) return true;
  if (/^\{\s*"learner"\s*:/.test(text)) return true;
  // UBJSON: `{`, the key's length (a type marker and an integer), then `learner`.
  return /^\{[iUIlL]/.test(text) && text.slice(0, 32).includes('learner');
}

/**
 * Serves Python models from a Python worker per deployment: pickled scikit-learn (and other
 * Python) models, and XGBoost and LightGBM models in their own file formats.
 */
export function pickleRuntimeFactory(deps: PickleRuntimeDeps): RuntimeFactory<ModelRuntime> {
  return {
    format: 'pickle',
    kind: 'model',
    detect: looksLikePickle,
    create: (spec) => new PickleRuntime(spec, deps),
  };
}
