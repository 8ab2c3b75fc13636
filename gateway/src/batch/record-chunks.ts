import { presentPrediction } from '../codecs/records.js';
import { NotebookRunError } from '../data-plane/notebook-runs.js';
import { SlipwayError } from '../errors.js';
import type { Row, TableFormat } from '../monitoring/tables/index.js';
import type { RecordValue, Signature } from '../protocol/signature.js';
import { ByteLines } from './byte-lines.js';
import { refusedLine, retrying, type ChunkRun, type ChunkWrite } from './chunk-run.js';
import type { JobRunnerDeps } from './job-runner.js';
import { outputColumns, predictionFields, rowFormatter, type RowFormatter } from './job-output.js';
import { recordMaker } from './job-rows.js';
import { chunkRollup, type ChunkRollup } from './job-rollups.js';

/** One row's outcome: its output fields and id, or why it was refused. */
export type RowOutcome =
  | { ok: true; fields: Record<string, unknown>; id: string }
  | { ok: false; message: string; field?: string };

/** A row refused with its reason (by validation or by the model). */
export const refusedOutcome = (r: { message: string; field?: string }): RowOutcome => ({
  ok: false,
  message: r.message,
  ...(r.field !== undefined && { field: r.field }),
});

/**
 * A chunk's rows scored: each row's outcome, and (a model job's chunk whose features go to drift
 * at the job's checkpoints) the watched features of the rows scored.
 */
export interface ScoredRows {
  outcomes: RowOutcome[];
  rollup?: ChunkRollup;
}

/** A chunk read: its first row's number (1-based) and its rows. */
export interface Chunk {
  first: number;
  rows: Row[];
}

/**
 * A job's chunks scored by records, an object per row: a model's chunk in one `score` call
 * (validated and scored row by row by the data plane: a refused row is named, the others
 * scored), a notebook's one run per row, `parallel` at once; and each chunk's output lines and
 * errors from its rows' outcomes. The way every job went before tensors, and the way a chunk
 * goes that the model refused as tensors.
 */
export class RecordChunks {
  private readonly toRecord: (row: Row) => RecordValue;
  private format: RowFormatter | undefined;
  private readonly lines = new ByteLines();

  /** `parallel`: the runs of a notebook job at once; 0 for a model job. */
  constructor(
    private readonly deps: Pick<JobRunnerDeps, 'dataPlane' | 'adminToken'>,
    private readonly run: ChunkRun,
    private readonly signature: Signature,
    private readonly parallel: number,
  ) {
    this.toRecord = recordMaker(signature, run.job.inputFormat as TableFormat);
  }

  async score(chunk: Chunk): Promise<ScoredRows> {
    if (this.parallel > 0) return { outcomes: await this.runNotebook(chunk, this.parallel) };
    return this.scoreModel(chunk);
  }

  /** The chunk's output lines and errors file lines; the output's columns set by its first row. */
  written(chunk: Chunk, { outcomes, rollup }: ScoredRows, bytesRead: number): ChunkWrite {
    const { options, state } = this.run;
    let refused = '';
    let errors = 0;
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i]!;
      if (!o.ok) {
        refused += refusedLine(chunk.first + i, o);
        errors++;
        continue;
      }
      state.columns ??= outputColumns(options.passThrough, o.fields);
      this.format ??= rowFormatter(options.outputFormat, options.passThrough, state.columns);
      this.format(this.lines, chunk.rows[i]!, o.fields, o.id);
    }
    return {
      rows: chunk.rows.length,
      lines: this.lines.take(),
      refused,
      errors,
      bytesRead,
      ...(rollup && { rollup }),
    };
  }

  /**
   * One `score` call for a chunk of a model job: each row's fields, or why it was refused; and
   * the features for drift, when they go at the job's checkpoints.
   */
  private async scoreModel(chunk: Chunk): Promise<ScoredRows> {
    const { job, stop: signal } = this.run;
    const { signature } = this;
    const records = chunk.rows.map(this.toRecord);
    const result = await retrying(signal, (requestId) =>
      this.deps.dataPlane.score({
        name: job.deploymentName,
        token: this.deps.adminToken,
        version: job.version,
        requestId,
        via: 'batch',
        records,
        signal,
        driftAtCheckpoints: this.run.driftAtCheckpoints,
      }),
    );
    const refused = new Map(result.rejected.map((r) => [r.index, r]));
    const outcomes = records.map((_, i): RowOutcome => {
      const r = refused.get(i);
      if (r) return refusedOutcome(r);
      return {
        ok: true,
        fields: predictionFields(presentPrediction(result.predictions[i], signature)),
        id: result.ids[i]!,
      };
    });
    // Taken in the hour it was scored, as the log's row would have been.
    const rollup = result.features ? chunkRollup(result.features, Date.now()) : undefined;
    return { outcomes, ...(rollup && { rollup }) };
  }

  /** One run per row of a notebook job, `parallel` at once: each run's outputs, or its error. */
  private async runNotebook(chunk: Chunk, parallel: number): Promise<RowOutcome[]> {
    const { job, stop: signal } = this.run;
    const toRecord = this.toRecord;
    const outcomes: RowOutcome[] = new Array<RowOutcome>(chunk.rows.length);
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < chunk.rows.length; i = next++) {
        const parameters = toRecord(chunk.rows[i]!);
        try {
          const result = await retrying(signal, (requestId) =>
            this.deps.dataPlane.invoke({
              name: job.deploymentName,
              token: this.deps.adminToken,
              version: job.version,
              requestId,
              signal,
              records: () => Promise.resolve({ json: parameters }),
              parameters: () => Promise.resolve({ json: parameters, text: {} }),
            }),
          );
          if (result.kind !== 'run' || result.status !== 'succeeded')
            throw new Error('the notebook run did not finish');
          outcomes[i] = { ok: true, fields: { outputs: result.outputs }, id: result.id };
        } catch (err) {
          if (signal.aborted || !isRowFailure(err)) throw err;
          outcomes[i] = refusedOutcome(err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, chunk.rows.length) }, lane));
    return outcomes;
  }
}

/**
 * A row's own failure: its parameters refused (4xx), or its run failed (a cell raised, it ran
 * out of time). What says the deployment cannot run at all (5xx) fails the job.
 */
function isRowFailure(err: unknown): err is SlipwayError {
  if (!(err instanceof SlipwayError)) return false;
  if (err.status < 500) return err.status !== 401 && err.status !== 404;
  return err instanceof NotebookRunError && err.code !== 'unavailable' && err.status !== 503;
}
