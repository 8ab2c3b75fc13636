import { DeadlineError } from '../errors.js';

/**
 * How long after a call's deadline the data plane stops waiting for a runtime that has not
 * answered. Runtimes end their own work at the deadline (a worker's kernel is killed, a
 * worker process restarted) and say why; this is the backstop for one that cannot.
 */
export const BACKSTOP_MS = 10_000;

/**
 * `work`, or a `DeadlineError` once `deadline` (epoch ms) is `BACKSTOP_MS` behind us.
 * The timer goes when `work` settles, and never keeps the process alive.
 */
export function withDeadline<T>(work: Promise<T>, deadline: number, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const backstop = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DeadlineError(
            `no answer within ${timeoutMs / 1000} s (config.timeoutSeconds); the call was given up`,
          ),
        ),
      Math.max(0, deadline - Date.now()) + BACKSTOP_MS,
    );
    timer.unref();
  });
  return Promise.race([work, backstop]).finally(() => clearTimeout(timer));
}
