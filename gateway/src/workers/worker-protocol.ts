import { rememberJson } from '../codecs/known-json.js';

/**
 * The worker protocol: JSON lines over stdio, one message per line.
 *
 * - request, gateway → worker: `{"id": 7, "method": "run_notebook", "args": {…}}`
 * - answer, worker → gateway: `{"id": 7, "result": …}` or
 *   `{"id": 7, "error": {"type": "NotebookFailed", "message": "…", "traceback"?: "…", "details"?: {…}}}`
 *
 * - event, worker → gateway, answering no request: `{"event": "process_group", "pgid": 812,
 *   "alive": true}` announces a process group the worker started (a kernel); `alive: false`
 *   when it is gone. If the worker dies without cleaning up, the supervisor kills those groups.
 *
 * Every worker implements `ping` (health) and `cancel` (`{"id": <call id>}`: stop that
 * call's work; the cancelled call may still answer, and that answer is ignored). A worker
 * stops, cleaning up, when its stdin closes. Its stderr is for logs; stdout for this only.
 */

/** One request line. */
export interface WorkerRequest {
  id: number;
  method: string;
  args: Record<string, unknown>;
}

/** What a worker reports when a call fails. */
export interface WorkerErrorBody {
  /** The kind of failure (`NotebookFailed`, `Timeout`, an exception class name…). */
  type: string;
  message: string;
  /** For the log only, never for clients. */
  traceback?: string;
  /** Structured facts for the runtime that made the call (e.g. the failing cell). */
  details?: Record<string, unknown>;
}

/** One answer line. */
export type WorkerResponse =
  | { id: number; result: unknown; error?: undefined }
  | { id: number; error: WorkerErrorBody; result?: undefined };

/**
 * A failure the worker reported for one call. Runtimes map `type` to a typed HTTP error;
 * left unmapped, the gateway answers 500 without the message.
 */
export class WorkerCallError extends Error {
  override name = 'WorkerCallError';
  readonly type: string;
  readonly details: Record<string, unknown>;
  readonly traceback: string | undefined;

  constructor(body: WorkerErrorBody) {
    super(body.message);
    this.type = body.type;
    this.details = body.details ?? {};
    this.traceback = body.traceback;
  }
}

/** A message that answers no request. */
export interface WorkerEvent {
  event: string;
  [field: string]: unknown;
}

/** Encodes a request as one line (with its newline). */
export function encodeRequest(request: WorkerRequest): string {
  return `${JSON.stringify(request)}\n`;
}

/** Decodes a line from a worker; undefined when it is not a protocol message. */
export function decodeMessage(line: string): WorkerResponse | WorkerEvent | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof msg !== 'object' || msg === null) return undefined;
  if (typeof (msg as { event?: unknown }).event === 'string') return msg as WorkerEvent;
  if (typeof (msg as { id?: unknown }).id !== 'number') return undefined;
  const { id, result, error } = msg as { id: number; result?: unknown; error?: unknown };
  if (error === undefined || error === null) {
    // A line as a Node worker writes it (`JSON.stringify({id, result})`): the result's text is
    // the line's middle, kept for the log (a Python worker's spacing differs: not kept).
    if (typeof result === 'object' && result !== null) {
      const head = `{"id":${id},"result":`;
      if (line.startsWith(head) && line.endsWith('}'))
        rememberJson(result, line.slice(head.length, -1));
    }
    return { id, result };
  }
  const e = (typeof error === 'object' ? error : {}) as Partial<WorkerErrorBody>;
  return {
    id,
    error: {
      type: typeof e.type === 'string' ? e.type : 'Error',
      message: typeof e.message === 'string' ? e.message : 'the worker reported an error',
      traceback: typeof e.traceback === 'string' ? e.traceback : undefined,
      details: typeof e.details === 'object' && e.details !== null ? e.details : undefined,
    },
  };
}
