import { z } from 'zod';

/** A requirement specifier; pip options (`-r`, `--index-url`, `-e`) are not taken. */
const requirement = z
  .string()
  .trim()
  .min(1)
  .regex(
    /^[A-Za-z0-9][^\n]*$/,
    'expected a requirement such as "xgboost==2.1.3", not a pip option',
  );

/**
 * `config.requirements` of the Python runtimes (pickles, notebooks): extra packages for one
 * deployment, as a list or as requirements.txt text; comments and blank lines are dropped.
 */
export const requirementsSchema = z
  .union([z.array(requirement), z.string().transform((s) => s.split('\n'))])
  .transform((lines) => lines.map((l) => l.replace(/#.*/, '').trim()).filter(Boolean))
  .pipe(z.array(requirement))
  .default([]);
