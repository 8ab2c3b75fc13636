import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DeadlineError, WorkerCrashedError } from '../errors.js';

/** How to start a worker process; resolved on first need (it may build an environment). */
export interface WorkerCommand {
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
}

/** A failure the worker reported for one call: `type` names the kind, for the runtime to map. */
export class WorkerCallError extends Error {
  override name = 'WorkerCallError';
  constructor(
    readonly type: string,
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface WorkerSupervisorOptions {
  /** A label for logs. */
  name: string;
  command: () => Promise<WorkerCommand>;
  log?: (line: string) => void;
  /** A worker that does not answer a ping in this time is killed and started again. */
  healthTimeoutMs?: number;
  healthIntervalMs?: number;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer?: NodeJS.Timeout;
}

/**
 * Runs one out-of-process worker speaking JSON lines over stdio (`{id, method, args}` →
 * `{id, result}` | `{id, error}`). Starts it on first call, starts it again after a crash
 * (failing the calls it had in flight with 502), enforces per-call deadlines (504), and
 * kills a worker that stops answering pings. Language-agnostic: Python and the JVM alike.
 */
export class WorkerSupervisor {
  private child: ChildProcessWithoutNullStreams | undefined;
  private starting: Promise<ChildProcessWithoutNullStreams> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private healthTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Increments at every (re)start, so callers can redo per-process set-up. */
  generation = 0;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: WorkerSupervisorOptions) {
    this.log = opts.log ?? (() => {});
  }

  /** The worker's process id, when one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Calls `method`; rejects with WorkerCallError, WorkerCrashedError (502) or DeadlineError (504). */
  async call<T>(
    method: string,
    args: Record<string, unknown> = {},
    { deadlineMs }: { deadlineMs?: number } = {},
  ): Promise<T> {
    const child = await this.ensureStarted();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { resolve: resolve as (v: unknown) => void, reject };
      if (deadlineMs !== undefined) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(
            new DeadlineError(
              `${this.opts.name} worker did not answer ${method} within ${Math.round(deadlineMs / 1000)} s`,
            ),
          );
        }, deadlineMs);
      }
      this.pending.set(id, entry);
      child.stdin.write(`${JSON.stringify({ id, method, args })}\n`);
    });
  }

  /** Stops the worker: closes its stdin (it cleans up and exits), then kills it after a grace. */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopped = true;
    clearInterval(this.healthTimer);
    const child = this.child ?? (await this.starting?.catch(() => undefined));
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Kills the worker as a crash would (tests and health checks). */
  kill(): void {
    this.child?.kill('SIGKILL');
  }

  private ensureStarted(): Promise<ChildProcessWithoutNullStreams> {
    if (this.stopped)
      return Promise.reject(new WorkerCrashedError(`${this.opts.name} worker is stopped`));
    if (this.child && this.child.exitCode === null) return Promise.resolve(this.child);
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async start(): Promise<ChildProcessWithoutNullStreams> {
    const cmd = await this.opts.command();
    const child = spawn(cmd.command, cmd.args, {
      cwd: cmd.cwd,
      env: { ...process.env, ...cmd.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.generation++;
    this.child = child;
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(line));
    createInterface({ input: child.stderr }).on('line', (line) =>
      this.log(`[${this.opts.name} worker] ${line}`),
    );
    child.stdin.on('error', () => {}); // a dead worker's pipe; the exit handler reports it
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const reason = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      if (!this.stopped)
        this.log(`[${this.opts.name} worker] ${reason}; it starts again on the next call`);
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(
          new WorkerCrashedError(
            `the ${this.opts.name} worker ${reason} during the call; it has been restarted, try again`,
          ),
        );
        this.pending.delete(id);
      }
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (err) =>
        reject(new WorkerCrashedError(`cannot start the ${this.opts.name} worker: ${err.message}`)),
      );
    });
    this.watchHealth();
    return child;
  }

  private onLine(line: string): void {
    let msg: {
      id?: number;
      result?: unknown;
      error?: { type?: string; message?: string } & Record<string, unknown>;
    };
    try {
      msg = JSON.parse(line);
    } catch {
      this.log(`[${this.opts.name} worker] not a protocol line: ${line.slice(0, 200)}`);
      return;
    }
    const p = msg.id === undefined ? undefined : this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id!);
    clearTimeout(p.timer);
    if (msg.error) {
      const { type = 'Error', message = 'worker error', ...details } = msg.error;
      p.reject(new WorkerCallError(type, message, details));
    } else p.resolve(msg.result);
  }

  private watchHealth(): void {
    const { healthIntervalMs = 15_000, healthTimeoutMs = 10_000 } = this.opts;
    clearInterval(this.healthTimer);
    this.healthTimer = setInterval(() => {
      const child = this.child;
      if (!child) return;
      this.call('ping', {}, { deadlineMs: healthTimeoutMs }).catch((err: unknown) => {
        if (err instanceof DeadlineError && this.child === child) {
          this.log(
            `[${this.opts.name} worker] did not answer a ping in ${healthTimeoutMs} ms; restarting it`,
          );
          child.kill('SIGKILL');
        }
      });
    }, healthIntervalMs);
    this.healthTimer.unref();
  }
}
