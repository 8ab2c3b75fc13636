import {
  DeadlineError,
  NotebookFailedError,
  NotReadyError,
  PredictionFailedError,
  SlipwayError,
  UnusableArtifactError,
  WorkerCrashedError,
} from '../../errors.js';
import { WorkerCallError } from '../../workers/worker-protocol.js';

/**
 * Maps what the Python worker reported to the gateway's typed errors. Messages of notebook
 * failures are the user's own exception and stay; anything unexpected is named by its type
 * only (the worker logged its traceback).
 */
export function mapWorkerError(err: unknown, during: 'load' | 'run'): unknown {
  if (err instanceof SlipwayError || !(err instanceof WorkerCallError)) return err;
  const details = err.details;
  switch (err.type) {
    case 'NotebookFailed':
      return new NotebookFailedError(
        err.message,
        typeof details.cell === 'number' ? details.cell : null,
        typeof details.ename === 'string' ? details.ename : 'Error',
      );
    case 'Timeout':
    case 'Cancelled':
      return new DeadlineError(err.message);
    case 'InvalidNotebook':
    case 'NoSuchKernel':
      return new UnusableArtifactError(err.message);
    case 'KernelStartFailed':
      return new WorkerCrashedError("the notebook's kernel did not start; see the gateway log");
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
