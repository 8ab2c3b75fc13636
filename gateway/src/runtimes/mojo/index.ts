import type { ModelRuntime, RuntimeFactory } from '../types.js';
import { MojoRuntime } from './mojo-runtime.js';
import type { MojoWorker } from './mojo-worker.js';
import { looksLikeZip, type MojoZipLimits } from './mojo-zip.js';

export { MojoRuntime } from './mojo-runtime.js';
export { MojoWorker, type MojoWorkerOptions, type MojoDescription } from './mojo-worker.js';
export { parseMojoConfig, type MojoConfig } from './mojo-config.js';
export {
  inspectMojoZip,
  looksLikeZip,
  mojoZipLimits,
  DEFAULT_JVM_HEAP_MB,
  DEFAULT_MOJO_ZIP_LIMITS,
  type MojoZipLimits,
} from './mojo-zip.js';
export {
  checkJava,
  ensureJvmWorkerJar,
  jarIsFresh,
  parseJavaVersion,
  INSTALL_JDK_HINT,
  JVM_WORKER_DIR,
  JVM_WORKER_JAR,
} from './java-env.js';

/** What the MOJO runtime needs from the gateway. */
export interface MojoRuntimeDeps {
  /** The JVM worker, shared by all MOJO deployments. */
  worker: MojoWorker;
  /** What a MOJO zip may hold; follows the worker's heap (`mojoZipLimits(jvmHeapMb)`). */
  zipLimits?: MojoZipLimits;
}

/**
 * True for a zip named `.zip`, or for any zip whose first bytes show a MOJO's entries (only the
 * head is seen: model.ini may come after the trees, so a `.zip` name is enough to claim it; the
 * load then checks for model.ini and refuses the file with 422 when it has none).
 */
export function looksLikeMojo({
  head,
  filename,
}: {
  head: Uint8Array;
  filename?: string;
}): boolean {
  if (!looksLikeZip(head)) return false;
  if (filename?.toLowerCase().endsWith('.zip')) return true;
  const text = new TextDecoder('latin1').decode(head);
  return text.includes('model.ini') || /\btrees\/t\d{2}_\d{3}\.bin/.test(text);
}

/** Publishes H2O MOJO zips, scored by h2o-genmodel in the JVM worker. */
export function mojoRuntimeFactory(deps: MojoRuntimeDeps): RuntimeFactory<ModelRuntime> {
  return {
    format: 'mojo',
    kind: 'model',
    detect: looksLikeMojo,
    // parseMojoConfig in the constructor: a bad config fails the publish, not the first call.
    create: (spec) => new MojoRuntime(spec, deps.worker, deps.zipLimits),
  };
}
