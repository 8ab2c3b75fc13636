import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { inheritedWorkerEnv } from '../config.js';
import { DeadlineError, NotReadyError, WorkerCrashedError } from '../errors.js';
import { workerEnvironment } from './worker-env.js';
import {
  abortReason,
  errorText,
  formatSeconds,
  WorkerProcess,
  type CallOptions,
} from './worker-process.js';

export { WorkerCallError } from './worker-protocol.js';
export type { CallOptions } from './worker-process.js';

/** How to start a worker process. */
export interface WorkerCommand {
  command: string;
  args: string[];
  cwd?: string;
  /**
   * The worker's own variables, added to the allow-listed ones it inherits (worker-env.ts):
   * a worker never sees the gateway's whole environment.
   */
  env?: Record<string, string>;
}

/** Starts a worker process with piped stdio. Tests and other platforms may pass their own. */
export type SpawnWorker = (cmd: WorkerCommand) => ChildProcessWithoutNullStreams;

/**
 * The default `SpawnWorker`: a child process of the gateway, as its user, with the
 * allow-listed environment. The gateway itself uses `WorkerSandbox.spawn`, which also gives
 * each worker a scratch folder and, as root, another user.
 */
export const spawnWorkerProcess: SpawnWorker = (cmd) =>
  spawn(cmd.command, cmd.args, {
    cwd: cmd.cwd,
    env: workerEnvironment(inheritedWorkerEnv().worker, cmd.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });

export interface WorkerSupervisorOptions {
  /** A label for logs and error messages (`python`, `jvm`). */
  name: string;
  /** Resolved at each start; it may first build an environment (minutes, once). */
  command: () => WorkerCommand | Promise<WorkerCommand>;
  spawn?: SpawnWorker;
  /** Receives the worker's stderr and the supervisor's own notes; never shown to clients. */
  log?: (line: string) => void;
  /** A new worker must answer its first `ping` within this time. Default 60 s. */
  startupTimeoutMs?: number;
  /** Pings a running worker this often… Default 15 s. */
  healthIntervalMs?: number;
  /** …and kills it (then starts another) when a ping is not answered in this time. Default 10 s. */
  healthTimeoutMs?: number;
  /** Stops the worker after this long without calls; the next call starts it again. 0: never. */
  idleStopMs?: number;
  /** Time a stopping worker gets to clean up after its stdin closes, before SIGKILL. Default 5 s. */
  stopGraceMs?: number;
  /** Time a worker gets to confirm a cancel before the expired call is answered anyway. Default 2 s. */
  cancelGraceMs?: number;
  /** First delay before restarting a worker that crashed; doubles while crashes repeat. Default 1 s. */
  restartDelayMs?: number;
}

/** A call's answer and how it was served. */
export interface WorkerReply<T> {
  result: T;
  /** True when no worker was running when the call came: it waited for one to start. */
  coldStart: boolean;
  pid: number;
  /** Which start of the worker served the call (1, 2, …). */
  generation: number;
}

/** Why a worker started. */
export interface WorkerStartEvent {
  generation: number;
  pid: number;
  /** `first`: never ran; `restart`: the previous one crashed; `wake`: it had stopped when idle. */
  reason: 'first' | 'restart' | 'wake';
}

export type WorkerState = 'stopped' | 'starting' | 'running' | 'closed';

/** Crashes within this time of a start count as repeated, and lengthen the restart delay. */
const QUICK_CRASH_MS = 30_000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * Runs one out-of-process worker speaking JSON lines over stdio (see worker-protocol.ts).
 * Starts it on first need, health-checks it with `ping`, restarts it when it crashes (its
 * in-flight calls fail with WorkerCrashedError, 502), enforces per-call deadlines
 * (DeadlineError, 504, after asking the worker to `cancel` the call's work), and stops it
 * when idle, so that the next call starts it again and is told it was a cold start.
 * Language-agnostic: the command says what to run. Construction starts nothing.
 */
export class WorkerSupervisor {
  private current: WorkerProcess | undefined;
  private starting: Promise<WorkerProcess> | undefined;
  private retiring: Promise<void> | undefined;
  private generationCount = 0;
  private activeCalls = 0;
  private closed = false;
  private stoppedWhenIdle = false;
  private quickCrashes = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(event: WorkerStartEvent) => void>();
  private readonly log: (line: string) => void;
  private readonly spawnWorker: SpawnWorker;

  constructor(private readonly opts: WorkerSupervisorOptions) {
    this.log = opts.log ?? (() => {});
    this.spawnWorker = opts.spawn ?? spawnWorkerProcess;
  }

  /** `running` once a started worker answered its first ping. */
  get state(): WorkerState {
    if (this.closed) return 'closed';
    if (this.current?.alive && this.current.isReady) return 'running';
    return this.starting ? 'starting' : 'stopped';
  }

  /** The running worker's process id. */
  get pid(): number | undefined {
    return this.current?.alive ? this.current.pid : undefined;
  }

  /** How many times a worker was started. */
  get generation(): number {
    return this.generationCount;
  }

  /** Calls made and not yet answered (health pings excluded). */
  get inFlight(): number {
    return this.activeCalls;
  }

  /** Calls `listener` after each start; returns the unsubscribe function. */
  onStart(listener: (event: WorkerStartEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `method` and resolves with its result; see `request`. */
  async call<T>(
    method: string,
    args: Record<string, unknown> = {},
    opts: CallOptions = {},
  ): Promise<T> {
    return (await this.request<T>(method, args, opts)).result;
  }

  /**
   * Calls `method` on the worker, starting one first when none runs. Rejects with
   * WorkerCallError (the worker's own error), WorkerCrashedError (502: it died during the
   * call or cannot start), DeadlineError (504), NotReadyError (503: the supervisor is closed)
   * or the signal's reason.
   */
  async request<T>(
    method: string,
    args: Record<string, unknown> = {},
    opts: CallOptions = {},
  ): Promise<WorkerReply<T>> {
    if (this.closed) throw this.closedError();
    this.activeCalls++;
    clearTimeout(this.idleTimer);
    try {
      const coldStart = this.state !== 'running';
      const proc = await this.withDeadline(this.acquire(), opts, method);
      const result = (await proc.send(method, args, opts, true)) as T;
      return { result, coldStart, pid: proc.pid, generation: proc.generation };
    } finally {
      this.activeCalls--;
      this.armIdleTimer();
    }
  }

  /** Kills the worker as a crash would (SIGKILL unless told otherwise). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.current?.kill(signal);
  }

  /**
   * Stops the worker for good: closes its stdin (it cleans up and exits), SIGKILL after the
   * grace time. Calls still in flight fail with NotReadyError (503). Idempotent.
   */
  async stop(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.restartTimer);
    clearInterval(this.healthTimer);
    await this.starting?.catch(() => undefined);
    if (this.current) await this.retire(this.current);
    await this.retiring;
  }

  /** The running worker, or one being started for this call. */
  private async acquire(): Promise<WorkerProcess> {
    for (;;) {
      if (this.closed) throw this.closedError();
      if (this.current?.alive && this.current.isReady) return this.current;
      if (this.starting) return this.starting;
      // A worker stopping for idleness finishes its clean-up before the next one starts.
      if (this.retiring) {
        await this.retiring;
        continue;
      }
      const reason = this.stoppedWhenIdle
        ? 'wake'
        : this.generationCount === 0
          ? 'first'
          : 'restart';
      this.starting = this.start(reason).finally(() => (this.starting = undefined));
      return this.starting;
    }
  }

  private async start(reason: WorkerStartEvent['reason']): Promise<WorkerProcess> {
    clearTimeout(this.restartTimer);
    const cannotStart = () =>
      new WorkerCrashedError(`the ${this.opts.name} worker did not start; see the gateway log`);
    let cmd: WorkerCommand;
    try {
      cmd = await this.opts.command();
    } catch (err) {
      this.log(`[${this.opts.name} worker] cannot start: ${errorText(err)}`);
      throw cannotStart();
    }
    if (this.closed) throw this.closedError();
    let child: ChildProcessWithoutNullStreams;
    try {
      child = this.spawnWorker(cmd);
    } catch (err) {
      // Refused before any process exists (a sandbox check, bad options): said in the log.
      this.log(`[${this.opts.name} worker] cannot start: ${errorText(err)}`);
      throw cannotStart();
    }
    const proc = new WorkerProcess(child, ++this.generationCount, {
      name: this.opts.name,
      log: this.log,
      cancelGraceMs: this.opts.cancelGraceMs ?? 2_000,
      onExit: (p, how) => this.onExit(p, how),
    });
    this.current = proc;
    const { startupTimeoutMs = 60_000 } = this.opts;
    try {
      await proc.spawned;
      await proc.send('ping', {}, { timeoutMs: startupTimeoutMs }, false);
    } catch (err) {
      if (err instanceof DeadlineError) {
        this.log(
          `${proc.label} did not answer its first ping in ${startupTimeoutMs} ms; killing it`,
        );
      } else if (!proc.alive) {
        this.log(
          `[${this.opts.name} worker] ${cmd.command} ${cmd.args.join(' ')}: ${errorText(err)}`,
        );
      }
      proc.kill('SIGKILL');
      throw this.closed ? this.closedError() : cannotStart();
    }
    proc.isReady = true;
    this.stoppedWhenIdle = false;
    this.watchHealth(proc);
    this.armIdleTimer();
    for (const listener of this.listeners) {
      try {
        listener({ generation: proc.generation, pid: proc.pid, reason });
      } catch (err) {
        this.log(`[${this.opts.name} worker] a start listener failed: ${errorText(err)}`);
      }
    }
    return proc;
  }

  private onExit(proc: WorkerProcess, how: string): void {
    if (this.current === proc) {
      this.current = undefined;
      clearInterval(this.healthTimer);
    }
    const crashed = !proc.retiring && !this.closed;
    if (crashed) this.log(`${proc.label} ${how}`);
    proc.failPending(() =>
      crashed
        ? new WorkerCrashedError(
            `the ${this.opts.name} worker ${how.replace(/ \(.*/, '')} during the call; it is being restarted, try again`,
          )
        : new NotReadyError(`the ${this.opts.name} worker was stopped during the call`),
    );
    if (crashed && proc.isReady) this.scheduleRestart(proc);
  }

  /** Starts a crashed worker again, waiting longer while it keeps crashing soon after a start. */
  private scheduleRestart(proc: WorkerProcess): void {
    const { restartDelayMs = 1_000 } = this.opts;
    this.quickCrashes = Date.now() - proc.startedAt < QUICK_CRASH_MS ? this.quickCrashes + 1 : 1;
    const delay = Math.min(MAX_RESTART_DELAY_MS, restartDelayMs * 2 ** (this.quickCrashes - 1));
    this.log(`[${this.opts.name} worker] restarting in ${formatSeconds(delay / 1000)}`);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (this.closed || this.current || this.starting) return;
      this.acquire().catch((err: unknown) =>
        this.log(`[${this.opts.name} worker] restart failed: ${errorText(err)}`),
      );
    }, delay);
    this.restartTimer.unref();
  }

  private watchHealth(proc: WorkerProcess): void {
    const { healthIntervalMs = 15_000, healthTimeoutMs = 10_000 } = this.opts;
    clearInterval(this.healthTimer);
    this.healthTimer = setInterval(() => {
      if (!proc.alive || proc.retiring) return;
      proc.send('ping', {}, { timeoutMs: healthTimeoutMs }, false).catch((err: unknown) => {
        if (err instanceof DeadlineError && proc.alive && !proc.retiring) {
          this.log(`${proc.label} did not answer a ping in ${healthTimeoutMs} ms; killing it`);
          proc.kill('SIGKILL');
        }
      });
    }, healthIntervalMs);
    this.healthTimer.unref();
  }

  private armIdleTimer(): void {
    const { idleStopMs = 0 } = this.opts;
    clearTimeout(this.idleTimer);
    if (idleStopMs <= 0 || this.activeCalls > 0 || this.closed) return;
    this.idleTimer = setTimeout(() => {
      const proc = this.current;
      if (this.activeCalls > 0 || !proc?.isReady) return;
      this.log(
        `${proc.label} idle for ${formatSeconds(idleStopMs / 1000)}; stopping it until the next call`,
      );
      this.stoppedWhenIdle = true;
      void this.retire(proc);
    }, idleStopMs);
    this.idleTimer.unref();
  }

  /** Stops `proc` on purpose; a call meanwhile waits for it to finish, then starts another. */
  private retire(proc: WorkerProcess): Promise<void> {
    if (this.current === proc) {
      this.current = undefined;
      clearInterval(this.healthTimer);
    }
    const retiring = proc.retire(this.opts.stopGraceMs ?? 5_000).finally(() => {
      if (this.retiring === retiring) this.retiring = undefined;
    });
    this.retiring = retiring;
    return retiring;
  }

  /** Lets an abortable operation (a start) end early at the call's deadline or signal. */
  private withDeadline<T>(work: Promise<T>, opts: CallOptions, method: string): Promise<T> {
    if (opts.deadline === undefined && !opts.signal) return work;
    return new Promise<T>((resolve, reject) => {
      const cleanups: (() => void)[] = [];
      const finish = (fn: () => void) => {
        for (const cleanup of cleanups) cleanup();
        fn();
      };
      if (opts.deadline !== undefined) {
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(
                new DeadlineError(
                  `the deadline passed while the ${this.opts.name} worker was starting for ${method}`,
                ),
              ),
            ),
          Math.max(0, opts.deadline - Date.now()),
        );
        cleanups.push(() => clearTimeout(timer));
      }
      if (opts.signal) {
        const signal = opts.signal;
        const onAbort = () => finish(() => reject(abortReason(signal)));
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => signal.removeEventListener('abort', onAbort));
      }
      work.then(
        (value) => finish(() => resolve(value)),
        (err: unknown) => finish(() => reject(err)),
      );
    });
  }

  private closedError(): NotReadyError {
    return new NotReadyError(`the ${this.opts.name} worker is stopped`);
  }
}
