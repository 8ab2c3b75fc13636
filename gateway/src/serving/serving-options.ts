import { z } from 'zod';
import { parseRuntimeConfig } from '../runtimes/runtime-config.js';
import type { RuntimeKind } from '../runtimes/types.js';
import type { UnknownFields } from '../validation/validate-records.js';

/** The options of the publish `config` field that every format shares. */
const schema = z.object({
  /** How long one call may take in its runtime before it answers 504. */
  timeoutSeconds: z.number().positive().max(86_400).optional(),
  /** What a record's fields that the signature does not name do: dropped, or a 400. */
  unknownFields: z.enum(['ignore', 'reject']).optional(),
});

/** How a served version treats its calls, whatever its format. */
export interface ServingOptions {
  /** Per-call time limit, from `config.timeoutSeconds`. */
  timeoutMs: number;
  unknownFields: UnknownFields;
}

/**
 * Defaults by what a runtime does. A model answers in milliseconds, so 30 s means it is stuck;
 * a notebook is a job. Unknown fields are ignored for models, because callers send whole rows
 * (an id, the label, columns the exporter pruned), and refused for notebooks, where a
 * parameter nobody reads is most likely a misspelt one.
 */
const DEFAULTS: Record<RuntimeKind, { timeoutSeconds: number; unknownFields: UnknownFields }> = {
  model: { timeoutSeconds: 30, unknownFields: 'ignore' },
  notebook: { timeoutSeconds: 300, unknownFields: 'reject' },
};

/** Reads the shared options, with defaults for the runtime's kind; a bad value is a 400. */
export function servingOptions(config: Record<string, unknown>, kind: RuntimeKind): ServingOptions {
  const parsed = parseRuntimeConfig(schema, config);
  const defaults = DEFAULTS[kind];
  return {
    timeoutMs: (parsed.timeoutSeconds ?? defaults.timeoutSeconds) * 1000,
    unknownFields: parsed.unknownFields ?? defaults.unknownFields,
  };
}
