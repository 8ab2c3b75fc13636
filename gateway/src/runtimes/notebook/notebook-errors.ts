import {
  DeadlineError,
  KernelDiedError,
  NotebookFailedError,
  NotReadyError,
  PredictionFailedError,
  SlipwayError,
  UnusableArtifactError,
  WorkerCrashedError,
} from '../../errors.js';
import type { NotebookCellRef } from '../../protocol/errors.js';
import { WorkerCallError } from '../../workers/worker-protocol.js';

/**
 * The failed cell the worker named (`cell`: its 1-based position, `executionCount`,
 * `firstLine`), or null when it named none.
 */
function cellOf(details: Record<string, unknown>): NotebookCellRef | null {
  if (typeof details.cell !== 'number') return null;
  return {
    position: details.cell,
    executionCount: typeof details.executionCount === 'number' ? details.executionCount : null,
    firstLine: typeof details.firstLine === 'string' ? details.firstLine : '',
  };
}

/**
 * Maps what the Python worker reported to the gateway's typed errors. Messages of notebook
 * failures are the user's own exception and stay; a cell that ran out of memory (past the
 * kernel's limit of `memoryMb`) is `out_of_memory`, naming the limit; anything unexpected is
 * named by its type only (the worker logged its traceback).
 */
export function mapWorkerError(err: unknown, during: 'load' | 'run', memoryMb: number): unknown {
  if (err instanceof SlipwayError || !(err instanceof WorkerCallError)) return err;
  const details = err.details;
  switch (err.type) {
    case 'NotebookFailed': {
      const cell = cellOf(details);
      const ename = typeof details.ename === 'string' ? details.ename : 'Error';
      // numpy raises a subclass of MemoryError (_ArrayMemoryError).
      if (/MemoryError$/.test(ename))
        return new PredictionFailedError(
          `${typeof details.label === 'string' ? details.label : 'the notebook'} ran out of memory (${ename}): each of its kernels is limited to ${memoryMb} MiB; raise config.memoryMb or SLIPWAY_KERNEL_MEMORY_MB`,
          'out_of_memory',
        );
      return new NotebookFailedError(err.message, cell, ename);
    }
    case 'DeadKernel':
      return new KernelDiedError(
        `${err.message}; its memory limit is ${memoryMb} MiB (config.memoryMb)`,
        cellOf(details),
      );
    case 'Timeout':
    case 'Cancelled':
      return new DeadlineError(err.message);
    case 'InvalidNotebook':
    case 'NoSuchKernel':
      return new UnusableArtifactError(err.message);
    case 'KernelStartFailed':
      return new WorkerCrashedError(
        `the notebook's kernel did not start (its memory limit is ${memoryMb} MiB); see the gateway log`,
      );
    case 'WorkerStopping':
      return new NotReadyError('the notebook worker is stopping; try again');
    default:
      return during === 'load'
        ? new UnusableArtifactError(
            `the notebook cannot be inspected (${err.type}); see the gateway log`,
          )
        : new PredictionFailedError(
            `the notebook worker failed (${err.type}); see the gateway log`,
          );
  }
}
