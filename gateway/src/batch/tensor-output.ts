import type { Row } from '../monitoring/tables/index.js';
import type { Signature } from '../protocol/signature.js';
import type { OutputValues } from '../runtimes/onnx/tensors.js';
import { csvCell, PREDICTION_ID, type Pieces } from './job-output.js';

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
  type Cell = (values: OutputValues[], row: Row, r: number) => string;
  const cells: (Cell | 'id')[] = [];
  for (const c of columns) {
    if (c === PREDICTION_ID) {
      cells.push('id');
      continue;
    }
    if (taken.has(c)) {
      cells.push((_, row) => csvCell(row[c] ?? null));
      continue;
    }
    const source = fields.get(
      c.startsWith('prediction.') && taken.has(c.slice(11)) ? c.slice(11) : c,
    );
    if (!source) return undefined;
    const { output, key } = source;
    cells.push(
      key === undefined
        ? (values, _, r) => {
            const v = values[output]!;
            return v.keys ? '' : csvCell(v.value(r));
          }
        : (values, _, r) => {
            const v = values[output]!;
            return v.keys ? csvCell(v.at(r, key)) : '';
          },
    );
  }
  if (cells.length !== fields.size + passThrough.length + 1) return undefined;
  return (lines, values, rows, indexes, requestId) => {
    for (let k = 0; k < indexes.length; k++) {
      const i = indexes[k]!;
      const row = rows[i]!;
      for (let c = 0; c < cells.length; c++) {
        if (c) lines.push(',');
        const make = cells[c]!;
        lines.push(make === 'id' ? `${requestId}:${i}` : make(values, row, k));
      }
      lines.push('\n');
    }
  };
}

/** Writes the lines of a chunk's scored rows (`indexes` into `rows`; `values` by output). */
export type TensorCsvWriter = (
  lines: Pieces,
  values: OutputValues[],
  rows: readonly Row[],
  indexes: readonly number[],
  requestId: string,
) => void;
