import type { TensorScoring } from '../data-plane/types.js';
import { InvalidInputError } from '../errors.js';
import { readTableOn } from '../monitoring/tables/read-table.js';
import { fromWireError } from '../monitoring/tables/table-job.js';
import type { Row, TableFormat } from '../monitoring/tables/index.js';
import type { PackedTensors } from '../runtimes/onnx/packed-tensors.js';
import {
  CHUNKS_IN_FLIGHT,
  refusedLine,
  retrying,
  sizedCall,
  type ChunkRun,
  type ChunkWrite,
} from './chunk-run.js';
import type { FromJobThread, ToJobThread } from './job-thread-messages.js';
import type { JobRunnerDeps } from './job-runner.js';
import { RecordChunks, refusedOutcome } from './record-chunks.js';
import {
  monitoredOf,
  type ChunkPlan,
  type FinishedChunk,
  type PreparedChunk,
} from './tensor-chunks.js';

/**
 * The chunks of a model job scored as tensors (the runtime takes them: `tensorScoring`): the
 * job's thread reads the input and validates and stacks each chunk (TensorChunks), the data
 * plane runs and logs it (`scoreTensors`), and the thread makes the output lines and the
 * monitor's part from the outputs; nothing is made per row on this thread.
 */
export async function scoreTensorChunks(
  deps: Pick<JobRunnerDeps, 'dataPlane' | 'adminToken'>,
  run: ChunkRun,
  scoring: TensorScoring,
): Promise<void> {
  const { job, options, state, stop } = run;
  const plan: ChunkPlan = {
    scoring,
    inputFormat: job.inputFormat as TableFormat,
    passThrough: options.passThrough,
    outputFormat: options.outputFormat,
    columns: state.columns,
    skip: run.skip,
    driftAtCheckpoints: run.driftAtCheckpoints,
  };
  const waiting = new Map<
    number,
    { resolve: (answer: FinishedChunk | (Row | null)[]) => void; reject: (e: unknown) => void }
  >();
  const reader = readTableOn<PreparedChunk>(
    {
      entry: new URL('./job-thread.js', import.meta.url),
      setup: plan,
      keep: true,
      other: (message) => {
        const m = message as FromJobThread;
        const w = waiting.get(m.seq);
        waiting.delete(m.seq);
        if (m.kind === 'finished') w?.resolve(m.finished);
        else if (m.kind === 'held') w?.resolve(m.rows);
        else w?.reject(fromWireError(m.error));
      },
      exited: (error) => {
        stopped = error;
        for (const w of waiting.values()) w.reject(error);
        waiting.clear();
      },
    },
    job.inputPath,
    run.read,
  );
  let stopped: Error | undefined;
  /** Asks the job's thread about a chunk it holds. */
  const ask = <T>(message: ToJobThread & { seq: number }) =>
    new Promise<T>((resolve, reject) => {
      // A chunk still in the data plane when the job stopped: its thread is gone.
      if (stopped) return reject(stopped);
      waiting.set(message.seq, { resolve: resolve as (a: unknown) => void, reject });
      reader.post(message);
    });
  const finish = (seq: number, outputs: PackedTensors, requestId: string) =>
    ask<FinishedChunk>({ kind: 'finish', seq, outputs, requestId });
  // A chunk whose tensors the model refused (a value its fields do not take: a PMML value
  // outside its valid values) goes by records, where each refused row is named.
  const records = new RecordChunks(deps, run, scoring.signature, 0);
  // The rows validation refused keep their reasons; the others are scored again.
  const byRecords = async (chunk: PreparedChunk): Promise<ChunkWrite> => {
    const rows = await ask<(Row | null)[]>({ kind: 'held', seq: chunk.seq, count: chunk.rows });
    const passed = rows.filter((row) => row !== null);
    const scored = await records.score({ first: chunk.first, rows: passed });
    const refused = new Map(chunk.rejected.map((r) => [r.index, r]));
    let k = 0;
    const outcomes = rows.map((row, i) =>
      row ? scored.outcomes[k++]! : refusedOutcome(refused.get(i)!),
    );
    return records.written(
      { first: chunk.first, rows: rows.map((row) => row ?? {}) },
      { ...scored, outcomes },
      reader.progress.bytesRead,
    );
  };
  const score = async (chunk: PreparedChunk): Promise<ChunkWrite> => {
    try {
      return await scoreAsTensors(chunk);
    } catch (err) {
      if (!(err instanceof InvalidInputError) || stop.aborted) throw err;
      return byRecords(chunk);
    }
  };
  const scoreAsTensors = async (chunk: PreparedChunk): Promise<ChunkWrite> => {
    let finished: FinishedChunk | undefined;
    await retrying(stop, (requestId) =>
      deps.dataPlane.scoreTensors({
        name: job.deploymentName,
        token: deps.adminToken,
        version: scoring.version,
        requestId,
        via: 'batch',
        feeds: chunk.feeds,
        ignored: chunk.ignored,
        signal: stop,
        observe: async (outputs) => {
          finished = await finish(chunk.seq, outputs, requestId);
          return monitoredOf(finished);
        },
      }),
    );
    if (finished?.columns) state.columns = finished.columns;
    const refused = chunk.rejected.map((r) => refusedLine(chunk.first + r.index, r)).join('');
    return {
      rows: chunk.rows,
      lines: finished?.text ?? new Uint8Array(0),
      refused,
      errors: chunk.rejected.length,
      bytesRead: reader.progress.bytesRead,
      ...(finished?.rollup && { rollup: finished.rollup }),
    };
  };

  const pending: { seq: number; written: Promise<ChunkWrite> }[] = [];
  const writeHead = async () => {
    const head = pending.shift()!;
    const written = await head.written;
    reader.post({ kind: 'drop', seq: head.seq } satisfies ToJobThread);
    await run.write(written);
  };
  try {
    for await (const chunk of reader) {
      if (chunk.rows === 0) {
        // Rows the checkpoint had done: nothing to score.
        reader.post({ kind: 'drop', seq: chunk.seq } satisfies ToJobThread);
        continue;
      }
      const written = sizedCall(run, reader, chunk.rows, () => score(chunk));
      written.catch(() => {});
      pending.push({ seq: chunk.seq, written });
      if (pending.length >= CHUNKS_IN_FLIGHT) await writeHead();
    }
    while (pending.length > 0) await writeHead();
  } finally {
    reader.stop();
  }
}
