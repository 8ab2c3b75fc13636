import { abortReason } from '../../workers/worker-process.js';
import type { RecordValue } from '../../protocol/signature.js';
import type { Prediction } from '../types.js';
import type { PackedTensors } from './packed-tensors.js';

/** What a call queue needs from the model it feeds. */
export interface CallQueueHost {
  /** True when a call can be sent now (the model is loaded in the running worker). */
  ready(): boolean;
  /** Makes `ready()` true (loads the model again); rejects when it cannot. */
  prepare(): Promise<void>;
  send(records: RecordValue[]): Promise<Prediction[]>;
  /** One run of tensors as bytes (a batch job's chunk). */
  sendTensors(feeds: PackedTensors): Promise<PackedTensors>;
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
  /** A run of tensors instead of records: always sent alone. */
  feeds?: PackedTensors;
  timeoutMs: number;
  sends: number;
  /** Sent on its own from now on: a group it was in failed, and each call hears its own error. */
  alone: boolean;
  /** True once the caller has its answer, or has left. */
  done: () => boolean;
  settle: (err: unknown, result?: unknown) => void;
}

/** Calls written to the worker ahead of the running one, so that it never waits for the next. */
const PIPELINE_DEPTH = 16;
/**
 * With micro-batching, groups written ahead: the one running and the next, while the calls that
 * come meanwhile wait to form the group after.
 */
const BATCHING_DEPTH = 2;

/** Calls sent to the model as one: their records, one run. */
type Group = Call[];

/**
 * Micro-batching (opt-in per deployment): calls waiting while the model runs go to it as one
 * run of all their records, up to `maxRecords`; each caller gets its own records' answers. No
 * call waits to be grouped: a call that finds the model free goes alone, at once.
 */
export interface Batching {
  maxRecords: number;
}
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
 *
 * With {@link Batching}, what is written is a group of the calls that waited together: one run
 * of their records, timed as one call; a group the model refuses is sent again call by call.
 */
export class CallQueue {
  private readonly waiting: Call[] = [];
  private readonly sent: Group[] = [];
  private seq = 0;
  private headTimer: NodeJS.Timeout | undefined;
  private pumping = false;
  /** Callers not answered yet (a caller that left is not waiting any more). */
  private callers = 0;
  private answeredWaiters: (() => void)[] = [];

  constructor(
    private readonly host: CallQueueHost,
    private readonly batching?: Batching,
  ) {}

  /** Calls in the worker or waiting to go there, whether or not their callers still wait. */
  get size(): number {
    return this.waiting.length + this.sent.reduce((n, group) => n + group.length, 0);
  }

  /**
   * Runs one call, within `timeoutMs` once it runs. When `signal` aborts the caller hears at
   * once; a call already sent still holds its place until the model answers or its time is up.
   */
  submit(records: RecordValue[], timeoutMs: number, signal?: AbortSignal): Promise<Prediction[]> {
    return this.enqueue({ records }, timeoutMs, signal);
  }

  /** Runs one call of tensors as bytes, in turn with the others and timed as they are. */
  submitTensors(
    feeds: PackedTensors,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<PackedTensors> {
    return this.enqueue({ records: [], feeds }, timeoutMs, signal);
  }

  private enqueue<T>(
    work: Pick<Call, 'records' | 'feeds'>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    this.callers++;
    return new Promise<T>((resolve, reject) => {
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
        ...work,
        timeoutMs,
        sends: 0,
        alone: work.feeds !== undefined,
        done: () => answered,
        settle: (err, result) =>
          answer(() => (err === undefined ? resolve(result as T) : reject(err))),
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
      const depth = this.batching ? BATCHING_DEPTH : PIPELINE_DEPTH;
      while (this.waiting.length > 0 && this.sent.length < depth) {
        if (!this.host.ready()) {
          try {
            await this.host.prepare();
          } catch (err) {
            for (const call of this.waiting.splice(0)) call.settle(err);
            break;
          }
          continue;
        }
        this.send(this.nextGroup());
      }
    } finally {
      this.pumping = false;
    }
  }

  /** The next call, with those behind it that fit its group when batching. */
  private nextGroup(): Group {
    const group = [this.waiting.shift()!];
    const max = this.batching?.maxRecords ?? 0;
    if (group[0]!.alone) return group;
    let records = group[0]!.records.length;
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (next.alone || records + next.records.length > max) break;
      records += next.records.length;
      group.push(this.waiting.shift()!);
    }
    return group;
  }

  private send(group: Group): void {
    for (const call of group) call.sends++;
    this.sent.push(group);
    if (this.sent.length === 1) this.armHead();
    const feeds = group[0]!.feeds;
    const records = group.length === 1 ? group[0]!.records : group.flatMap((c) => c.records);
    const sent: Promise<unknown> = feeds ? this.host.sendTensors(feeds) : this.host.send(records);
    sent.then(
      (result) => this.onAnswer(group, undefined, result),
      (err: unknown) => this.onAnswer(group, err),
    );
  }

  private onAnswer(group: Group, err: unknown, result?: unknown): void {
    const at = this.sent.indexOf(group);
    // Not there: it ran past its time and was answered already.
    if (at < 0) return;
    this.sent.splice(at, 1);
    if (at === 0) this.armHead();
    if (err === undefined && group.length > 1) {
      let from = 0;
      for (const call of group) {
        call.settle(undefined, (result as Prediction[]).slice(from, from + call.records.length));
        from += call.records.length;
      }
    } else if (err !== undefined && group.length > 1 && !this.host.retryable(err)) {
      // The group's records failed the model together: each call goes again alone, so that a
      // caller hears only its own records' error (that send is not counted against it).
      for (const call of group) {
        call.sends--;
        call.alone = true;
      }
      this.requeue(group.filter((c) => !c.done()));
    } else {
      const again = group.filter(
        (c) => err !== undefined && !c.done() && c.sends < MAX_SENDS && this.host.retryable(err),
      );
      for (const call of group) if (!again.includes(call)) call.settle(err, result);
      this.requeue(again);
    }
    void this.pump();
  }

  /** Calls back in their places among the waiting ones, to go out again once the model is back. */
  private requeue(calls: Call[]): void {
    for (const call of calls) {
      let i = 0;
      while (i < this.waiting.length && this.waiting[i]!.seq < call.seq) i++;
      this.waiting.splice(i, 0, call);
    }
  }

  /** Times the group at the head: the one the model is running now. */
  private armHead(): void {
    clearTimeout(this.headTimer);
    const head = this.sent[0];
    if (!head) return;
    this.headTimer = setTimeout(
      () => {
        if (this.sent[0] !== head) return;
        this.sent.shift();
        for (const call of head) call.settle(this.host.deadline(call.timeoutMs));
        this.host.expire();
        this.armHead();
        void this.pump();
      },
      Math.min(...head.map((c) => c.timeoutMs)),
    );
  }
}
