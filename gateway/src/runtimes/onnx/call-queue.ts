import { abortReason } from '../../workers/worker-process.js';
import type { RecordValue } from '../../protocol/signature.js';
import type { Prediction } from '../types.js';

/** What a call queue needs from the model it feeds. */
export interface CallQueueHost {
  /** True when a call can be sent now (the model is loaded in the running worker). */
  ready(): boolean;
  /** Makes `ready()` true (loads the model again); rejects when it cannot. */
  prepare(): Promise<void>;
  send(records: RecordValue[]): Promise<Prediction[]>;
  /**
   * The running call is past its time: stop it (kill the worker). The calls sent after it then
   * fail, and come back here for another try.
   */
  expire(): void;
  /** True for a failure that says nothing about the call (the worker died or lost the model). */
  retryable(err: unknown): boolean;
  /** The error a call past its time answers with. */
  deadline(timeoutMs: number): Error;
}

interface Call {
  seq: number;
  records: RecordValue[];
  timeoutMs: number;
  sends: number;
  /** True once the caller has its answer, or has left. */
  done: () => boolean;
  settle: (err: unknown, result?: Prediction[]) => void;
}

/** Calls written to the worker ahead of the running one, so that it never waits for the next. */
const PIPELINE_DEPTH = 16;
/** Sends of one call at most: the first, and one more after a failure that was not its own. */
const MAX_SENDS = 2;

/**
 * The calls to one model, in order. A model thread runs its calls one after another, so the
 * oldest unanswered call is the one running: its time limit starts when it reaches the head
 * (when the previous call is answered), not when it was queued or written — a wait for a
 * free model is not counted. Up to {@link PIPELINE_DEPTH} calls are written ahead.
 *
 * A call past its limit answers at once (`host.deadline`) and the host kills the worker; the
 * calls written after it never started, so they are sent again once the model is back, as is
 * any call cut off by a worker that died under it, once.
 */
export class CallQueue {
  private readonly waiting: Call[] = [];
  private readonly sent: Call[] = [];
  private seq = 0;
  private headTimer: NodeJS.Timeout | undefined;
  private pumping = false;
  /** Callers not answered yet (a caller that left is not waiting any more). */
  private callers = 0;
  private answeredWaiters: (() => void)[] = [];

  constructor(private readonly host: CallQueueHost) {}

  /** Calls in the worker or waiting to go there, whether or not their callers still wait. */
  get size(): number {
    return this.waiting.length + this.sent.length;
  }

  /**
   * Runs one call, within `timeoutMs` once it runs. When `signal` aborts the caller hears at
   * once; a call already sent still holds its place until the model answers or its time is up.
   */
  submit(records: RecordValue[], timeoutMs: number, signal?: AbortSignal): Promise<Prediction[]> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    this.callers++;
    return new Promise((resolve, reject) => {
      let answered = false;
      const answer = (fn: () => void) => {
        if (answered) return;
        answered = true;
        signal?.removeEventListener('abort', onAbort);
        fn();
        if (--this.callers === 0) for (const wake of this.answeredWaiters.splice(0)) wake();
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(call);
        if (i >= 0) this.waiting.splice(i, 1);
        answer(() => reject(abortReason(signal!)));
      };
      const call: Call = {
        seq: this.seq++,
        records,
        timeoutMs,
        sends: 0,
        done: () => answered,
        settle: (err, result) => answer(() => (err === undefined ? resolve(result!) : reject(err))),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(call);
      void this.pump();
    });
  }

  /** Resolves once every caller has its answer (or has left). */
  answered(): Promise<void> {
    if (this.callers === 0) return Promise.resolve();
    return new Promise((resolve) => this.answeredWaiters.push(resolve));
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting.length > 0 && this.sent.length < PIPELINE_DEPTH) {
        if (!this.host.ready()) {
          try {
            await this.host.prepare();
          } catch (err) {
            for (const call of this.waiting.splice(0)) call.settle(err);
            break;
          }
          continue;
        }
        this.send(this.waiting.shift()!);
      }
    } finally {
      this.pumping = false;
    }
  }

  private send(call: Call): void {
    call.sends++;
    this.sent.push(call);
    if (this.sent.length === 1) this.armHead();
    this.host.send(call.records).then(
      (result) => this.onAnswer(call, undefined, result),
      (err: unknown) => this.onAnswer(call, err),
    );
  }

  private onAnswer(call: Call, err: unknown, result?: Prediction[]): void {
    const at = this.sent.indexOf(call);
    // Not there: it ran past its time and was answered already.
    if (at < 0) return;
    this.sent.splice(at, 1);
    if (at === 0) this.armHead();
    if (err !== undefined && !call.done() && call.sends < MAX_SENDS && this.host.retryable(err)) {
      // Back in its place among the waiting calls, to go out again once the model is back.
      let i = 0;
      while (i < this.waiting.length && this.waiting[i]!.seq < call.seq) i++;
      this.waiting.splice(i, 0, call);
    } else call.settle(err, result);
    void this.pump();
  }

  /** Times the call at the head: the one the model is running now. */
  private armHead(): void {
    clearTimeout(this.headTimer);
    const head = this.sent[0];
    if (!head) return;
    this.headTimer = setTimeout(() => {
      if (this.sent[0] !== head) return;
      this.sent.shift();
      head.settle(this.host.deadline(head.timeoutMs));
      this.host.expire();
      this.armHead();
      void this.pump();
    }, head.timeoutMs);
  }
}
