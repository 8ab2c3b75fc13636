import { codecFor, type ModelProtocol } from '../codecs/index.js';
import { SlipwayError, type ErrorStatus } from '../errors.js';
import type { RecordValue, Signature } from '../protocol/signature.js';
import { parseJsonBody } from '../codecs/json-text.js';
import { compileValidator, type UnknownFields } from '../validation/validate-records.js';
import { threadId } from 'node:worker_threads';
import { ThreadJobs } from '../workers/thread-jobs.js';

/** A large body to parse, decode with its protocol's codec and validate, off the event loop. */
export interface DecodeJob {
  jsonBytes: Uint8Array;
  protocol: ModelProtocol;
  maxBatch: number;
  signature: Signature;
  unknownFields: UnknownFields;
}

/** What a decode job gives: the validated records and the codec's meta, or the typed error. */
export type DecodeAnswer =
  | {
      ok: true;
      records: RecordValue[];
      meta: unknown;
      ignored: readonly string[];
      /** The thread that did the work. */
      threadId: number;
    }
  | { ok: false; status: ErrorStatus; code: string; message: string; field?: string };

/** Parses, decodes and validates one body: what the event loop does for small bodies. Pure. */
export function decodeRecords(job: DecodeJob): DecodeAnswer {
  const parsed = parseJsonBody(job.jsonBytes);
  if (!parsed.ok) return { ok: false, status: 400, code: parsed.code, message: parsed.message };
  try {
    const { records, meta } = codecFor(job.protocol, job.maxBatch).decode(
      parsed.value,
      job.signature,
    );
    const validated = compileValidator(job.signature, { unknownFields: job.unknownFields })(
      records,
    );
    return { ok: true, records: validated.records, meta, ignored: validated.ignored, threadId };
  } catch (err) {
    if (!(err instanceof SlipwayError)) throw err;
    const { status, code, message, field } = err;
    return { ok: false, status, code, message, ...(field !== undefined && { field }) };
  }
}

const decoder = new ThreadJobs<DecodeJob, DecodeAnswer>(
  new URL('./decode-worker.js', import.meta.url),
  (reason, cause) => new Error(`the request decoder thread failed: ${reason}`, { cause }),
);

/** {@link decodeRecords} on a worker thread, the typed error rethrown here. */
export async function decodeRecordsOffThread(
  job: DecodeJob,
): Promise<Extract<DecodeAnswer, { ok: true }>> {
  const answer = await decoder.run(job);
  if (!answer.ok) throw new SlipwayError(answer.status, answer.code, answer.message, answer.field);
  return answer;
}
