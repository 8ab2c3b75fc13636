import type { RuntimeServices } from '../../runtimes/default-runtimes.js';
import { pickleRuntimeFactory } from '../../runtimes/pickle/index.js';

/** The pickle runtime of a runner, as the gateway makes it (`defaultRuntimes`). */
export const runtimeFactory = (s: RuntimeServices) => pickleRuntimeFactory(s.pickles);
