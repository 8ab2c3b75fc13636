import { z } from 'zod';
import { parseRuntimeConfig } from '../runtime-config.js';
import { requirementsSchema } from '../requirements-config.js';

const schema = z.object({
  maxConcurrency: z.number().int().min(1).max(64).default(4),
  queueSize: z.number().int().min(0).max(10_000).default(32),
  warmKernels: z.number().int().min(0).max(16).default(2),
  // A timer past 2^31 - 1 ms would fire at once: a week is the most.
  idleSeconds: z
    .number()
    .positive()
    .max(7 * 86_400)
    .default(600),
  /** Address-space limit of each of this notebook's kernels, in MiB; default the gateway's. */
  memoryMb: z.number().int().min(128).max(1_048_576).optional(),
  /**
   * Extra packages for this notebook's kernels (a list, or requirements.txt text): installed once
   * at publish, instead of a `%pip install` cell running on every call. Python kernels only.
   */
  requirements: requirementsSchema,
  /**
   * `typed` (default): a call's parameters are checked against the parameters cell, by name and
   * type. `papermill`: taken as papermill's CLI takes them, unknown names injected with its
   * warning, so that any notebook that runs under papermill runs the same way here.
   */
  parameters: z.enum(['typed', 'papermill']).default('typed'),
});

/** A notebook deployment's options, from the publish `config` field. */
export type NotebookConfig = z.infer<typeof schema>;

/** Parses the options with defaults; a bad value is a 400 naming `config.<field>`. */
export function parseNotebookConfig(config: Record<string, unknown>): NotebookConfig {
  return parseRuntimeConfig(schema, config);
}
