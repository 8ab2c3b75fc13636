import {
  DeadlineError,
  InvalidInputError,
  NotReadyError,
  PredictionFailedError,
  SlipwayError,
  UnusableArtifactError,
} from '../../errors.js';
import { WorkerCallError } from '../../workers/worker-protocol.js';

/**
 * Maps what a model worker reported to the gateway's typed errors. Messages the worker wrote
 * for the publisher or caller (an unpicklable file, a snippet's exception, the model's own
 * complaint) stay; anything unexpected is named by its type only (the traceback is logged).
 */
export function mapWorkerError(
  err: unknown,
  during: 'load' | 'predict',
  memoryMb: number,
): unknown {
  if (err instanceof SlipwayError || !(err instanceof WorkerCallError)) return err;
  const field = typeof err.details.field === 'string' ? err.details.field : undefined;
  switch (err.type) {
    case 'InvalidModel':
      return new UnusableArtifactError(err.message);
    case 'InvalidSnippet':
    case 'InvalidSignature':
      return new InvalidInputError(err.message, field ?? 'config');
    case 'SnippetFailed':
    case 'PredictionFailed':
      return during === 'load'
        ? new UnusableArtifactError(err.message)
        : new PredictionFailedError(err.message);
    case 'MemoryError':
      return during === 'load'
        ? new UnusableArtifactError(
            `the model does not fit in its worker's memory limit of ${memoryMb} MiB; raise config.memoryMb`,
            'out_of_memory',
          )
        : new PredictionFailedError(
            `the model ran out of memory: its worker is limited to ${memoryMb} MiB; raise config.memoryMb or send fewer records per call`,
            'out_of_memory',
          );
    case 'Cancelled':
      return new DeadlineError('the call was cancelled');
    case 'WorkerStopping':
      return new NotReadyError('the model worker is stopping; try again');
    default:
      return during === 'load'
        ? new UnusableArtifactError(`the model cannot be loaded (${err.type}); see the gateway log`)
        : new PredictionFailedError(`the model worker failed (${err.type}); see the gateway log`);
  }
}
