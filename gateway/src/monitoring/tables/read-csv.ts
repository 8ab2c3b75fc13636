import { parse, CsvError } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { InvalidInputError, SlipwayError, TooLargeError } from '../../errors.js';
import {
  cellError,
  CellMismatch,
  csvCell,
  planColumns,
  type ColumnPlan,
  type Row,
} from './columns.js';
import { formatBytes, layoutOf, type FormatReadContext } from './table-job.js';

/**
 * The rows of a CSV file with a header row, streamed through csv-parse. A UTF-8 BOM is
 * skipped, LF and CRLF both end records, quoted fields may hold commas, quotes and line
 * breaks, blank lines are skipped, header names are trimmed. Every record must have as many
 * fields as the header. Rows are numbered from 1, the header excluded.
 */
export async function* readCsvRows(ctx: FormatReadContext): AsyncGenerator<Row, void, undefined> {
  const { path, columns, limits } = ctx.job;
  const input = createReadStream(path);
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    // Counts a record's bytes as they come, a quoted field's too: no record grows past it.
    max_record_size: limits.maxRecordBytes,
  });
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  let plan: ColumnPlan | undefined;
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      ctx.progress.bytesRead = input.bytesRead;
      if (!plan) {
        plan = planColumns(
          columns,
          record.map((name) => name.trim()),
        );
        ctx.layout = layoutOf(plan);
        continue;
      }
      row++;
      yield csvRow(record, plan, row);
    }
  } catch (err) {
    throw csvError(err, row, limits.maxRecordBytes);
  } finally {
    input.destroy();
    parser.destroy();
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

/** csv-parse's errors, said in terms of the upload: the row (header excluded) and the line. */
function csvError(err: unknown, rowsBefore: number, maxRecordBytes: number): unknown {
  if (err instanceof SlipwayError || !(err instanceof CsvError)) return err;
  const info = err as CsvError & { records?: number; lines?: number };
  // `records` counts the header too, so it is the failing data row's 1-based number.
  const records = info.records ?? rowsBefore + 1;
  const where =
    records === 0 ? 'the header row' : `row ${records}${info.lines ? ` (line ${info.lines})` : ''}`;
  switch (err.code) {
    case 'CSV_MAX_RECORD_SIZE':
      return new TooLargeError(
        `${where} is longer than ${formatBytes(maxRecordBytes)}, the limit for one record (an unclosed quote makes the rest of the file one field)`,
      );
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return new InvalidInputError(
        `${where} has a different number of fields than the header; quote fields that hold commas`,
        undefined,
        'malformed_row',
      );
    case 'CSV_QUOTE_NOT_CLOSED':
      return new InvalidInputError(
        `${where}: a quoted field is not closed before the end of the file`,
        undefined,
        'malformed_row',
      );
    default:
      return new InvalidInputError(`${where}: ${err.message}`, undefined, 'malformed_row');
  }
}
