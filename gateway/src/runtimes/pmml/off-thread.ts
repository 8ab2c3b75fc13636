import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
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

/** A job for the parse worker; it answers each with a {@link ParseReply} of the same `id`. */
export interface ParseRequest {
  id: number;
  job: ParseJob;
}

/** The parse worker's answer to the request of the same `id`. */
export interface ParseReply {
  id: number;
  answer: ParseAnswer;
}

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

/**
 * Starts the parse worker: the built `.js` beside this file, or, when the gateway runs from its
 * TypeScript sources (tests, `npm run dev`), the `.ts` through tsx, which those runs have.
 */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./parse-worker.js', here));
  const entry = new URL('./parse-worker.ts', here).href;
  const code = `import(${JSON.stringify(tsxApi(here))}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)}));`;
  return new Worker(code, { eval: true });
}

let tsxApiUrl: string | undefined;

/** The URL of tsx's ESM API (`tsx/esm/api`, import condition), found from `from`. */
function tsxApi(from: string): string {
  if (tsxApiUrl) return tsxApiUrl;
  const manifest = createRequire(from).resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as TsxManifest).exports;
  tsxApiUrl = pathToFileURL(join(dirname(manifest), exports['./esm/api'].import.default)).href;
  return tsxApiUrl;
}

interface TsxManifest {
  exports: Record<'./esm/api', { import: { default: string } }>;
}

/** The worker's refusal as the typed error it was. */
function asError({ status, code, message, field }: ParseRefusal): SlipwayError {
  if (status === 422) return new UnusableArtifactError(message, code);
  if (status === 400) return new InvalidInputError(message, field, code);
  return new SlipwayError(status, code, message, field);
}

interface Pending {
  resolve: (doc: ParsedDocument) => void;
  reject: (err: Error) => void;
}

/**
 * The one parse worker of this process, started on first need and shared by every load (one
 * document at a time, in turn). It holds the process open only while it has work; if it dies
 * (a document that exhausts its memory), the loads waiting on it fail and the next starts a
 * new one.
 */
class ParseWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(
    private readonly worker: Worker,
    private readonly onGone: () => void,
  ) {
    worker.unref();
    worker.on('message', ({ id, answer }: ParseReply) => {
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
      if (answer.ok)
        p.resolve({ root: JSON.parse(answer.json) as XmlElement, threadId: answer.threadId });
      else p.reject(asError(answer.error));
    });
    worker.on('error', (err) =>
      this.fail(
        new UnusableArtifactError(
          `the PMML document could not be parsed: ${err.message}`,
          undefined,
          {
            cause: err,
          },
        ),
      ),
    );
    worker.on('exit', (code) =>
      this.fail(
        new UnusableArtifactError(`the PMML parser stopped (exit code ${code}) without an answer`),
      ),
    );
  }

  parse(job: ParseJob): Promise<ParsedDocument> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, job } satisfies ParseRequest);
    });
  }

  private fail(err: Error): void {
    this.onGone();
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

let shared: ParseWorker | undefined;

/**
 * Reads, parses and checks a PMML document on a worker thread, so that a large or hostile
 * document never holds the gateway's event loop: the XML parse, the structure checks and a
 * trial compile (which finds every 422 the compile would) all run there. The parsed document
 * comes back as JSON text (cheaper to read than a structured clone of the tree) for the caller
 * to compile where it scores, since compiled code cannot cross threads.
 */
export function parseOffThread(job: ParseJob): Promise<ParsedDocument> {
  if (!shared) {
    const worker: ParseWorker = new ParseWorker(startWorker(), () => {
      if (shared === worker) shared = undefined;
    });
    shared = worker;
  }
  return shared.parse(job);
}
