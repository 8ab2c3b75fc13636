// A PMML deployment's scoring thread (see pmml-runtime.ts): compiles the document once, from the
// stored artifact, and scores the batches it is sent, so that a large call never holds the
// gateway's event loop.
import { readFileSync } from 'node:fs';
import type { RecordValue } from '../../protocol/signature.js';
import { serveJobs } from '../../workers/thread-jobs.js';
import type { WorkerErrorBody } from '../../workers/worker-protocol.js';
import { toWireError } from '../onnx/worker/wire.js';
import { buffersOf } from '../onnx/packed-tensors.js';
import { compileDocument, type PmmlModel } from './document.js';
import { columnsOf, recordsOf } from './pmml-tensors.js';
import type { ScoreAnswer, ScoreJob } from './score-thread.js';
import { parseXml } from './xml.js';

let model: PmmlModel | undefined;

function handle(job: ScoreJob): ScoreAnswer {
  try {
    if (job.kind === 'load') {
      model = compileDocument(parseXml(readFileSync(job.path), job.limits), job.limits);
      return { ok: true, predictions: [] };
    }
    if (!model) throw new Error('the scoring thread has no model');
    const m = model;
    if (job.kind === 'columns') {
      const predictions = recordsOf(job.plan, job.feeds).map((r) => m.score(r));
      return { ok: true, columns: columnsOf(job.plan, predictions) };
    }
    return { ok: true, predictions: job.records.map((r: RecordValue) => m.score(r)) };
  } catch (err) {
    const error: WorkerErrorBody = toWireError(err);
    return { ok: false, error };
  }
}

// Columns go back as their buffers, not copies.
serveJobs(handle, (answer) => ('columns' in answer ? buffersOf(answer.columns) : []));
