import { createReadStream } from 'node:fs';
import { InvalidInputError } from '../../errors.js';
import {
  cellError,
  CellMismatch,
  csvCell,
  planColumns,
  type ColumnPlan,
  type Row,
} from './columns.js';
import { CsvRecords, type Parsed } from './csv-records.js';
import { layoutOf, rowsUntilError, type FormatReadContext } from './table-job.js';

/**
 * The rows of a CSV file with a header row, streamed through PapaParse a piece at a time
 * (`CsvRecords`). A UTF-8 BOM is skipped, LF, CRLF and CR end records (the file's first line
 * break says which), quoted fields may hold commas, quotes and line breaks, blank lines are
 * skipped, header names are trimmed. Every record must have as many fields as the header, and
 * none may be longer than `maxRecordBytes`. Rows are numbered from 1, the header excluded; the
 * rows before a bad one come before its error.
 */
export async function* readCsvRows(ctx: FormatReadContext): AsyncGenerator<Row[], void, undefined> {
  const { path, columns, limits } = ctx.job;
  const input = createReadStream(path);
  // Not fatal: bytes that are not UTF-8 read as U+FFFD, as text cells that do not parse do.
  const utf8 = new TextDecoder('utf-8');
  const csv = new CsvRecords(limits.maxRecordBytes);
  let plan: ColumnPlan | undefined;
  let row = 0;
  const rowOf = (record: string[]): Row | undefined => {
    if (plan) return csvRow(record, plan, ++row);
    plan = planColumns(
      columns,
      record.map((name) => name.trim()),
    );
    ctx.layout = layoutOf(plan);
    return undefined;
  };
  /** The rows of the records parsed: those before a bad one, then its error. */
  function* rowsOf(parsed: Parsed): Generator<Row[], void, undefined> {
    yield* rowsUntilError(parsed.records, rowOf);
    if (parsed.error) throw parsed.error;
  }
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      ctx.progress.bytesRead = input.bytesRead;
      yield* rowsOf(csv.push(utf8.decode(chunk, { stream: true })));
    }
    yield* rowsOf(csv.push(utf8.decode()));
    yield* rowsOf(csv.end());
  } finally {
    input.destroy();
  }
  if (!plan)
    throw new InvalidInputError(
      'the CSV file is empty: expected a header row naming the columns',
      undefined,
      'empty_table',
    );
}

function csvRow(record: string[], plan: ColumnPlan, row: number): Row {
  const out: Row = {};
  for (const { column, index } of plan.found) {
    const cell = csvCell(record[index], column);
    if (cell instanceof CellMismatch) throw cellError(`row ${row}`, column, cell);
    out[column.name] = cell;
  }
  for (const column of plan.absent) out[column.name] = null;
  return out;
}
