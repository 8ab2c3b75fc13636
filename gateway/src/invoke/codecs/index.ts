export {
  decodeRecordsBody,
  encodeRecordsResponse,
  presentPrediction,
  checkBatch,
} from './records.js';
export { decodeMlflowRequest, encodeMlflowResponse } from './mlflow.js';
export { decodeOipRequest, encodeOipMetadata, encodeOipResponse, oipDatatype } from './oip-v2.js';
