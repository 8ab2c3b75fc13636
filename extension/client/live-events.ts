import { Signal, type ISignal } from '@lumino/signaling';
import type { MonitoringEvent } from '../../gateway/src/protocol/monitoring.js';
import { userMessage } from './errors.js';
import { SseParser } from './sse.js';

/** Where the stream is: being opened, delivering, or down until the next attempt. */
export type LiveState = 'connecting' | 'open' | 'down' | 'stopped';

/** Waits `ms` before the next attempt; resolves early once `signal` aborts. */
export type Wait = (ms: number, signal: AbortSignal) => Promise<void>;

/** How long to wait between attempts: doubling from `initialMs` up to `maxMs`. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export interface LiveEventsOptions {
  /** Opens the stream (`GatewayClient.events`); rejects with the error to show. */
  connect: (signal: AbortSignal) => Promise<ReadableStream<Uint8Array>>;
  /** The pause before a reconnect; tests pass one they resolve by hand. */
  wait?: Wait;
  backoff?: Backoff;
}

const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000 };

/** The delay before attempt `attempt` (0: the first retry); the server's `retry:` is the base. */
export function backoffDelay(attempt: number, backoff: Backoff, serverRetryMs?: number | null) {
  const base = serverRetryMs ?? backoff.initialMs;
  return Math.min(backoff.maxMs, base * 2 ** Math.min(attempt, 30));
}

const timerWait: Wait = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** A monitoring event from one SSE message; null for data that is not one. */
export function monitoringEventOf(event: string, data: string): MonitoringEvent | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object') return null;
  // The event name is the type; the data may or may not repeat it.
  const type = (parsed as { type?: unknown }).type ?? event;
  if (typeof type !== 'string') return null;
  return { ...parsed, type } as MonitoringEvent;
}

/**
 * The gateway's event stream, kept open: reconnects with backoff after any failure and says
 * whether it is up, so that panels poll only while it is not. Nothing starts until `start()`.
 */
export class LiveEvents {
  private readonly controller = new AbortController();
  private readonly wait: Wait;
  private readonly backoff: Backoff;
  private _state: LiveState = 'stopped';
  private _error: string | null = null;
  private running: Promise<void> | null = null;
  private delivered = false;
  private readonly _received = new Signal<this, MonitoringEvent>(this);
  private readonly _stateChanged = new Signal<this, LiveState>(this);

  constructor(private readonly opts: LiveEventsOptions) {
    this.wait = opts.wait ?? timerWait;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
  }

  get state(): LiveState {
    return this._state;
  }

  /** Why the stream is down, when it is. */
  get error(): string | null {
    return this._error;
  }

  get received(): ISignal<this, MonitoringEvent> {
    return this._received;
  }

  get stateChanged(): ISignal<this, LiveState> {
    return this._stateChanged;
  }

  get isDisposed(): boolean {
    return this.controller.signal.aborted;
  }

  /** Opens the stream and keeps it open; resolves once disposed. Calling it again is a no-op. */
  start(): Promise<void> {
    this.running ??= this.run();
    return this.running;
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.controller.abort();
    this.setState('stopped');
    Signal.clearData(this);
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    let attempt = 0;
    let retry: number | null = null;
    while (!signal.aborted) {
      this.setState('connecting');
      const parser = new SseParser();
      this.delivered = false;
      try {
        const body = await this.opts.connect(signal);
        this._error = null;
        this.setState('open');
        await this.read(body, parser, signal);
      } catch (err) {
        if (signal.aborted) break;
        this._error = userMessage(err);
      }
      if (signal.aborted) break;
      retry = parser.retry ?? retry;
      // A connection that delivered was healthy: the next failure starts the backoff afresh.
      if (this.delivered) attempt = 0;
      this.setState('down');
      await this.wait(backoffDelay(attempt++, this.backoff, retry), signal);
    }
  }

  /** Reads until the stream ends. */
  private async read(
    body: ReadableStream<Uint8Array>,
    parser: SseParser,
    signal: AbortSignal,
  ): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const cancel = () => void reader.cancel().catch(() => undefined);
    signal.addEventListener('abort', cancel);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || signal.aborted) break;
        this.delivered = true;
        for (const m of parser.feed(decoder.decode(value, { stream: true }))) {
          const event = monitoringEventOf(m.event, m.data);
          if (event) this._received.emit(event);
        }
      }
    } finally {
      signal.removeEventListener('abort', cancel);
      reader.releaseLock();
    }
  }

  private setState(state: LiveState): void {
    if (this._state === state) return;
    this._state = state;
    this._stateChanged.emit(state);
  }
}
