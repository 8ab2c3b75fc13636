import { presentPrediction } from '../codecs/records.js';
import { validateEach } from '../data-plane/validate-each.js';
import type { RejectedRecord, TensorScoring } from '../data-plane/types.js';
import {
  compactAnswers,
  monitoredFeatures,
  type FeatureColumns,
  observeCall,
  watchedColumns,
  type MonitoredCall,
} from '../monitoring/features.js';
import { RawJson } from '../monitoring/loggable-row.js';
import { predictionView } from '../monitoring/prediction-view.js';
import type { Cell, Row, TableFormat } from '../monitoring/tables/index.js';
import type { RecordValue } from '../protocol/signature.js';
import {
  inputPlans,
  outputPlans,
  pack,
  unpack,
  type PackedTensors,
} from '../runtimes/onnx/packed-tensors.js';
import { outputValues, readOutput, stackInput } from '../runtimes/onnx/tensors.js';
import { ByteLines } from './byte-lines.js';
import { tensorAnswers } from './tensor-answers.js';
import { tensorCsvWriter, type PassThroughCells, type TensorCsvWriter } from './tensor-output.js';
import { compileValidator } from '../validation/validate-records.js';
import type { OutputFormat } from './job-options.js';
import { outputColumns, predictionFields, rowFormatter, type RowFormatter } from './job-output.js';
import { ResumeCursor } from './chunk-run.js';
import { chunkRollup, type ChunkRollup } from './job-rollups.js';
import { recordMaker } from './job-rows.js';
import {
  columnStacker,
  recordsOfColumns,
  rollupOfColumns,
  type ColumnStacker,
} from './column-chunks.js';

/** How a job's chunks are made into tensors and its outputs into rows: what its thread is told. */
export interface ChunkPlan {
  scoring: TensorScoring;
  inputFormat: TableFormat;
  passThrough: string[];
  outputFormat: OutputFormat;
  /** The output's columns as the job's checkpoint has them; null before its first row. */
  columns: string[] | null;
  /** Rows of the input already done (a job going on from its checkpoint): skipped. */
  skip: number;
  /**
   * Whether a chunk's watched features go to drift at the job's checkpoints (`rollup`), not
   * in its call's log row (where a reference still taken from the first calls reads them).
   */
  driftAtCheckpoints: boolean;
}

/** A chunk of rows validated and stacked: what crosses from the job's thread to be scored. */
export interface PreparedChunk {
  seq: number;
  /** The row number (1-based) of its first row. */
  first: number;
  /** Rows in it (0: a batch the checkpoint had done). */
  rows: number;
  /** The records that passed, stacked by the model's plan; undefined when none did. */
  feeds: PackedTensors | undefined;
  /** Each refused row's index in the chunk, and why. */
  rejected: RejectedRecord[];
  /** Fields the signature does not name, ignored. */
  ignored: string[];
}

/** A chunk's outputs made into output lines and the monitor's part of its call. */
export interface FinishedChunk {
  /** The output lines of its scored rows, in order (a refused row has none), as UTF-8. */
  text: Uint8Array;
  /** The output's columns (set by the job's first scored row). */
  columns: string[] | null;
  /**
   * The monitor's part of the call as the log writes it (JSON made here, where the values
   * are): the predictions' columns, and the features' (null when inputs are not kept, or
   * when they go to drift at the job's checkpoints).
   */
  answers: string;
  features: string | null;
  /** The watched features' columns, for drift at the job's checkpoints (`driftAtCheckpoints`). */
  rollup: ChunkRollup | null;
}

/** The monitor's part of a finished chunk's call, as the log takes it. */
export const monitoredOf = (f: FinishedChunk): MonitoredCall => ({
  predictions: new RawJson(f.answers),
  features: f.features === null ? null : new RawJson(f.features),
});

/**
 * What a prepared chunk keeps on the thread until its outputs come: the records that passed
 * (or, for a chunk made as columns straight from its cells, those columns: no record at all)
 * and their indexes, and of the rows read only the pass-through columns' cells (by column, an
 * entry per row read). The rows themselves go as soon as the chunk is stacked: a chunk waits
 * for its outputs long enough that what it keeps outlives the young generation, and a million
 * rows' objects copied into the old one are most of what the garbage collector costs a job.
 */
export interface HeldChunk {
  /** The records that passed (made again from `columns` when the chunk went as columns). */
  records: () => RecordValue[];
  /** The passed records' values as columns (`ColumnChunk.values`), when the chunk went as columns. */
  columns: PackedTensors | undefined;
  indexes: number[];
  cells: PassThroughCells;
}

/** The pass-through cells of the rows read, by column. */
function passThroughCells(rows: readonly Row[], passThrough: readonly string[]): PassThroughCells {
  const cells: PassThroughCells = {};
  for (const c of passThrough) {
    const column = new Array<Cell>(rows.length);
    for (let i = 0; i < rows.length; i++) column[i] = rows[i]![c];
    cells[c] = column;
  }
  return cells;
}

/** The i-th row's pass-through cells, as a row. */
const cellsAt = (cells: PassThroughCells, i: number): Row => {
  const row: Row = {};
  for (const c in cells) row[c] = cells[c]![i];
  return row;
};

/**
 * The rows of a held chunk again, to score them by records (the model refused its tensors):
 * each passed record with its row's pass-through cells (read as the row had them), null for a
 * row its validation refused. Reading such a row makes the same record again.
 */
export function heldRows(held: HeldChunk, count: number): (Row | null)[] {
  const rows = new Array<Row | null>(count).fill(null);
  const records = held.records();
  held.indexes.forEach(
    // A record's values are what a row's cells read as (a number, a list): read again, the same.
    (i, k) => (rows[i] = { ...(records[k] as Row), ...cellsAt(held.cells, i) }),
  );
  return rows;
}

/**
 * A batch job's chunks on its thread, with the data plane's own parts: the version's
 * validator (`validateEach`, as `DataPlane.score`), the model's stacking and reading of
 * tensors (as the ONNX worker does it for records), the monitor's features and view
 * (`observeCall`), and the job's output lines (`rowFormatter`). So what the main thread and
 * the model's worker move is tensors, not an object per row, and the output, the errors, the
 * prediction ids and the log are those of a job scored by records.
 */
export class TensorChunks {
  private readonly toRecord: (row: Row) => RecordValue;
  private readonly validate;
  private readonly inputs;
  private readonly outputs;
  private readonly features;
  private readonly view;
  private columns: string[] | null;
  private format: RowFormatter | undefined;
  /** CSV lines straight from the tensors (null: this model's through `format`). */
  private csv: TensorCsvWriter | null | undefined;
  private readonly lines = new ByteLines();
  private seq = 0;
  private readonly cursor: ResumeCursor;
  /** Columns straight from a CSV chunk's cells, for a model that takes them (see ColumnStacker). */
  private readonly columnar: ColumnStacker | undefined;

  constructor(private readonly plan: ChunkPlan) {
    const { signature, tensors, unknownFields, config } = plan.scoring;
    this.toRecord = recordMaker(signature, plan.inputFormat);
    this.validate = compileValidator(signature, { unknownFields });
    this.inputs = inputPlans(tensors);
    this.outputs = outputPlans(tensors);
    this.features = monitoredFeatures(signature);
    this.view = predictionView(signature, config, 'model');
    this.columns = plan.columns;
    this.cursor = new ResumeCursor(plan.skip);
    this.columnar = columnStacker(signature, this.inputs, plan.inputFormat);
  }

  /** Validates and stacks the rows read (less those the checkpoint had done). */
  prepare(read: Row[]): { chunk: PreparedChunk; held: HeldChunk } {
    const { first, rows } = this.cursor.take(read);
    const cells = passThroughCells(rows, this.plan.passThrough);
    const columns = rows.length > 0 ? this.columnar?.(rows) : undefined;
    if (columns) {
      const n = rows.length;
      const { feeds, values } = columns;
      const { signature } = this.plan.scoring;
      return {
        chunk: { seq: this.seq++, first, rows: n, feeds, rejected: [], ignored: [] },
        held: {
          records: () => recordsOfColumns(signature, values, n),
          columns: values,
          indexes: Array.from({ length: n }, (_, i) => i),
          cells,
        },
      };
    }
    const { passed, indexes, rejected, ignored } = validateEach(
      this.validate,
      rows.map(this.toRecord),
    );
    let feeds: PackedTensors | undefined;
    if (passed.length > 0) {
      feeds = {};
      for (const input of this.inputs) feeds[input.name] = pack(stackInput(input, passed));
    }
    return {
      chunk: { seq: this.seq++, first, rows: rows.length, feeds, rejected, ignored },
      held: { records: () => passed, columns: undefined, indexes, cells },
    };
  }

  /** The chunk's output lines and the monitor's part, from the model's outputs. */
  finish(held: HeldChunk, outputs: PackedTensors, requestId: string): FinishedChunk {
    const { indexes, cells } = held;
    const { signature, recordInputs } = this.plan.scoring;
    const n = indexes.length;
    const tensors = this.outputs.map((out) => {
      const t = outputs[out.name];
      if (!t) throw new Error(`the model answered without its output ${out.name}`);
      return unpack(t, out.name);
    });
    const values = this.outputs.map((out, i) => outputValues(out, tensors[i]!, n));
    // One object per row only where something reads them: the job's first columns, JSONL
    // output, a view that does not read outputs by name.
    let made: Record<string, unknown>[] | undefined;
    const predictions = () => {
      if (made) return made;
      made = new Array<Record<string, unknown>>(n);
      for (let r = 0; r < n; r++) made[r] = {};
      this.outputs.forEach((out, i) => readOutput(out, tensors[i]!, made!));
      return made;
    };
    const { passThrough, outputFormat } = this.plan;
    // A number that is not finite reads as null (`outputValues`), as JSON carries it: the
    // output of a job is the same whichever way its chunks went.
    const fieldsOf = (k: number) =>
      predictionFields(presentPrediction(predictions()[k], signature));
    if (n > 0) this.columns ??= outputColumns(passThrough, fieldsOf(0));
    if (n > 0 && outputFormat === 'csv' && this.csv === undefined)
      this.csv = tensorCsvWriter(signature, this.outputs, passThrough, this.columns!) ?? null;
    if (this.csv) this.csv(this.lines, values, cells, indexes, requestId);
    else
      for (let k = 0; k < n; k++) {
        this.format ??= rowFormatter(outputFormat, passThrough, this.columns!);
        const i = indexes[k]!;
        this.format(this.lines, cellsAt(cells, i), fieldsOf(k), `${requestId}:${i}`);
      }
    const byName = new Map(this.outputs.map((out, i) => [out.name, values[i]!]));
    const answers = tensorAnswers(this.view, byName, n);
    const { driftAtCheckpoints } = this.plan;
    let observed: MonitoredCall;
    let rollup: ChunkRollup | null = null;
    if (!answers)
      observed = observeCall(
        { call: requestId, index: indexes },
        held.records(),
        predictions(),
        this.features,
        this.view,
        recordInputs,
      );
    else if (recordInputs && driftAtCheckpoints && held.columns) {
      // A chunk that went as columns gives drift its features as they went: no records made.
      observed = { predictions: compactAnswers({ index: indexes, ...answers }), features: null };
      const prediction = chunkRollup(
        watchedColumns([], [], this.view.task, () => answers.predicted),
        Date.now(),
      );
      rollup = {
        hour: prediction.hour,
        columns: [...rollupOfColumns(this.features, held.columns), ...prediction.columns],
      };
    } else
      observed = {
        predictions: compactAnswers({ index: indexes, ...answers }),
        features: recordInputs
          ? watchedColumns(held.records(), this.features, this.view.task, () => answers.predicted)
          : null,
      };
    // A call made where the values are, not `RawJson` read back: columns.
    const features = observed.features as FeatureColumns | null;
    if (features !== null && driftAtCheckpoints) rollup = chunkRollup(features, Date.now());
    return {
      text: this.lines.take(),
      columns: this.columns,
      answers: JSON.stringify(observed.predictions),
      features: features === null || rollup ? null : JSON.stringify(features),
      rollup,
    };
  }
}
