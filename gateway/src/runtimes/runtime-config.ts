import type { z } from 'zod';
import { InvalidInputError } from '../errors.js';

/**
 * Parses a runtime's options from the publish `config` field, with the schema's defaults.
 * A bad value is a 400 naming `config.<field>`.
 */
export function parseRuntimeConfig<S extends z.ZodType>(
  schema: S,
  config: Record<string, unknown>,
): z.output<S> {
  const parsed = schema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = `config.${issue.path.join('.')}`;
    throw new InvalidInputError(`${field}: ${issue.message}`, field);
  }
  return parsed.data;
}
