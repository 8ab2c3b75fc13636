import { InvalidInputError, TooLargeError } from '../../errors.js';
import type { Signature } from '../../protocol/signature.js';
import type { Prediction } from '../../runtimes/types.js';

/** A JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the batch size; shared by every codec. */
export function checkBatch(count: number, maxBatch: number, field?: string): void {
  if (count === 0)
    throw new InvalidInputError(`${field ?? 'body'}: expected at least one record`, field);
  if (count > maxBatch)
    throw new TooLargeError(
      `${count} records in one call; the limit is ${maxBatch} (SLIPWAY_MAX_BATCH)`,
    );
}

/** Slipway's records API: a JSON object is one record, an array is many. */
export function decodeRecordsBody(
  body: unknown,
  maxBatch: number,
): { records: unknown[]; single: boolean } {
  if (Array.isArray(body)) {
    checkBatch(body.length, maxBatch);
    return { records: body, single: false };
  }
  if (typeof body === 'object' && body !== null) return { records: [body], single: true };
  throw new InvalidInputError('expected a JSON object (one record) or an array of records');
}

/**
 * What a client sees of one prediction: the runtime's `{output: value}` object, or the
 * value alone when the model has exactly one output (a regressor answers a number).
 */
export function presentPrediction(p: Prediction, signature: Signature): unknown {
  if (signature.outputs.length === 1 && p && typeof p === 'object' && !Array.isArray(p)) {
    const only = signature.outputs[0]!.name;
    if (only in (p as object)) return (p as Record<string, unknown>)[only];
  }
  return p;
}

export function encodeRecordsResponse(r: {
  single: boolean;
  id: string;
  ids: string[];
  version: number;
  predictions: Prediction[];
  signature: Signature;
}) {
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
