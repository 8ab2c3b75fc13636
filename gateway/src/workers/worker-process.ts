import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DeadlineError } from '../errors.js';
import { decodeMessage, encodeRequest, WorkerCallError } from './worker-protocol.js';

/** Per-call limits. */
export interface CallOptions {
  /** Time the worker has, from when the request is written to it (after any start). */
  timeoutMs?: number;
  /** Absolute limit (epoch ms), also covering a start. */
  deadline?: number;
  signal?: AbortSignal;
}

/** What a worker process needs from its supervisor. */
export interface WorkerProcessHooks {
  /** The worker's label in logs and messages (`python`). */
  name: string;
  log: (line: string) => void;
  /** Time a worker gets to confirm a cancel before the expired call is answered anyway. */
  cancelGraceMs: number;
  /** Called once when the process is gone, with how it ended; its calls are still pending. */
  onExit: (proc: WorkerProcess, how: string) => void;
}

interface Pending {
  method: string;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  timer?: NodeJS.Timeout;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * One worker process: writes requests, matches answers to them by id, expires calls at their
 * deadline or signal (asking the worker to `cancel` them first), remembers the process groups
 * the worker announced, and kills those if the worker dies without cleaning up.
 */
export class WorkerProcess {
  readonly startedAt = Date.now();
  pid: number;
  alive = true;
  /** Answered its first ping. */
  isReady = false;
  /** Being stopped on purpose (idle or close): its exit is not a crash. */
  retiring = false;
  /** Resolves once the process runs; rejects when it cannot be started. */
  readonly spawned: Promise<void>;
  readonly exited: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private readonly groups = new Set<number>();
  private nextId = 1;

  constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly generation: number,
    private readonly hooks: WorkerProcessHooks,
  ) {
    this.pid = child.pid ?? -1;
    let markExited!: () => void;
    this.exited = new Promise<void>((r) => (markExited = r));
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(line));
    createInterface({ input: child.stderr }).on('line', (line) =>
      hooks.log(`${this.label} ${line}`),
    );
    // Writing to a dead worker's pipe: the exit handler reports the failure.
    child.stdin.on('error', () => {});
    this.spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', () => {
        this.pid = child.pid ?? -1;
        resolve();
      });
      child.once('error', (err) => {
        reject(err);
        this.ended(`could not be started (${err.message})`);
        markExited();
      });
    });
    // Observed by the supervisor; this keeps a failure from counting as unhandled meanwhile.
    this.spawned.catch(() => {});
    child.once('exit', (code, signal) => {
      this.ended(signal ? `was killed by ${signal}` : `exited with code ${code}`);
      markExited();
    });
  }

  /** `[python worker 1234]`, for log lines. */
  get label(): string {
    return `[${this.hooks.name} worker ${this.pid}]`;
  }

  /**
   * Writes a request and waits for its answer, its deadline, its signal or the worker's end.
   * `cancellable`: an expired call is cancelled in the worker before the caller hears of it.
   */
  send(
    method: string,
    args: Record<string, unknown>,
    opts: CallOptions,
    cancellable: boolean,
  ): Promise<unknown> {
    if (!this.alive) return Promise.reject(new Error(`${this.label} is gone`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const entry: Pending = { method, resolve, reject };
      this.pending.set(id, entry);
      const now = Date.now();
      const until = Math.min(
        opts.timeoutMs === undefined ? Infinity : now + opts.timeoutMs,
        opts.deadline ?? Infinity,
      );
      if (until !== Infinity) {
        entry.timer = setTimeout(
          () => {
            const err = new DeadlineError(
              `the ${this.hooks.name} worker did not finish ${method} within ${formatSeconds((until - now) / 1000)}; the call was cancelled`,
            );
            this.expire(id, err, cancellable);
          },
          Math.max(0, until - now),
        );
      }
      if (opts.signal) {
        const signal = opts.signal;
        entry.signal = signal;
        entry.onAbort = () => this.expire(id, abortReason(signal), cancellable);
        if (signal.aborted) return entry.onAbort();
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.child.stdin.write(encodeRequest({ id, method, args }));
    });
  }

  /** Rejects every call still waiting, with the error `reason` makes for it. */
  failPending(reason: () => unknown): void {
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      settle(entry);
      entry.reject(reason());
    }
  }

  /** Stops the process on purpose: stdin closed (it cleans up and exits), SIGKILL after `graceMs`. */
  async retire(graceMs: number): Promise<void> {
    this.retiring = true;
    if (this.alive) {
      this.child.stdin.end();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal);
  }

  /** Ends a call early: asks the worker to cancel its work, then rejects with `err`. */
  private expire(id: number, err: unknown, cancellable: boolean): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    settle(entry);
    if (!cancellable || !this.alive) return entry.reject(err);
    // The caller hears of the deadline once the work is stopped (for a notebook: its kernel
    // killed), or after the grace time if the worker does not confirm.
    this.send('cancel', { id }, { timeoutMs: this.hooks.cancelGraceMs }, false)
      .catch((cancelErr: unknown) => {
        if (this.alive)
          this.hooks.log(`${this.label} cancel of ${entry.method} failed: ${errorText(cancelErr)}`);
      })
      .finally(() => entry.reject(err));
  }

  private onLine(line: string): void {
    const msg = decodeMessage(line);
    if (!msg) {
      if (line.trim()) this.hooks.log(`${this.label} (not a protocol line) ${line.slice(0, 500)}`);
      return;
    }
    if ('event' in msg) {
      if (msg.event === 'process_group' && typeof msg.pgid === 'number' && msg.pgid > 1) {
        if (msg.alive === false) this.groups.delete(msg.pgid);
        else this.groups.add(msg.pgid);
      }
      return;
    }
    const entry = this.pending.get(msg.id);
    // Answers to calls that already expired are expected (the cancelled work reporting in).
    if (!entry) return;
    this.pending.delete(msg.id);
    settle(entry);
    if (msg.error) {
      if (msg.error.traceback)
        this.hooks.log(`${this.label} ${entry.method} failed:\n${msg.error.traceback}`);
      entry.reject(new WorkerCallError(msg.error));
    } else entry.resolve(msg.result);
  }

  private ended(how: string): void {
    if (!this.alive) return;
    this.alive = false;
    this.killGroups();
    this.hooks.onExit(this, how);
  }

  /**
   * Kills what a dead worker left: a kernel notices its parent's death only by polling, and
   * what the kernel started (its process group) would never notice.
   */
  private killGroups(): void {
    for (const pgid of this.groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
        this.hooks.log(`${this.label} killed process group ${pgid} it left behind`);
      } catch {
        // already gone
      }
    }
    this.groups.clear();
  }
}

function settle(entry: Pending): void {
  clearTimeout(entry.timer);
  if (entry.signal && entry.onAbort) entry.signal.removeEventListener('abort', entry.onAbort);
}

/** What a call rejects with when its signal aborts: the signal's reason, or a 504. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error
    ? signal.reason
    : new DeadlineError('the call was cancelled');
}

/** `0.25 s`, `12 s`. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, seconds);
  return s >= 10 ? `${Math.round(s)} s` : `${Number(s.toFixed(2))} s`;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
