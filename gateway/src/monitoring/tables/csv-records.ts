import Papa from 'papaparse';
import { InvalidInputError, TooLargeError } from '../../errors.js';
import { formatBytes } from './table-job.js';

type Newline = '\n' | '\r\n' | '\r';

/** Records parsed: those before a bad one, and its error (typed: 400 or 413). */
export interface Parsed {
  records: string[][];
  error?: Error;
}

/**
 * CSV text made into records a piece at a time, by PapaParse's parser: commas between fields,
 * double quotes around a field that holds commas, quotes (doubled) or line breaks. Records end
 * at the file's line break (LF, CRLF or CR: the first one in the file says which). Blank lines
 * are skipped. Every record must have as many fields as the first (the header). A record longer
 * than `maxRecordChars` is refused as soon as it is, a record still open too (an unclosed quote
 * would make the rest of the file one field). Errors name the row (the header excluded, as
 * `rows` counts them) and the line where the record starts.
 */
export class CsvRecords {
  /** The text after the last whole record. */
  private pending = '';
  /** The line where `pending` starts. */
  private line = 1;
  private newline: Newline | undefined;
  private width: number | undefined;
  /** Data rows made so far (the header excluded). */
  rows = 0;

  constructor(private readonly maxRecordChars: number) {}

  /**
   * The records the text read so far ends (the header among them, first); those before a bad
   * one, and its error.
   */
  push(text: string): Parsed {
    return this.parse(this.pending + text, false);
  }

  /** The records the end of the text ends (and the error of a bad one). */
  end(): Parsed {
    return this.parse(this.pending, true);
  }

  private parse(text: string, last: boolean): Parsed {
    const records: string[][] = [];
    try {
      this.records(text, last, records);
      return { records };
    } catch (err) {
      return { records, error: err as Error };
    }
  }

  private records(text: string, last: boolean, records: string[][]): void {
    this.newline ??= newlineOf(text, last);
    if (this.newline === undefined) return this.hold(text);
    const newline = this.newline;
    const result = parserFor(newline).parse(text, 0, !last) as {
      data: string[][];
      errors: Papa.ParseError[];
      meta: { cursor: number };
    };
    // An error in the record the text ends in the middle of is not one yet: that record is
    // parsed again, whole, with the next piece.
    const error = result.errors.find((e) => e.row !== undefined && e.row < result.data.length);
    for (let k = 0; k < result.data.length; k++) {
      const record = result.data[k]!;
      if (record.length === 1 && record[0] === '') continue;
      const where = () => this.where(text, k);
      if (error && error.row === k) throw quoteError(error, where());
      let chars = record.length - 1;
      for (let i = 0; i < record.length; i++) chars += record[i]!.length;
      if (chars > this.maxRecordChars) throw this.tooLong(where());
      if (this.width === undefined) this.width = record.length;
      else {
        if (record.length !== this.width)
          throw new InvalidInputError(
            `${where()} has a different number of fields than the header; quote fields that hold commas`,
            undefined,
            'malformed_row',
          );
        this.rows++;
      }
      records.push(record);
    }
    if (!last) {
      const cursor = result.meta.cursor;
      this.line += linesIn(text, newline, cursor);
      this.hold(text.slice(cursor));
    }
  }

  /** Keeps the start of a record for the next piece, if it is not already too long. */
  private hold(text: string): void {
    this.pending = text;
    if (text.length > this.maxRecordChars)
      throw this.tooLong(
        `${this.width === undefined ? 'the header row' : `row ${this.rows + 1}`} (line ${this.line})`,
      );
  }

  private tooLong(where: string): TooLargeError {
    return new TooLargeError(
      `${where} is longer than ${formatBytes(this.maxRecordChars)}, the limit for one record (an unclosed quote makes the rest of the file one field)`,
    );
  }

  /**
   * Where the k-th record of `text` (as the parser counts them, blank lines too) is: its row
   * (the next data row, or the header) and the line it starts on. Only for errors: the text is
   * parsed again, a record at a time, for where each starts.
   */
  private where(text: string, k: number): string {
    const newline = this.newline!;
    const starts: number[] = [0];
    parserFor(newline, (r) => void starts.push(r.meta.cursor)).parse(text, 0, false);
    const line = this.line + linesIn(text, newline, starts[k] ?? text.length);
    return this.width === undefined
      ? `the header row (line ${line})`
      : `row ${this.rows + 1} (line ${line})`;
  }
}

/** A parser of records of comma-separated, double-quoted fields ending at `newline`. */
const parserFor = (newline: Newline, step?: (r: { meta: { cursor: number } }) => void) =>
  new Papa.Parser({ delimiter: ',', newline, quoteChar: '"', ...(step && { step }) });

/** The file's line break, from its first one; undefined when the text has none yet. */
function newlineOf(text: string, last: boolean): Newline | undefined {
  const lf = text.indexOf('\n');
  const cr = text.indexOf('\r');
  if (cr >= 0 && (lf < 0 || cr < lf)) {
    if (cr + 1 < text.length) return text[cr + 1] === '\n' ? '\r\n' : '\r';
    return last ? '\r' : undefined;
  }
  if (lf >= 0) return '\n';
  return last ? '\n' : undefined;
}

/** The line breaks in `text` before `end`. */
function linesIn(text: string, newline: Newline, end: number): number {
  const mark = newline === '\r' ? '\r' : '\n';
  let n = 0;
  for (let i = text.indexOf(mark); i >= 0 && i < end; i = text.indexOf(mark, i + 1)) n++;
  return n;
}

/** A quoting error of the parser's, said in terms of the upload. */
function quoteError(error: Papa.ParseError, where: string): InvalidInputError {
  return new InvalidInputError(
    error.code === 'MissingQuotes'
      ? `${where}: a quoted field is not closed before the end of the file`
      : `${where}: a quoted field's closing quote is not followed by a comma or the end of the line; double a quote inside a quoted field`,
    undefined,
    'malformed_row',
  );
}
