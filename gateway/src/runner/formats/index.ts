import type { Format } from '../../protocol/deployments.js';
import type { RuntimeServices } from '../../runtimes/default-runtimes.js';
import type { RuntimeFactory } from '../../runtimes/types.js';

/**
 * The runtime of one format, imported when a runner starts: a runner loads only its format's
 * modules, so an export bundle ships only those and the npm packages they import (a PMML
 * bundle has no onnxruntime-node). The path is built, not written out, on purpose: the
 * bundle's file list (`export/runner-files.ts`) starts from `formats/<format>.js` itself.
 */
export async function formatRuntimeFactory(
  format: Format,
  services: RuntimeServices,
): Promise<RuntimeFactory> {
  const module = (await import(`./${format}.js`)) as {
    runtimeFactory: (s: RuntimeServices) => RuntimeFactory;
  };
  return module.runtimeFactory(services);
}
