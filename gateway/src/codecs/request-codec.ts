import type { Signature } from '../protocol/signature.js';

/** How a call reached the data plane; recorded with every invocation. */
/** How a call came: an HTTP protocol, or a batch job's chunk or a stream's messages (`score`). */
export type Protocol = 'records' | 'mlflow' | 'oip-v2' | 'notebook' | 'batch' | 'stream';

/** The protocols that carry records to a model, each with its codec. */
export type ModelProtocol = Exclude<Protocol, 'notebook'>;

/**
 * Turns one protocol's request body into records once the deployment's signature is known,
 * with whatever the protocol's answer needs to know of the request (`meta`). Pure.
 */
export interface RequestCodec<Meta> {
  readonly protocol: ModelProtocol;
  /** Most records one request may hold (413 beyond). */
  readonly maxBatch: number;
  decode(body: unknown, signature: Signature): { records: unknown[]; meta: Meta };
}
