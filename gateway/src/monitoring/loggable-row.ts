import type { InvocationRow } from '../db/invocation-repository.js';
import type { MonitoredCall } from './features.js';

/** A call as the log keeps it: its invocation row and, for a model's answer, the monitor's part. */
export type LoggedCall = InvocationRow & { monitored?: MonitoredCall | null };

/**
 * A value that is already JSON text, known to parse: a request body as it came (bytes), or a
 * value read back from the journal (text), which the log stores without parsing it.
 */
export class RawJson {
  constructor(readonly json: Uint8Array | string) {}

  /** Its size: bytes of a body, characters of a text. */
  get size(): number {
    return typeof this.json === 'string' ? this.json.length : this.json.byteLength;
  }

  /** The text on one line (what the journal and the database take). */
  get text(): string {
    if (typeof this.json === 'string') return this.json;
    const text = utf8.decode(this.json);
    // The journal is one row per line. In valid JSON a raw line break can only be whitespace
    // between tokens (never inside a string), so it becomes a space.
    return this.json.includes(10) || this.json.includes(13) ? text.replace(/[\r\n]/g, ' ') : text;
  }
}

const utf8 = new TextDecoder();

/** The value itself: JSON text parsed, anything else as it is (what the database gives back). */
export const jsonValue = (value: unknown): unknown =>
  value instanceof RawJson ? JSON.parse(value.text) : value;

/** JSON of a value, or undefined when it cannot be written (too deep, a cycle, a BigInt). */
function tryJson(value: unknown): string | undefined {
  if (value instanceof RawJson) return value.text;
  try {
    return JSON.stringify(value ?? null);
  } catch {
    return undefined;
  }
}

/** A string jsonb stores: a NUL or a lone surrogate (which it refuses) becomes U+FFFD. */
const storable = (s: string) => s.replace(/\0|\p{Cs}/gu, '\uFFFD');

/**
 * The row with its input and output replaced by null and `truncated` saying why: what the log
 * keeps of a call whose values cannot be stored as they came. What else came from the caller
 * goes too or is made storable: the ignored fields' names, and the error message, which may
 * quote the input.
 */
export function withNote(row: LoggedCall, reason: string): LoggedCall {
  const error = row.error && {
    code: storable(row.error.code),
    message: storable(row.error.message),
  };
  return {
    ...row,
    input: null,
    output: null,
    ignoredFields: null,
    error,
    truncated: reason,
    monitored: null,
  };
}

/**
 * One journal line for a row. An input or output that cannot be written as JSON, or that is
 * larger than `maxValueBytes`, is left out and `truncated` says so: one hostile or huge call
 * must never stop the log, nor fill the database.
 */
export function journalLine(row: LoggedCall, maxValueBytes: number): string {
  const notes: string[] = [];
  const value = (name: 'input' | 'output') => {
    const raw = row[name];
    // A body as it came: its size is known without reading it.
    const json =
      raw instanceof RawJson && raw.size > maxValueBytes ? { length: raw.size } : tryJson(raw);
    if (json === undefined) notes.push(`${name} could not be written as JSON`);
    else if (json.length > maxValueBytes)
      notes.push(`${name} is ${json.length} bytes of JSON, over the log's ${maxValueBytes}`);
    else if (typeof json === 'string') return json;
    return 'null';
  };
  const input = value('input');
  const noted = notes.length;
  const output = value('output');
  // The predictions are read from the logged output when feedback comes; only an output the
  // log could not keep needs the monitor's own copy of them.
  const outputKept = notes.length === noted && row.output !== null && row.output !== undefined;
  const [features, answers] = monitoredParts(
    // Not a spread: the predictions of a call are only made when read.
    row.monitored && outputKept
      ? { predictions: [], features: row.monitored.features }
      : row.monitored,
    maxValueBytes,
    notes,
  );
  const rest = JSON.stringify({
    ...row,
    input: undefined,
    output: undefined,
    monitored: undefined,
    truncated: row.truncated ?? (notes.length > 0 ? notes.join('; ') : null),
  });
  // The values' lengths lead the line and the values close it, so that the writer takes them
  // out as text, without parsing them (nor writing them again for the database).
  const values = [input, output, features, answers];
  const lengths = `{"lengths":[${values.map((v) => v.length).join(',')}],`;
  return `${lengths}${rest.slice(1, -1)}${LAYOUT.map((marker, i) => marker + values[i]!).join('')}}`;
}

/** The markers before the values that close a line, in order. */
const LAYOUT = [',"input":', ',"output":', ',"features":', ',"answers":'];
/** …and those of a line the journal wrote before the monitor's part came in two. */
const OLD_LAYOUT = [',"input":', ',"output":', ',"monitored":'];
const LENGTHS = /^\{"lengths":\[(\d+(?:,\d+)*)\],/;

/**
 * The monitor's part as two values, its feature columns and its predictions (`null` for a call
 * without one), within the size limit: past it the feature columns go (drift does not see the
 * call), then the predictions too (no feedback for it), and `truncated` says so. Predictions
 * read back from the journal are written as the text they came as.
 */
function monitoredParts(
  monitored: MonitoredCall | null | undefined,
  maxValueBytes: number,
  notes: string[],
): [features: string, answers: string] {
  if (!monitored) return ['null', 'null'];
  const { predictions } = monitored;
  const answers = predictions instanceof RawJson ? predictions.text : tryJson(predictions);
  const features =
    monitored.features instanceof RawJson ? monitored.features.text : tryJson(monitored.features);
  if (
    answers !== undefined &&
    features !== undefined &&
    answers.length + features.length <= maxValueBytes
  )
    return [features, answers];
  if (answers !== undefined && answers.length <= maxValueBytes) {
    notes.push(`the monitor's copy of the inputs is over the log's ${maxValueBytes} bytes`);
    return ['null', answers];
  }
  notes.push(`the monitor's copy of the predictions is over the log's ${maxValueBytes} bytes`);
  return ['null', 'null'];
}

/**
 * A row read back from a journal line (throws on a line that is not one). Its input, output
 * and the monitor's predictions come back as text (`RawJson`), as the line holds them; a line
 * of an older journal, without the values' lengths, is parsed whole.
 */
export function rowFromLine(line: string): LoggedCall {
  const parts = valueParts(line);
  const parsed = (parts ? JSON.parse(parts.rest) : JSON.parse(line)) as LoggedCall & {
    time: string;
    lengths?: unknown;
  };
  if (typeof parsed.id !== 'string' || typeof parsed.time !== 'string')
    throw new Error('not an invocation row');
  delete parsed.lengths;
  const row = { ...parsed, time: new Date(parsed.time) };
  if (!parts) return row;
  const value = (text: string) => (text === 'null' ? null : new RawJson(text));
  const [input, output, ...monitor] = parts.values as [string, string, ...string[]];
  let monitored: MonitoredCall | null;
  if (monitor.length === 1) monitored = JSON.parse(monitor[0]!) as MonitoredCall | null;
  else {
    const [features, answers] = monitor as [string, string];
    monitored =
      answers === 'null'
        ? null
        : {
            predictions: answers === '[]' ? [] : new RawJson(answers),
            features: JSON.parse(features) as MonitoredCall['features'],
          };
  }
  return { ...row, input: value(input), output: value(output), monitored };
}

/** The parts of a line as `journalLine` writes it (or wrote it), or undefined for any other line. */
function valueParts(line: string) {
  const lengths = LENGTHS.exec(line);
  if (!lengths) return undefined;
  const sizes = lengths[1]!.split(',').map(Number);
  const layout =
    sizes.length === LAYOUT.length
      ? LAYOUT
      : sizes.length === OLD_LAYOUT.length
        ? OLD_LAYOUT
        : undefined;
  if (!layout) return undefined;
  const end = line.length - 1;
  if (line[end] !== '}') return undefined;
  // From the end: each value, then its marker before it. A line cut short, or not of this form,
  // has its markers elsewhere: it is parsed whole (and refused there).
  const values: string[] = [];
  let at = end;
  for (let i = layout.length - 1; i >= 0; i--) {
    const start = at - sizes[i]!;
    const marker = layout[i]!;
    if (
      start - marker.length <= lengths[0].length ||
      !line.startsWith(marker, start - marker.length)
    )
      return undefined;
    values.unshift(line.slice(start, at));
    at = start - marker.length;
  }
  return { rest: `{${line.slice(lengths[0].length, at)}}`, values };
}
