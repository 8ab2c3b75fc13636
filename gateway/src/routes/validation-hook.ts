import type { Hook } from '@hono/zod-openapi';
import { InvalidInputError } from '../errors.js';

/** Turns a zod validation failure into our 400 naming the first bad field. */
export const validationHook: Hook<unknown, any, any, unknown> = (result) => {
  if (result.success) return;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || undefined;
  throw new InvalidInputError(`${field ?? 'body'}: ${issue?.message ?? 'invalid'}`, field);
};
