import { mlflowCodec } from './mlflow.js';
import { oipCodec } from './oip-v2.js';
import { recordsCodec } from './records.js';
import type { ModelProtocol, RequestCodec } from './request-codec.js';

/** The codec of a protocol, by name: what a thread that decodes bodies rebuilds. */
export function codecFor(protocol: ModelProtocol, maxBatch: number): RequestCodec<unknown> {
  if (protocol === 'records') return recordsCodec(maxBatch);
  if (protocol === 'mlflow') return mlflowCodec(maxBatch);
  return oipCodec(maxBatch);
}
