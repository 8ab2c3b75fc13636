import type { Hook } from '@hono/zod-openapi';
import { InvalidInputError } from '../errors.js';

/** Turns a zod validation failure into our 400 naming the first bad field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the hook serves every route, whatever its env and input types
export const validationHook: Hook<unknown, any, any, unknown> = (result) => {
  if (result.success) return;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || undefined;
  throw new InvalidInputError(`${field ?? 'body'}: ${issue?.message ?? 'invalid'}`, field);
};
