import type { RuntimeServices } from '../../runtimes/default-runtimes.js';
import { OnnxWorkers } from '../../runtimes/onnx/onnx-workers.js';
import { pmmlPoolRuntimeFactory } from '../../runtimes/pmml/index.js';

/** The PMML runtime of a runner, as the gateway makes it (`defaultRuntimes`). */
export const runtimeFactory = (s: RuntimeServices) =>
  pmmlPoolRuntimeFactory({ workers: s.onnx.workers ?? new OnnxWorkers() });
