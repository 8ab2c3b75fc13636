import type { Worker } from 'node:worker_threads';
import type { ToReaderThread } from './table-job.js';

/** How long a reader thread given back waits for the next read of its module. */
export const WARM_MS = 60_000;
/** Idle threads kept per module, at most (a gateway runs a few jobs at once). */
export const MAX_IDLE = 2;

/** A reader thread to use: a warm one still answers its reset before anything of the next read. */
export interface TakenThread {
  worker: Worker;
  warm: boolean;
}

interface Idle {
  worker: Worker;
  timer: NodeJS.Timeout;
  gone: () => void;
}

/**
 * Reader threads kept after a read that ended cleanly, for the next read of the same module.
 * A thread of its own per read is a new V8 isolate that compiles the parser and the job's code
 * again: on a million-row job, about 0.4 s of the background threads' CPU (bench/RESULTS.md).
 * A thread given back is sent `reset` at once, so it answers that before the next read's
 * `start`: what the read before still had on its way comes first, and the next reader drops
 * everything until the answer (`TakenThread.warm`). A thread idle for `idleMs` is ended, as is
 * one past `MAX_IDLE` of its module.
 */
export class WarmThreads {
  private readonly idle = new Map<string, Idle[]>();
  /** Reads that went to a warm thread, since the start. */
  reused = 0;

  constructor(private readonly idleMs = WARM_MS) {}

  /** A warm thread of `entry`'s module, or a new one from `start`. */
  take(entry: URL, start: (entry: URL) => Worker): TakenThread {
    const kept = this.idle.get(entry.href)?.pop();
    if (!kept) return { worker: start(entry), warm: false };
    clearTimeout(kept.timer);
    kept.worker.off('exit', kept.gone);
    kept.worker.off('error', kept.gone);
    this.reused++;
    return { worker: kept.worker, warm: true };
  }

  /** Keeps a thread whose read ended cleanly (its reader's listeners already off). */
  give(entry: URL, worker: Worker): void {
    const list = this.idle.get(entry.href) ?? [];
    this.idle.set(entry.href, list);
    if (list.length >= MAX_IDLE) return void worker.terminate();
    worker.unref();
    worker.postMessage({ kind: 'reset' } satisfies ToReaderThread);
    const kept: Idle = {
      worker,
      timer: setTimeout(() => {
        this.drop(list, kept);
        void worker.terminate();
      }, this.idleMs).unref(),
      // A thread that failed or stopped while idle is not handed out.
      gone: () => this.drop(list, kept),
    };
    worker.once('exit', kept.gone);
    worker.once('error', kept.gone);
    list.push(kept);
  }

  /** Threads waiting for a read. */
  get size(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /** Ends every idle thread. */
  clear(): void {
    for (const list of this.idle.values())
      for (const kept of list.splice(0)) {
        clearTimeout(kept.timer);
        void kept.worker.terminate();
      }
  }

  private drop(list: Idle[], kept: Idle): void {
    clearTimeout(kept.timer);
    const i = list.indexOf(kept);
    if (i >= 0) list.splice(i, 1);
  }
}
