import { mojoRuntimeFactory, type MojoRuntimeDeps } from './mojo/index.js';
import { notebookRuntimeFactory, type NotebookRuntimeDeps } from './notebook/notebook-runtime.js';
import { onnxRuntimeFactory, type OnnxRuntimeDeps } from './onnx/index.js';
import { pickleRuntimeFactory, type PickleRuntimeDeps } from './pickle/index.js';
import { OnnxWorkers } from './onnx/onnx-workers.js';
import { pmmlPoolRuntimeFactory } from './pmml/index.js';
import type { RuntimeFactory } from './types.js';

/** What out-of-process runtimes need from the gateway. */
export interface RuntimeServices {
  notebooks: NotebookRuntimeDeps;
  mojo: MojoRuntimeDeps;
  pickles: PickleRuntimeDeps;
  onnx: OnnxRuntimeDeps;
}

/** The runtimes a gateway serves by default, in detection order. */
export function defaultRuntimes(services: RuntimeServices): RuntimeFactory[] {
  return [
    // The python engine's workers are Python workers as a pickle's are.
    onnxRuntimeFactory({ python: services.pickles, ...services.onnx }),
    // The gateway's ONNX worker processes host PMML documents off the cpu pool.
    pmmlPoolRuntimeFactory({ workers: services.onnx.workers ?? new OnnxWorkers() }),
    notebookRuntimeFactory(services.notebooks),
    mojoRuntimeFactory(services.mojo),
    pickleRuntimeFactory(services.pickles),
  ];
}
