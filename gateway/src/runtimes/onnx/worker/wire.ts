import {
  InvalidInputError,
  PredictionFailedError,
  SlipwayError,
  UnusableArtifactError,
} from '../../../errors.js';
import type { Signature } from '../../../protocol/signature.js';
import type { XmlLimits } from '../../pmml/xml.js';
import type { TensorPlan } from '../packed-tensors.js';
import type { WorkerCallError, WorkerErrorBody } from '../../../workers/worker-protocol.js';

/**
 * What the gateway asks an ONNX worker process, over the workers' JSON-lines protocol
 * (workers/worker-protocol.ts). Each loaded model is named by a key unique to one loaded
 * version in the gateway, and runs in a thread of its own inside the process.
 *
 * - `load {key, path, threads?}` → {@link LoadReply}: opens the model (idempotent per key)
 * - `predict {key, records}` → one `{output: value}` object per record
 * - `predict_tensors {key, feeds}` → `{outputs}`: one run of tensors as bytes (base64), for a
 *   model whose load reply has a `tensors` plan (see packed-tensors.ts)
 * - `unload {key}` → `{}`: releases the session and ends the model's thread
 * - `ping`, `cancel {id}` → `{}`: the process answers at once, also while a model runs; a
 *   cancel cannot stop a run (onnxruntime-node has no way to), so the gateway kills the
 *   process when a call must end
 */
export interface LoadArgs {
  key: string;
  path: string;
  /** onnxruntime's intra-op threads; undefined: its default. */
  threads?: number;
  /**
   * What the file is: an ONNX model (default), or a PMML document scored by the gateway's own
   * evaluator — in a worker process of its pool instead of the gateway's (gpu and highmem).
   */
  kind?: 'onnx' | 'pmml';
  /** A PMML document's parse limits (its `config.maxBytes`/`maxDepth`). */
  limits?: XmlLimits;
}

export interface LoadReply {
  signature: Signature;
  warnings: string[];
  /** An ONNX model whose tensors travel as bytes: their plan. */
  tensors?: TensorPlan;
}

/** Error `type`s an ONNX worker reports. */
export type OnnxWorkerErrorType =
  'UnusableArtifact' | 'InvalidInput' | 'PredictionFailed' | 'ModelNotLoaded' | 'Internal';

/** An error as the worker reports it: typed errors keep their message, others only their type. */
export function toWireError(err: unknown): WorkerErrorBody {
  if (err instanceof SlipwayError) {
    const type: OnnxWorkerErrorType =
      err instanceof UnusableArtifactError
        ? 'UnusableArtifact'
        : err instanceof InvalidInputError
          ? 'InvalidInput'
          : 'PredictionFailed';
    return {
      type,
      message: err.message,
      details: { code: err.code, ...(err.field === undefined ? {} : { field: err.field }) },
    };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return { type: 'Internal', message: e.message, traceback: e.stack };
}

/**
 * The gateway's typed error for what a worker reported. `Internal` (and anything unknown)
 * stays a WorkerCallError, which the gateway answers as a 500 without its message.
 */
export function fromWorkerError(err: WorkerCallError): Error {
  const code = typeof err.details.code === 'string' ? err.details.code : undefined;
  const field = typeof err.details.field === 'string' ? err.details.field : undefined;
  switch (err.type as OnnxWorkerErrorType) {
    case 'UnusableArtifact':
      return new UnusableArtifactError(err.message, code);
    case 'InvalidInput':
      return new InvalidInputError(err.message, field, code);
    case 'PredictionFailed':
      return new PredictionFailedError(err.message, code);
    default:
      return err;
  }
}
