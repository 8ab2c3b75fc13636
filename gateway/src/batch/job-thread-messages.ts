import type { Row } from '../monitoring/tables/index.js';
import type { WireError } from '../monitoring/tables/table-job.js';
import type { PackedTensors } from '../runtimes/onnx/packed-tensors.js';
import type { FinishedChunk } from './tensor-chunks.js';

/** The main thread to a job's thread, besides the reader's own messages. */
export type ToJobThread =
  /** A chunk's outputs: its output lines and the monitor's part are wanted. */
  | { kind: 'finish'; seq: number; outputs: PackedTensors; requestId: string }
  /** A chunk is written (or the job stops): what the thread kept of it goes. */
  | { kind: 'drop'; seq: number }
  /**
   * A chunk's rows are wanted, to score them by records (the model refused its tensors): the
   * `count` rows read, null where validation refused one (see `heldRows`).
   */
  | { kind: 'held'; seq: number; count: number };

/** A job's thread to the main thread, besides the reader's own messages. */
export type FromJobThread =
  | { kind: 'finished'; seq: number; finished: FinishedChunk }
  /** Not `rows`: that is the reader's own kind, a batch read. */
  | { kind: 'held'; seq: number; rows: (Row | null)[] }
  | { kind: 'unfinished'; seq: number; error: WireError };
