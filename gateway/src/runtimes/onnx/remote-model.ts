import {
  DeadlineError,
  NotReadyError,
  UnusableArtifactError,
  WorkerCrashedError,
} from '../../errors.js';
import type { RecordValue } from '../../protocol/signature.js';
import { formatSeconds } from '../../workers/worker-process.js';
import { WorkerCallError } from '../../workers/worker-protocol.js';
import type { WorkerSupervisor } from '../../workers/worker-supervisor.js';
import type { Prediction } from '../types.js';
import { CallQueue, type Batching } from './call-queue.js';
import type { OnnxWorkerLease } from './onnx-workers.js';
import { fromWorkerError, type LoadArgs, type LoadReply } from './worker/wire.js';
import {
  fromWirePacked,
  toWirePacked,
  type PackedTensors,
  type WirePackedTensor,
} from './packed-tensors.js';

/** Time a model gets to load (read, rewrite, session creation) once its worker runs. */
export const LOAD_TIMEOUT_MS = 120_000;

/**
 * One model loaded in an ONNX worker process, seen from the gateway: loads it (again after
 * its worker restarted, crashed or stopped when idle), runs its calls in order with their
 * time limits (see CallQueue), and kills the worker when a call or the load runs past its
 * time — the only way to stop onnxruntime — so that the next call finds a fresh one.
 */
export class RemoteModel {
  /** What the model said at its first load. */
  info: LoadReply | undefined;
  private readonly calls: CallQueue;
  /** The worker generation holding the model, when it is loaded. */
  private loadedIn: number | undefined;
  private loading: Promise<LoadReply> | undefined;
  private killing: Promise<void> | undefined;
  /** Set by `close`: calls still here fail rather than load the model again. */
  private closed = false;

  constructor(
    private readonly lease: OnnxWorkerLease,
    private readonly args: LoadArgs,
    batching?: Batching,
  ) {
    this.calls = new CallQueue(
      {
        ready: () => this.ready(),
        prepare: async () => {
          if (this.closed) throw new NotReadyError('the model was unloaded during the call');
          await this.load();
        },
        send: (records) => this.send(records),
        sendTensors: (feeds) => this.sendTensors(feeds),
        expire: () => this.kill(),
        retryable: (err) =>
          !this.closed &&
          (err instanceof WorkerCrashedError ||
            (err instanceof WorkerCallError && err.type === 'ModelNotLoaded')),
        deadline: (ms) =>
          new DeadlineError(
            `the model did not answer within ${formatSeconds(ms / 1000)} (config.timeoutSeconds); its worker was stopped and restarts`,
          ),
      },
      batching,
    );
  }

  private get worker(): WorkerSupervisor {
    return this.lease.worker;
  }

  /** Loads the model in the running worker (starting one); shared by concurrent callers. */
  load(): Promise<LoadReply> {
    this.loading ??= this.loadOnce().finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** One answer per record; `timeoutMs` counts from when the model starts on the call. */
  predict(records: RecordValue[], timeoutMs: number, signal?: AbortSignal): Promise<Prediction[]> {
    return this.calls.submit(records, timeoutMs, signal);
  }

  /** One run of tensors as bytes (the model's `info.tensors` plan says which). */
  predictTensors(
    feeds: PackedTensors,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<PackedTensors> {
    return this.calls.submitTensors(feeds, timeoutMs, signal);
  }

  /**
   * Lets the callers under way have their answers (for the lease's grace time at most), takes the model
   * out of a shared worker and gives the worker back. Work still running then (a call past
   * the grace, or one whose caller left) is stopped the only way it can be: the worker is
   * killed — in a pool, the other models' calls under way are made again on the next worker.
   */
  async close(): Promise<void> {
    const { graceMs } = this.lease;
    await this.loading?.catch(() => undefined);
    await within(this.calls.answered(), graceMs);
    const stuck = this.calls.size > 0;
    const holdsModel = this.ready();
    this.closed = true;
    if (!stuck && this.lease.shared && holdsModel)
      await this.worker
        .call('unload', { key: this.args.key }, { timeoutMs: graceMs })
        .catch(() => undefined);
    const released = this.lease.release();
    if (stuck) this.worker.kill();
    await released;
  }

  private ready(): boolean {
    return (
      !this.closed &&
      this.killing === undefined &&
      this.loadedIn !== undefined &&
      this.worker.state === 'running' &&
      this.worker.generation === this.loadedIn
    );
  }

  private async loadOnce(): Promise<LoadReply> {
    await this.killing;
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await this.worker.request<LoadReply>(
          'load',
          { ...this.args },
          { timeoutMs: LOAD_TIMEOUT_MS },
        );
        this.loadedIn = reply.generation;
        this.info ??= reply.result;
        return reply.result;
      } catch (err) {
        // The worker died under the load, maybe for another model's call: once more, on the next.
        if (err instanceof WorkerCrashedError && attempt < 2) continue;
        if (err instanceof DeadlineError) {
          this.kill();
          await this.killing;
          throw new UnusableArtifactError(
            `the model did not load within ${formatSeconds(LOAD_TIMEOUT_MS / 1000)}`,
          );
        }
        throw err instanceof WorkerCallError ? fromWorkerError(err) : err;
      }
    }
  }

  private send(records: RecordValue[]): Promise<Prediction[]> {
    return this.callModel<Prediction[]>('predict', { records });
  }

  private async sendTensors(feeds: PackedTensors): Promise<PackedTensors> {
    const { outputs } = await this.callModel<{ outputs: Record<string, WirePackedTensor> }>(
      'predict_tensors',
      { feeds: toWirePacked(feeds) },
    );
    return fromWirePacked(outputs);
  }

  private async callModel<T>(method: string, args: Record<string, unknown>): Promise<T> {
    try {
      // The key first: the worker routes the line by it without parsing the rest.
      return await this.worker.call<T>(method, { key: this.args.key, ...args });
    } catch (err) {
      if (!(err instanceof WorkerCallError)) throw err;
      // The worker restarted without telling this model: load it again before the next call.
      if (err.type === 'ModelNotLoaded') {
        this.loadedIn = undefined;
        throw err;
      }
      throw fromWorkerError(err);
    }
  }

  /** Kills the worker; until it is gone, calls wait rather than go to the dying process. */
  private kill(): void {
    this.loadedIn = undefined;
    this.killing ??= killAndWait(this.worker).finally(() => (this.killing = undefined));
  }
}

/**
 * Kills the running worker and waits until the supervisor has seen it exit, so that what
 * comes next goes to a new worker rather than to the dying one.
 */
async function killAndWait(worker: WorkerSupervisor): Promise<void> {
  const pid = worker.pid;
  if (pid === undefined) return;
  worker.kill();
  const end = Date.now() + 10_000;
  while (worker.pid === pid && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

/** Waits for `work`, or `ms` at most. */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
