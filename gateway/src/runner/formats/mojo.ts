import type { RuntimeServices } from '../../runtimes/default-runtimes.js';
import { mojoRuntimeFactory } from '../../runtimes/mojo/index.js';

/** The H2O MOJO runtime of a runner, as the gateway makes it (`defaultRuntimes`). */
export const runtimeFactory = (s: RuntimeServices) => mojoRuntimeFactory(s.mojo);
