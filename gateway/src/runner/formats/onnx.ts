import type { RuntimeServices } from '../../runtimes/default-runtimes.js';
import { onnxRuntimeFactory } from '../../runtimes/onnx/index.js';

/** The ONNX runtime of a runner, as the gateway makes it (`defaultRuntimes`). */
export const runtimeFactory = (s: RuntimeServices) =>
  onnxRuntimeFactory({ python: s.pickles, ...s.onnx });
