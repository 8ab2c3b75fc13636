/** Notebooks as functions: papermill-style parameters and runs in the Python worker. */
export {
  DEFAULT_KERNEL_MEMORY_MB,
  looksLikeNotebook,
  PapermillRuntime,
  notebookRuntimeFactory,
  readExecutedNotebook,
  type NotebookRuntimeDeps,
} from './notebook-runtime.js';
export { fromCliString, notebookSignature, type NotebookParameter } from './notebook-signature.js';
export { parseNotebookConfig, type NotebookConfig } from './notebook-config.js';
export { mapWorkerError } from './notebook-errors.js';
