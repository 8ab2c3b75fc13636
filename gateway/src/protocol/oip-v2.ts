/**
 * Open Inference Protocol v2 (KServe / MLServer / Triton) wire types, REST/JSON flavour.
 * Shared with the extension: this file imports nothing.
 * Spec: https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
 */

/** Tensor element types. BYTES carries strings (UTF-8) in JSON. */
export type OipDatatype =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

/** One element of tensor data: numbers, booleans, strings (BYTES); null for a missing value. */
export type OipElement = number | boolean | string | null;

/** Tensor data, row-major: flat, or nested to the tensor's shape. */
export type OipTensorData = (OipElement | OipTensorData)[];

/** A tensor as sent and answered. `shape[0]` is the batch size. */
export interface OipTensor {
  name: string;
  shape: number[];
  datatype: OipDatatype;
  /** E.g. MLServer's `content_type`; Slipway reads none of them. */
  parameters?: Record<string, unknown>;
  data: OipTensorData;
}

/** An output the client asks for; without `outputs` in the request, all are answered. */
export interface OipRequestedOutput {
  name: string;
  parameters?: Record<string, unknown>;
}

/** `POST /v2/models/{name}[/versions/{v}]/infer` body. */
export interface OipInferenceRequest {
  /** Echoed in the response's `id`. */
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: OipTensor[];
  outputs?: OipRequestedOutput[];
}

/** Slipway's parameters on an inference response. */
export interface OipResponseParameters {
  /** One id per batch row, in order: the prediction ids (the call's id, `<id>:<i>` in a batch). */
  prediction_ids: string[];
  [key: string]: unknown;
}

/** The `infer` answer. */
export interface OipInferenceResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: OipResponseParameters;
  outputs: OipTensor[];
}

/** An input or output as model metadata describes it. */
export interface OipTensorMetadata {
  name: string;
  datatype: OipDatatype;
  /** -1 marks a free dimension: the batch (always first), and any the model leaves open. */
  shape: number[];
  parameters?: Record<string, unknown>;
}

/** `GET /v2/models/{name}[/versions/{v}]` answer. */
export interface OipModelMetadata {
  name: string;
  versions?: string[];
  platform: string;
  inputs: OipTensorMetadata[];
  outputs: OipTensorMetadata[];
  parameters?: Record<string, unknown>;
}

/** `GET /v2` answer. */
export interface OipServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

/** The protocol's own error body (Slipway answers its usual `{error: {code, message}}`). */
export interface OipErrorResponse {
  error: string;
}
