import { onnxRuntimeFactory } from './onnx/index.js';
import type { RuntimeFactory } from './types.js';

/** The runtimes a gateway serves by default, in detection order. */
export function defaultRuntimes(): RuntimeFactory[] {
  return [onnxRuntimeFactory];
}
