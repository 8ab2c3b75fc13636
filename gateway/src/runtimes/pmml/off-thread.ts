import { ThreadJobs } from '../../workers/thread-jobs.js';
import {
  InvalidInputError,
  SlipwayError,
  UnusableArtifactError,
  type ErrorStatus,
} from '../../errors.js';
import type { XmlElement, XmlLimits } from './xml.js';

/** What the parse worker is given for one document. */
export interface ParseJob {
  /** The stored artifact: the worker reads it itself, so its bytes never cross threads. */
  path: string;
  limits: XmlLimits;
}

/** What the parse worker answers: the document as JSON text, or why it cannot be used. */
export type ParseAnswer =
  { ok: true; json: string; threadId: number } | { ok: false; error: ParseRefusal };

/** A document parsed and checked off the event loop. */
export interface ParsedDocument {
  root: XmlElement;
  /** The thread that parsed it (never the caller's). */
  threadId: number;
}

/** Why the worker refused a document: a typed error, as plain data. */
export interface ParseRefusal {
  status: ErrorStatus;
  code: string;
  message: string;
  field?: string;
}

/** The worker's refusal as the typed error it was. */
function asError({ status, code, message, field }: ParseRefusal): SlipwayError {
  if (status === 422) return new UnusableArtifactError(message, code);
  if (status === 400) return new InvalidInputError(message, field, code);
  return new SlipwayError(status, code, message, field);
}

/** The one parse thread of this process, shared by every load (one document at a time). */
const parser = new ThreadJobs<ParseJob, ParseAnswer>(
  new URL('./parse-worker.js', import.meta.url),
  (reason, cause) =>
    new UnusableArtifactError(`the PMML document could not be parsed: ${reason}`, undefined, {
      cause,
    }),
);

/**
 * Reads, parses and checks a PMML document on a worker thread, so that a large or hostile
 * document never holds the gateway's event loop: the XML parse, the structure checks and a
 * trial compile (which finds every 422 the compile would) all run there. The parsed document
 * comes back as JSON text (cheaper to read than a structured clone of the tree) for the caller
 * to compile where it scores, since compiled code cannot cross threads.
 */
export async function parseOffThread(job: ParseJob): Promise<ParsedDocument> {
  const answer = await parser.run(job);
  if (!answer.ok) throw asError(answer.error);
  return { root: JSON.parse(answer.json) as XmlElement, threadId: answer.threadId };
}
