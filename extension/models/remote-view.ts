import { Signal, type ISignal } from '@lumino/signaling';
import { GatewayRequestError, userMessage } from '../client/errors.js';
import type { GatewayClient } from '../client/gateway-client.js';
import { windowRange, type WindowId } from './figures.js';

/**
 * Runs `run` one at a time: a call while one is under way gets one more run after it (however
 * many calls came meanwhile), so a burst of live events costs at most two requests.
 */
export function singleFlight(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again: Promise<void> | null = null;
  const go = (): Promise<void> => {
    if (!running) {
      running = run().finally(() => {
        running = null;
      });
      return running;
    }
    again ??= running.then(() => {
      again = null;
      return go();
    });
    return again;
  };
  return go;
}

/**
 * What one monitoring tab shows, fetched from the gateway: the latest value, or the error of
 * the latest refresh (the previous value stays visible). No DOM, no timers.
 */
export abstract class RemoteView<T> {
  private _value: T | null = null;
  private _error: string | null = null;
  private _errorCode: string | null = null;
  private _refreshedAt: Date | null = null;
  private readonly _changed = new Signal<this, void>(this);

  /** Fetches again; never rejects, the error is kept instead. Calls in a burst are merged. */
  readonly refresh: () => Promise<void> = singleFlight(async () => {
    try {
      this._value = await this.fetch();
      this._error = null;
      this._errorCode = null;
    } catch (err) {
      this._error = userMessage(err);
      this._errorCode = err instanceof GatewayRequestError ? err.code : null;
    }
    this._refreshedAt = new Date();
    this._changed.emit();
  });

  get value(): T | null {
    return this._value;
  }

  /** The readable error of the last refresh, null when it worked. */
  get error(): string | null {
    return this._error;
  }

  /** The gateway's code for the last refresh's error (`no_reference`…), when it gave one. */
  get errorCode(): string | null {
    return this._errorCode;
  }

  /** When the last refresh ended, null before the first. */
  get refreshedAt(): Date | null {
    return this._refreshedAt;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Tells the views that something other than a refresh changed (a selection). */
  protected emitChanged(): void {
    this._changed.emit();
  }

  protected abstract fetch(): Promise<T>;
}

/** A view of one deployment over a window ending now; changing the window fetches again. */
export abstract class WindowedView<T> extends RemoteView<T> {
  private _window: WindowId = '24h';

  constructor(
    readonly name: string,
    protected readonly client: GatewayClient,
    private readonly now: () => Date = () => new Date(),
  ) {
    super();
  }

  get window(): WindowId {
    return this._window;
  }

  setWindow(id: WindowId): Promise<void> {
    this._window = id;
    return this.refresh();
  }

  /** The window's ends, as of now. */
  protected range(): { from: Date; to: Date } {
    return windowRange(this._window, this.now());
  }
}
