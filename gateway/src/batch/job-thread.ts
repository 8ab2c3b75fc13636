// A batch job's thread (see job-runner.ts): reads the input, and validates and stacks each chunk
// (TensorChunks) before it goes to the main thread to be scored; makes the output lines and the
// monitor's part of each chunk from the model's outputs when they come back.
import { serveTableReads } from '../monitoring/tables/table-thread.js';
import { toWireError } from '../monitoring/tables/table-job.js';
import { buffersOf } from '../runtimes/onnx/packed-tensors.js';
import {
  heldRows,
  TensorChunks,
  type ChunkPlan,
  type HeldChunk,
  type PreparedChunk,
} from './tensor-chunks.js';
import type { FromJobThread, ToJobThread } from './job-thread-messages.js';
import { rollupBuffers } from './job-rollups.js';

let chunks: TensorChunks | undefined;
const held = new Map<number, HeldChunk>();

serveTableReads<PreparedChunk>({
  setup: (plan) => {
    chunks = new TensorChunks(plan as ChunkPlan);
  },
  // The job is over (its chunks dropped, unless it failed) and the thread waits for another.
  reset: () => {
    chunks = undefined;
    held.clear();
  },
  batch: (rows) => {
    const { chunk, held: kept } = chunks!.prepare(rows);
    held.set(chunk.seq, kept);
    return { batch: chunk, transfer: chunk.feeds ? buffersOf(chunk.feeds) : [] };
  },
  other: (message, send) => {
    const m = message as ToJobThread;
    if (m.kind === 'drop') return void held.delete(m.seq);
    const reply = (answer: FromJobThread) => send(answer);
    const kept = held.get(m.seq);
    try {
      if (!kept) throw new Error(`chunk ${m.seq} is not held`);
      if (m.kind === 'held')
        return reply({ kind: 'held', seq: m.seq, rows: heldRows(kept, m.count) });
      const finished = chunks!.finish(kept, m.outputs, m.requestId);
      send(
        { kind: 'finished', seq: m.seq, finished } satisfies FromJobThread,
        // The lines' bytes move, as the rollup's do: not copied.
        [finished.text.buffer as ArrayBuffer, ...rollupBuffers(finished.rollup)],
      );
    } catch (err) {
      reply({ kind: 'unfinished', seq: m.seq, error: toWireError(err) });
    }
  },
});
