import { z } from 'zod';
import { parseRuntimeConfig } from '../runtime-config.js';
import { DEFAULT_LIMITS, type XmlLimits } from './xml.js';

const MiB = 1024 * 1024;

/**
 * The most a publish `config` may raise the limits to. Past 256 MiB the compile that follows
 * the parse (on the gateway's event loop, where the model scores) would hold the loop for
 * seconds; past 500 levels, compiling or scoring could run out of call stack.
 */
export const MAX_LIMITS: XmlLimits = { maxBytes: 256 * MiB, maxDepth: 500 };

const schema = z.object({
  maxBytes: z
    .number()
    .int()
    .positive()
    .max(MAX_LIMITS.maxBytes, `at most ${MAX_LIMITS.maxBytes} (256 MiB)`)
    .optional(),
  maxDepth: z
    .number()
    .int()
    .positive()
    .max(MAX_LIMITS.maxDepth, `at most ${MAX_LIMITS.maxDepth}`)
    .optional(),
});

/**
 * Reads the document limits from the publish config, with defaults: a value that is not a
 * positive integer, or is past {@link MAX_LIMITS}, is a 400 naming `config.<field>`.
 */
export function limitsFrom(config: Record<string, unknown>): XmlLimits {
  const c = parseRuntimeConfig(schema, config);
  return {
    maxBytes: c.maxBytes ?? DEFAULT_LIMITS.maxBytes,
    maxDepth: c.maxDepth ?? DEFAULT_LIMITS.maxDepth,
  };
}
