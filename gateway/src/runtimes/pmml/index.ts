import type { ModelRuntime, RuntimeFactory } from '../types.js';
import { OnnxRuntime } from '../onnx/onnx-runtime.js';
import type { OnnxWorkers } from '../onnx/onnx-workers.js';
import { limitsFrom } from './pmml-config.js';
import { PmmlRuntime } from './pmml-runtime.js';

export { compilePmml, type PmmlModel } from './document.js';
export { DEFAULT_LIMITS, type XmlLimits } from './xml.js';
export { PmmlRuntime } from './pmml-runtime.js';

/** True when the first bytes hold a `<PMML` root element (after any XML declaration or comments). */
function looksLikePmml(head: Uint8Array): boolean {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head.subarray(0, 4096));
  return /<(?:[A-Za-z_][\w.-]*:)?PMML[\s>]/.test(text);
}

/**
 * Serves PMML documents with the native TypeScript evaluator. Claims `.pmml` files, and `.xml`
 * files (or unnamed ones) whose head holds a `<PMML` element.
 */
export const pmmlRuntimeFactory: RuntimeFactory<ModelRuntime> = {
  format: 'pmml',
  kind: 'model',
  detect: ({ head, filename }) => {
    const name = filename?.toLowerCase();
    if (name?.endsWith('.pmml')) return true;
    if (name !== undefined && !name.endsWith('.xml')) return false;
    return looksLikePmml(head);
  },
  create: (spec) => new PmmlRuntime(spec),
};

/**
 * The same, placed by pool: on `cpu` a document is scored in the gateway process (microseconds
 * a record, on the event loop); on `gpu` and `highmem` in a worker process of the pool (a thread
 * of an ONNX worker process of its own), under that replica's memory limit and CPU weight.
 */
export function pmmlPoolRuntimeFactory(deps: {
  workers: OnnxWorkers;
}): RuntimeFactory<ModelRuntime> {
  return {
    ...pmmlRuntimeFactory,
    create: (spec) => {
      if (spec.pool === 'cpu') return new PmmlRuntime(spec);
      // The worker's parse refuses a document past `config.maxBytes`, as the gateway's does.
      return new OnnxRuntime(spec, deps.workers, { limits: limitsFrom(spec.config) });
    },
  };
}
