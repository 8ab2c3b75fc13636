// The PMML parse worker (see off-thread.ts): for each job, reads, parses and trial-compiles one
// document, and answers.
import { readFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { SlipwayError } from '../../errors.js';
import { compileDocument } from './document.js';
import { serveJobs } from '../../workers/thread-jobs.js';
import type { ParseAnswer, ParseJob } from './off-thread.js';
import { parseXml } from './xml.js';

function parseAndCheck({ path, limits }: ParseJob): ParseAnswer {
  try {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new SlipwayError(
        422,
        'unusable_artifact',
        `cannot read the artifact: ${(err as Error).message}`,
      );
    }
    const root = parseXml(bytes, limits);
    // Compiled only to find what the real compile would refuse, before the caller pays for it.
    compileDocument(root, limits);
    return { ok: true, json: JSON.stringify(root), threadId };
  } catch (err) {
    if (err instanceof SlipwayError) {
      const { status, code, message, field } = err;
      return { ok: false, error: { status, code, message, ...(field !== undefined && { field }) } };
    }
    return {
      ok: false,
      error: {
        status: 422,
        code: 'unusable_artifact',
        message: `the PMML document could not be compiled: ${(err as Error).message}`,
      },
    };
  }
}

serveJobs(parseAndCheck);
