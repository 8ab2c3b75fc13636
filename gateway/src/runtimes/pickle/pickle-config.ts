import { z } from 'zod';
import { VALUE_TYPES } from '../../protocol/signature.js';
import { parseRuntimeConfig } from '../runtime-config.js';
import { requirementsSchema } from '../requirements-config.js';
import { InvalidInputError } from '../../errors.js';

const valueType = z.enum(VALUE_TYPES);

/** One declared input or output, as a signature in the protocol describes it. */
export const fieldSchema = z.object({
  name: z.string().min(1),
  type: valueType,
  shape: z.array(z.number().int().min(0).nullable()).optional(),
  values: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
  required: z.boolean().optional(),
  help: z.string().optional(),
});

const schema = z.object({
  /** Python source defining `preprocess(records)`, which returns the model's input. */
  preprocess: z.string().optional(),
  /** Python source defining `predict(model, data)`, which returns one answer per record. */
  predict: z.string().optional(),
  /** Extra packages for this deployment (a list, or requirements.txt text). */
  requirements: requirementsSchema,
  signature: z
    .object({
      inputs: z.array(fieldSchema).min(1).optional(),
      outputs: z.array(fieldSchema).min(1).optional(),
    })
    .optional(),
  /** Address-space limit of this deployment's worker, in MiB; default the gateway's. */
  memoryMb: z.number().int().min(128).max(1_048_576).optional(),
  /** The worker stops after this long without calls; the next call starts it (cold). */
  // A timer past 2^31 - 1 ms would fire at once: a week is the most.
  idleSeconds: z
    .number()
    .positive()
    .max(7 * 86_400)
    .default(900),
  maxConcurrency: z.number().int().min(1).max(64).default(4),
  queueSize: z.number().int().min(0).max(10_000).default(64),
});

/** A pickle deployment's options, from the publish `config` field. */
export type PickleConfig = z.infer<typeof schema>;

/** Parses the options with defaults; a bad value is a 400 naming `config.<field>`. */
export function parsePickleConfig(config: Record<string, unknown>): PickleConfig {
  const c = parseRuntimeConfig(schema, config);
  // Only the publisher knows what a preprocess snippet takes.
  if (c.preprocess?.trim() && !c.signature?.inputs)
    throw new InvalidInputError(
      'config.signature.inputs: a preprocess snippet needs the inputs it takes declared, e.g. {"inputs":[{"name":"text","type":"string"}]}',
      'config.signature.inputs',
    );
  return c;
}
