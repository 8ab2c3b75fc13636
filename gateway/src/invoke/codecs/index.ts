/**
 * Codecs: the wire formats a deployment answers (Slipway's records API, the Open Inference
 * Protocol v2, MLflow's scoring formats) turned into records, and predictions back into each
 * format's answer. Pure functions; the routes do the I/O and the validator checks the records.
 */
export {
  decodeRecordsBody,
  encodeRecordsResponse,
  presentPrediction,
  type BatchRecordsResponse,
  type DecodedRecordsBody,
  type SingleRecordResponse,
} from './records.js';
export { decodeMlflowRequest, encodeMlflowResponse, type MlflowResponse } from './mlflow.js';
export {
  decodeOipRequest,
  encodeOipMetadata,
  encodeOipResponse,
  oipDatatype,
  type DecodedOipRequest,
} from './oip-v2.js';
