import type { ErrorBody, NotebookCellRef } from './protocol/errors.js';

/** HTTP statuses the gateway answers errors with (DESIGN.md, "Public HTTP contract"). */
export type ErrorStatus =
  400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503 | 504;

/**
 * A failure the gateway knows how to explain. Every error that reaches a client is one of
 * these; anything else becomes a 500 `internal` with no details.
 */
export class SlipwayError extends Error {
  /** Seconds a client should wait before trying again (`Retry-After`), for a passing condition. */
  retryAfterSeconds?: number;

  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SlipwayError';
  }

  toBody(): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message };
    if (this.field !== undefined) error.field = this.field;
    return { error };
  }
}

/** 400: the request is malformed or a value does not match what is expected. */
export class InvalidInputError extends SlipwayError {
  constructor(message: string, field?: string, code = 'invalid_input') {
    super(400, code, message, field);
  }
}

/** 401: no token, or a token that is not valid for this resource. */
export class UnauthorizedError extends SlipwayError {
  constructor(message = 'missing or invalid token: send "Authorization: Bearer <token>"') {
    super(401, 'unauthorized', message);
  }
}

/** 401 for a credential that was good once: `token_expired` or `token_revoked`. */
export class TokenEndedError extends SlipwayError {
  constructor(code: 'token_expired' | 'token_revoked', message: string) {
    super(401, code, message);
  }
}

/** 403: a known caller without the permission; the message names the permission needed. */
export class ForbiddenError extends SlipwayError {
  constructor(
    message: string,
    readonly permission: string,
  ) {
    super(403, 'forbidden', message);
  }
}

/** 404. */
export class NotFoundError extends SlipwayError {
  constructor(what: string, code = 'not_found') {
    super(404, code, `${what} not found`);
  }
}

/** 409. */
export class ConflictError extends SlipwayError {
  constructor(message: string, code = 'conflict') {
    super(409, code, message);
  }
}

/** 413. */
export class TooLargeError extends SlipwayError {
  constructor(message: string) {
    super(413, 'too_large', message);
  }
}

/** 415. */
export class UnsupportedMediaTypeError extends SlipwayError {
  constructor(message: string) {
    super(415, 'unsupported_media_type', message);
  }
}

/** 422: the artifact cannot be used (not a model, corrupt, unsupported pool or feature). */
export class UnusableArtifactError extends SlipwayError {
  constructor(message: string, code = 'unusable_artifact', options?: { cause?: unknown }) {
    super(422, code, message, undefined, options);
  }
}

/** 429. */
export class OverloadedError extends SlipwayError {
  constructor(message: string) {
    super(429, 'overloaded', message);
  }
}

/** 500 from a model's own failure while predicting; the message is safe to show. */
export class PredictionFailedError extends SlipwayError {
  constructor(message: string, code = 'prediction_failed', options?: { cause?: unknown }) {
    super(500, code, message, undefined, options);
  }
}

/** 502: an out-of-process worker died or answered garbage. */
export class WorkerCrashedError extends SlipwayError {
  constructor(message: string) {
    super(502, 'worker_crashed', message);
  }
}

/** 503: the deployment is not ready to serve. */
export class NotReadyError extends SlipwayError {
  constructor(message: string) {
    super(503, 'not_ready', message);
  }
}

/**
 * 503 with `Retry-After`: what the call needs is away for now (the database, the invocation
 * log's disk); nothing was done or acknowledged.
 */
export class UnavailableError extends SlipwayError {
  constructor(
    message: string,
    code = 'unavailable',
    retryAfterSeconds = 5,
    options?: { cause?: unknown },
  ) {
    super(503, code, message, undefined, options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** 504: the deadline passed before an answer. */
export class DeadlineError extends SlipwayError {
  constructor(message: string) {
    super(504, 'deadline_exceeded', message);
  }
}

/** Maps any thrown value to a status and a body that is safe to send. */
export function toErrorResponse(err: unknown): { status: ErrorStatus; body: ErrorBody } {
  if (err instanceof SlipwayError) return { status: err.status, body: err.toBody() };
  return {
    status: 500,
    body: { error: { code: 'internal', message: 'internal error; see the gateway log' } },
  };
}

/** nginx's 499: the caller closed the connection before the answer. */
export const CLIENT_CLOSED = 499;

/** How a failed call is recorded (invocation log, run record): a status and what went wrong. */
export interface CallFailure {
  status: ErrorStatus | typeof CLIENT_CLOSED;
  error: { code: string; message: string };
}

/**
 * What a failed call is recorded as: what `toErrorResponse` answers, except that a call whose
 * caller went away (`signal` aborted) is a 499 — nobody is left to answer, and the failure is
 * not the model's.
 */
export function describeFailure(err: unknown, signal?: AbortSignal): CallFailure {
  if (signal?.aborted)
    return {
      status: CLIENT_CLOSED,
      error: {
        code: 'client_closed',
        message: 'the caller closed the connection before the answer',
      },
    };
  const { status, body } = toErrorResponse(err);
  return { status, error: { code: body.error.code, message: body.error.message } };
}

/**
 * 500: a notebook cell raised; the message names the cell as JupyterLab shows it, the
 * exception and its message, and the body carries the cell (`error.cell`).
 */
export class NotebookFailedError extends SlipwayError {
  constructor(
    message: string,
    readonly cell: NotebookCellRef | null,
    readonly ename: string,
    code = 'notebook_failed',
  ) {
    super(500, code, message);
  }

  override toBody(): ErrorBody {
    const body = super.toBody();
    if (this.cell) body.error.cell = this.cell;
    return body;
  }
}

/**
 * 500 `kernel_died`: the notebook's kernel died while running a cell (papermill's
 * DeadKernelError): killed for memory, or the code ended the process; the body names the cell.
 */
export class KernelDiedError extends NotebookFailedError {
  constructor(message: string, cell: NotebookCellRef | null) {
    super(message, cell, 'DeadKernelError', 'kernel_died');
  }
}
