import type { CallOptions } from './types.js';

/** A call's time limit when its caller sets none: the longest a deployment may set. */
export const MAX_CALL_MS = 24 * 3600 * 1000;

/** How long the call's work may take once it starts, in ms (at most {@link MAX_CALL_MS}). */
export function callTimeout(options: CallOptions): number {
  return Math.min(options.timeoutMs ?? MAX_CALL_MS, MAX_CALL_MS);
}
