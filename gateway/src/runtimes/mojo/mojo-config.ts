import { z } from 'zod';
import { parseRuntimeConfig } from '../runtime-config.js';

const schema = z.object({
  /** `missing`: a categorical level the model never saw is scored as missing (h2o PredictCsv). */
  unknownLevels: z.enum(['missing', 'reject']).default('missing'),
});

/** A MOJO deployment's options, from the publish `config` field. */
export type MojoConfig = z.infer<typeof schema>;

/** Parses the options with defaults; a bad value is a 400 naming `config.<field>`. */
export function parseMojoConfig(config: Record<string, unknown>): MojoConfig {
  return parseRuntimeConfig(schema, config);
}
