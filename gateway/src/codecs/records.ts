import { InvalidInputError, TooLargeError } from '../errors.js';
import type { Signature } from '../protocol/signature.js';
import type { Prediction } from '../runtimes/types.js';
import { isObject } from '../validation/put-field.js';
import type { RequestCodec } from './request-codec.js';

/**
 * Checks a batch's size, shared by every codec so that all formats answer alike: none is a
 * 400 naming `field`, more than `maxBatch` a 413 naming the limit.
 */
export function checkBatch(count: number, maxBatch: number, field?: string): void {
  if (count === 0)
    throw new InvalidInputError(
      `${field ? `${field}: ` : ''}expected at least one record, got none`,
      field,
    );
  if (count > maxBatch)
    throw new TooLargeError(
      `${count} records in one call; the limit is ${maxBatch} (SLIPWAY_MAX_BATCH): split the batch`,
    );
}

/** A records API request body, decoded. */
export interface DecodedRecordsBody {
  /** Not yet validated: the signature's validator checks each one. */
  records: unknown[];
  /** True when the body was one JSON object, so the answer is one prediction too. */
  single: boolean;
}

/**
 * Slipway's records API: a JSON object is one record, a JSON array is many. The array is
 * returned as it is, not copied.
 */
export function decodeRecordsBody(body: unknown, maxBatch: number): DecodedRecordsBody {
  if (Array.isArray(body)) {
    checkBatch(body.length, maxBatch);
    return { records: body, single: false };
  }
  if (isObject(body)) return { records: [body], single: true };
  throw new InvalidInputError(
    `expected a JSON object (one record) or an array of records, got ${body === null ? 'null' : typeof body}`,
  );
}

/**
 * What a client sees of one prediction: the runtime's `{output: value}` object, or the
 * value alone when the signature has exactly one output (a regressor answers a number).
 */
export function presentPrediction(p: Prediction, signature: Signature): unknown {
  if (signature.outputs.length !== 1 || !isObject(p)) return p;
  const only = signature.outputs[0]!.name;
  return Object.prototype.hasOwnProperty.call(p, only) ? p[only] : p;
}

/** The records API's answer to one record. */
export interface SingleRecordResponse {
  id: string;
  version: number;
  prediction: unknown;
}

/** The records API's answer to an array of records, predictions in the records' order. */
export interface BatchRecordsResponse {
  ids: string[];
  version: number;
  predictions: unknown[];
}

/**
 * The records API's answer: `{id, version, prediction}` when the body was one record,
 * `{ids, version, predictions}` when it was an array (also an array of one).
 */
export function encodeRecordsResponse(r: {
  single: boolean;
  id: string;
  ids: string[];
  version: number;
  predictions: Prediction[];
  signature: Signature;
}): SingleRecordResponse | BatchRecordsResponse {
  if (r.single)
    return {
      id: r.id,
      version: r.version,
      prediction: presentPrediction(r.predictions[0], r.signature),
    };
  return {
    ids: r.ids,
    version: r.version,
    predictions: r.predictions.map((p) => presentPrediction(p, r.signature)),
  };
}

/** The records API as the data plane reads it; `single` shapes the answer. */
export function recordsCodec(maxBatch: number): RequestCodec<{ single: boolean }> {
  return {
    protocol: 'records',
    maxBatch,
    decode: (body) => {
      const { records, single } = decodeRecordsBody(body, maxBatch);
      return { records, meta: { single } };
    },
  };
}
