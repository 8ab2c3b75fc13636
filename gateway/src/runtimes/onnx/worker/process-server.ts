import { createInterface } from 'node:readline';
import type { Worker } from 'node:worker_threads';
import type { WorkerRequest } from '../../../workers/worker-protocol.js';
import type { ThreadReply, ThreadRequest } from './model-thread.js';
import type { OnnxWorkerErrorType } from './wire.js';

/** What a model's thread answers. */
const THREAD_METHODS = new Set(['load', 'predict', 'predict_tensors', 'unload']);

/** Time the calls under way get once stdin closes. */
const STOP_GRACE_MS = 5_000;

/**
 * The start of a request line as the gateway writes it (workers/worker-protocol.ts, with the
 * model's key first in `args`): enough to route it without parsing the records after it.
 */
const REQUEST_HEAD = /^\{"id":(\d+),"method":"(\w+)","args":\{(?:"key":("(?:[^"\\]|\\.)*"))?/;

/** A request's id, method and model key; undefined for a line that is not a request. */
export function routeRequest(
  line: string,
): { id: number; method: string; key: string } | undefined {
  const head = REQUEST_HEAD.exec(line);
  if (head)
    return { id: Number(head[1]), method: head[2]!, key: head[3] ? JSON.parse(head[3]) : '' };
  // Written some other way: read it all.
  let msg: Partial<WorkerRequest>;
  try {
    msg = JSON.parse(line) as Partial<WorkerRequest>;
  } catch {
    return undefined;
  }
  if (typeof msg?.id !== 'number' || typeof msg.method !== 'string') return undefined;
  const key = msg.args?.key;
  return { id: msg.id, method: msg.method, key: typeof key === 'string' ? key : '' };
}

/** One model's thread and the requests it has not answered yet. */
interface ModelThread {
  worker: Worker;
  pending: Set<number>;
}

/**
 * The main thread of an ONNX worker process: reads requests from stdin, hands each model's
 * to that model's thread (started by its `load`, from `startThread`) and writes
 * the threads' answers to stdout. It never runs a model itself, so it answers `ping` and
 * `cancel` at once whatever the models are doing, and models run side by side.
 */
export function serveOnnxWorker(startThread: () => Worker): void {
  /** Threads by model key; a thread being unloaded has left this map but still runs. */
  const threads = new Map<string, ModelThread>();
  const live = new Set<ModelThread>();
  const write = (line: string): void => void process.stdout.write(`${line}\n`);
  const answer = (id: number, result: unknown) => write(JSON.stringify({ id, result }));
  const fail = (id: number, type: OnnxWorkerErrorType, message: string) =>
    write(JSON.stringify({ id, error: { type, message } }));
  let stopping = false;

  const exitWhenIdle = () => {
    if (stopping && [...live].every((t) => t.pending.size === 0)) process.exit(0);
  };

  const openThread = (key: string): ModelThread => {
    const thread: ModelThread = {
      worker: startThread(),
      pending: new Set(),
    };
    const forget = () => {
      if (threads.get(key) === thread) threads.delete(key);
    };
    thread.worker.on('message', (reply: ThreadReply) => {
      thread.pending.delete(reply.id);
      if (reply.ending) forget();
      write(reply.line);
      exitWhenIdle();
    });
    // An uncaught failure in the thread: its calls fail, and the next load starts another.
    thread.worker.on('error', (err) => {
      process.stderr.write(`model thread ${key} failed: ${err.stack ?? String(err)}\n`);
    });
    thread.worker.on('exit', () => {
      live.delete(thread);
      forget();
      for (const id of thread.pending)
        fail(id, 'Internal', 'the model thread ended during the call');
      thread.pending.clear();
      exitWhenIdle();
    });
    threads.set(key, thread);
    live.add(thread);
    return thread;
  };

  const handle = (line: string): void => {
    const request = routeRequest(line);
    if (!request) return void process.stderr.write(`not a request: ${line.slice(0, 200)}\n`);
    const { id, method, key } = request;
    if (method === 'ping' || method === 'cancel') return answer(id, {});
    if (!THREAD_METHODS.has(method)) return fail(id, 'Internal', `unknown method ${method}`);
    const thread = threads.get(key) ?? (method === 'load' ? openThread(key) : undefined);
    if (!thread)
      return method === 'unload'
        ? answer(id, {})
        : fail(id, 'ModelNotLoaded', 'no model loaded under this key');
    // Calls after an unload find no model; a load after it starts a new thread.
    if (method === 'unload') threads.delete(key);
    thread.pending.add(id);
    // The line as it came: the model thread parses it, records and all.
    const forward: ThreadRequest = { id, method: method as ThreadRequest['method'], line };
    thread.worker.postMessage(forward);
  };

  createInterface({ input: process.stdin })
    .on('line', handle)
    // The gateway closed stdin (or died): finish the calls under way, then leave. A run that
    // does not end keeps `process.exit` waiting for it, so past the grace time (when the
    // gateway is not there to kill this process) it ends itself the hard way.
    .on('close', () => {
      stopping = true;
      exitWhenIdle();
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), STOP_GRACE_MS);
    });
}
