import type { Cell } from '../monitoring/tables/index.js';
import type { Signature } from '../protocol/signature.js';
import type { OutputValues } from '../runtimes/onnx/tensors.js';
import { utf8Bytes, type ByteLines } from './byte-lines.js';
import { csvCell, PREDICTION_ID } from './job-output.js';

/** The pass-through columns' cells of a chunk's rows read, by column (an entry per row). */
export type PassThroughCells = Record<string, Cell[]>;

const COMMA = 0x2c;
const NEWLINE = 0x0a;

/** Where one output column's cell comes from: an output's value, or one of its class scores. */
type Source = { output: number; key?: number };

/**
 * Writes a chunk's CSV output lines straight from its output tensors: the cells of the lines
 * `rowFormatter` writes from each row's prediction (`presentPrediction`, then
 * `predictionFields`), without making those objects. The columns' sources are found once: a
 * single output's value is the prediction itself (its class scores one column each, named by
 * class, or one `prediction` column), several outputs one column each (`name.class` for class
 * scores). Undefined when `columns` are not this model's (a checkpoint of another version):
 * the rows then go through `rowFormatter`.
 */
export function tensorCsvWriter(
  signature: Signature,
  outputs: readonly { name: string; keys?: string[] }[],
  passThrough: readonly string[],
  columns: readonly string[],
): TensorCsvWriter | undefined {
  const fields = new Map<string, Source>();
  const single = signature.outputs.length === 1 && outputs.length === 1;
  outputs.forEach((o, output) => {
    if (o.keys)
      o.keys.forEach((k, key) => fields.set(single ? k : `${o.name}.${k}`, { output, key }));
    else fields.set(single ? 'prediction' : o.name, { output });
  });
  const taken = new Set(passThrough);
  /** A cell of the k-th scored row, the i-th row read. */
  type Cell = (values: OutputValues[], cells: PassThroughCells, i: number, k: number) => string;
  const cells: (Cell | 'id')[] = [];
  for (const c of columns) {
    if (c === PREDICTION_ID) {
      cells.push('id');
      continue;
    }
    if (taken.has(c)) {
      cells.push((_, passed, i) => csvCell(passed[c]![i] ?? null));
      continue;
    }
    const source = fields.get(
      c.startsWith('prediction.') && taken.has(c.slice(11)) ? c.slice(11) : c,
    );
    if (!source) return undefined;
    const { output, key } = source;
    cells.push(
      key === undefined
        ? (values, _c, _i, k) => {
            const v = values[output]!;
            return v.keys ? '' : csvCell(v.value(k));
          }
        : (values, _c, _i, k) => {
            const v = values[output]!;
            return v.keys ? csvCell(v.at(k, key)) : '';
          },
    );
  }
  if (cells.length !== fields.size + passThrough.length + 1) return undefined;
  return (lines, values, passed, indexes, requestId) => {
    // A row's prediction id is the call's, a colon and its index: the call's part made once.
    const call = utf8Bytes(`${requestId}:`);
    for (let k = 0; k < indexes.length; k++) {
      const i = indexes[k]!;
      for (let c = 0; c < cells.length; c++) {
        if (c) lines.byte(COMMA);
        const make = cells[c]!;
        if (make === 'id') {
          lines.bytes(call);
          lines.digits(i);
        } else lines.push(make(values, passed, i, k));
      }
      lines.byte(NEWLINE);
    }
  };
}

/**
 * Writes the lines of a chunk's scored rows (`indexes` into the rows read, whose pass-through
 * cells `cells` holds; `values` by output).
 */
export type TensorCsvWriter = (
  lines: ByteLines,
  values: OutputValues[],
  cells: PassThroughCells,
  indexes: readonly number[],
  requestId: string,
) => void;
