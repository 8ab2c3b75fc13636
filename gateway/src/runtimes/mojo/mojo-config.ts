import { z } from 'zod';
import { parseRuntimeConfig } from '../runtime-config.js';

const schema = z.object({
  /**
   * A categorical level the model never saw: `error` (the default) answers 400 naming the field
   * and the level; `warn` scores it as missing, as h2o does, and says so in the call's warnings.
   * `reject` and `missing` are the earlier names of `error` and `warn`.
   */
  unknownLevels: z
    .enum(['error', 'warn', 'reject', 'missing'])
    .default('error')
    .transform((v) => (v === 'reject' ? 'error' : v === 'missing' ? 'warn' : v)),
});

/** A MOJO deployment's options, from the publish `config` field. */
export type MojoConfig = z.infer<typeof schema>;

/** Parses the options with defaults; a bad value is a 400 naming `config.<field>`. */
export function parseMojoConfig(config: Record<string, unknown>): MojoConfig {
  return parseRuntimeConfig(schema, config);
}
