/**
 * Codecs: the wire formats a deployment answers (Slipway's records API, the Open Inference
 * Protocol v2, MLflow's scoring formats) turned into records, and predictions back into each
 * format's answer. Pure functions; the routes do the I/O, the data plane applies a codec once
 * it knows the signature, and the validator checks the records.
 */
export type { ModelProtocol, Protocol, RequestCodec } from './request-codec.js';
export { codecFor } from './codec-for.js';
export {
  recordsCodec,
  decodeRecordsBody,
  encodeRecordsResponse,
  presentPrediction,
  type BatchRecordsResponse,
  type DecodedRecordsBody,
  type SingleRecordResponse,
} from './records.js';
export {
  decodeMlflowRequest,
  encodeMlflowResponse,
  mlflowCodec,
  type MlflowResponse,
} from './mlflow.js';
export {
  decodeOipRequest,
  encodeOipMetadata,
  encodeOipResponse,
  oipCodec,
  oipDatatype,
  type DecodedOipRequest,
  type OipRequestMeta,
} from './oip-v2.js';
