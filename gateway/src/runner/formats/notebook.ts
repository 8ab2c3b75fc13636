import type { RuntimeServices } from '../../runtimes/default-runtimes.js';
import { notebookRuntimeFactory } from '../../runtimes/notebook/notebook-runtime.js';

/** The notebook runtime of a runner, as the gateway makes it (`defaultRuntimes`). */
export const runtimeFactory = (s: RuntimeServices) => notebookRuntimeFactory(s.notebooks);
