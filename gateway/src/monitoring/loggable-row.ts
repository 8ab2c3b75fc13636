import type { InvocationRow } from '../db/invocation-repository.js';
import type { MonitoredCall } from './features.js';

/** A call as the log keeps it: its invocation row and, for a model's answer, the monitor's part. */
export type LoggedCall = InvocationRow & { monitored?: MonitoredCall | null };

/** A value that is already JSON text (a request body as it came, known to parse). */
export class RawJson {
  constructor(readonly bytes: Uint8Array) {}
}

const utf8 = new TextDecoder();

/** JSON of a value, or undefined when it cannot be written (too deep, a cycle, a BigInt). */
function tryJson(value: unknown): string | undefined {
  if (value instanceof RawJson) {
    const text = utf8.decode(value.bytes);
    // The journal is one row per line. In valid JSON a raw line break can only be whitespace
    // between tokens (never inside a string), so it becomes a space.
    return value.bytes.includes(10) || value.bytes.includes(13)
      ? text.replace(/[\r\n]/g, ' ')
      : text;
  }
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
      raw instanceof RawJson && raw.bytes.byteLength > maxValueBytes
        ? { length: raw.bytes.byteLength }
        : tryJson(raw);
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
  const monitored = monitoredJson(
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
  // `rest` is an object's JSON: the values go in before its closing brace.
  return `${rest.slice(0, -1)},"input":${input},"output":${output},"monitored":${monitored}}`;
}

/**
 * The monitor's part, within the size limit: past it the feature columns go (drift does not
 * see the call), then the predictions too (no feedback for it), and `truncated` says so.
 */
function monitoredJson(
  monitored: MonitoredCall | null | undefined,
  maxValueBytes: number,
  notes: string[],
): string {
  if (!monitored) return 'null';
  const whole = tryJson(monitored);
  if (whole !== undefined && whole.length <= maxValueBytes) return whole;
  const slim = tryJson({ ...monitored, features: null });
  if (slim !== undefined && slim.length <= maxValueBytes) {
    notes.push(`the monitor's copy of the inputs is over the log's ${maxValueBytes} bytes`);
    return slim;
  }
  notes.push(`the monitor's copy of the predictions is over the log's ${maxValueBytes} bytes`);
  return 'null';
}

/** A row read back from a journal line (throws on a line that is not one). */
export function rowFromLine(line: string): LoggedCall {
  const parsed = JSON.parse(line) as LoggedCall & { time: string };
  if (typeof parsed.id !== 'string' || typeof parsed.time !== 'string')
    throw new Error('not an invocation row');
  return { ...parsed, time: new Date(parsed.time) };
}
