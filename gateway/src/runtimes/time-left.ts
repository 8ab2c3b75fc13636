import { DeadlineError } from '../errors.js';
import type { CallOptions } from './types.js';

/** A call's time limit when its caller sets no deadline: the longest a deployment may set. */
export const MAX_CALL_MS = 24 * 3600 * 1000;

/**
 * Milliseconds left before the call's deadline (at most {@link MAX_CALL_MS}); a
 * `DeadlineError` naming `what` when none are left.
 */
export function timeLeft(options: CallOptions, what: string): number {
  const left = Math.min((options.deadline ?? Infinity) - Date.now(), MAX_CALL_MS);
  if (left <= 0) throw new DeadlineError(`the deadline passed before ${what}`);
  return left;
}
