/**
 * Open Inference Protocol v2 (KServe / MLServer / Triton) wire types, REST flavour.
 * Shared with the extension: this file imports nothing.
 */

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

export interface OipTensor {
  name: string;
  shape: number[];
  datatype: OipDatatype;
  parameters?: Record<string, unknown>;
  data: unknown[];
}

export interface OipInferenceRequest {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: OipTensor[];
  outputs?: { name: string; parameters?: Record<string, unknown> }[];
}

export interface OipInferenceResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, unknown>;
  outputs: OipTensor[];
}

export interface OipTensorMetadata {
  name: string;
  datatype: OipDatatype;
  /** -1 marks a free dimension (the batch, and unknown ones). */
  shape: number[];
}

export interface OipModelMetadata {
  name: string;
  versions?: string[];
  platform: string;
  inputs: OipTensorMetadata[];
  outputs: OipTensorMetadata[];
}
