/**
 * What the gateway and a runner (the gateway in single-deployment mode, in a pod) say to each
 * other. Every path but `/healthz` takes the runner token as a bearer token.
 */
import type { RecordValue, Signature } from '../protocol/signature.js';
import type { RuntimeKind } from '../runtimes/types.js';

/** `GET /v1/describe`: what the runner serves. */
export interface RunnerDescription {
  kind: RuntimeKind;
  signature: Signature;
  warnings: string[];
}

/** `POST /v1/predict`. */
export interface RunnerPredictRequest {
  records: RecordValue[];
  requestId: string;
  timeoutMs?: number;
  warmup?: boolean;
}

/** What `/v1/predict` answers: a prediction per record, and what the model warned of. */
export interface RunnerPredictResponse {
  predictions: unknown[];
  warnings: string[];
}

/** `POST /v1/run`: one notebook run. */
export interface RunnerRunRequest {
  parameters: RecordValue;
  text?: Record<string, string>;
  requestId: string;
  timeoutMs?: number;
}
