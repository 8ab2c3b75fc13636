import {
  DeadlineError,
  InvalidInputError,
  PredictionFailedError,
  SlipwayError,
  UnusableArtifactError,
} from '../../errors.js';
import { WorkerCallError } from '../../workers/worker-protocol.js';

/**
 * Maps what the JVM worker reported to the gateway's typed errors. Supervisor errors (502 crash,
 * 504 deadline, 503 stopped) pass as they are; unexpected worker failures are named by their
 * Java exception type only (the worker printed the stack trace to the gateway log).
 */
export function mapMojoWorkerError(err: unknown, during: 'load' | 'predict'): unknown {
  if (err instanceof SlipwayError || !(err instanceof WorkerCallError)) return err;
  switch (err.type) {
    case 'InvalidMojo':
    case 'UnsupportedModel':
      return new UnusableArtifactError(err.message);
    case 'InvalidInput': {
      const field = typeof err.details.field === 'string' ? err.details.field : undefined;
      return new InvalidInputError(err.message, field);
    }
    case 'Cancelled':
      return new DeadlineError(err.message);
    default:
      return during === 'load'
        ? new UnusableArtifactError(
            `h2o-genmodel could not load the MOJO (${err.type}); see the gateway log`,
          )
        : new PredictionFailedError(`the MOJO failed to score (${err.type}); see the gateway log`);
  }
}
