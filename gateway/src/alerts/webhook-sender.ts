import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { checkCallbackUrl } from '../data-plane/callback-url.js';
import { InvalidInputError } from '../errors.js';

/** The header carrying `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const SIGNATURE_HEADER = 'X-Slipway-Signature';
export const EVENT_HEADER = 'X-Slipway-Event';
/** The same id on every attempt of one delivery: receivers drop repeats by it. */
export const DELIVERY_HEADER = 'X-Slipway-Delivery';

/** `sha256=<hex>` of the body with the secret. */
export function signBody(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * For a receiver: whether `X-Slipway-Signature` is the HMAC-SHA256 of the raw body (the bytes
 * as received, before any JSON parsing) with the shared secret. Constant-time.
 */
export function verifySignature(
  body: string | Uint8Array,
  secret: string,
  header: string | null | undefined,
): boolean {
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!, 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(given, expected);
}

/**
 * Checks a rule's webhook URL against the operator's allowed origins, as notebook callbacks
 * are checked (`SLIPWAY_CALLBACK_ORIGINS`); a refusal is a 400 on `webhook.url`.
 */
export function checkWebhookUrl(url: string, allowedOrigins: readonly string[]): void {
  try {
    checkCallbackUrl(url, allowedOrigins);
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    const reason = err.message
      .replace(/^X-Callback-Url: /, '')
      .replace('callback origin', 'webhook origin');
    throw new InvalidInputError(`webhook.url: ${reason}`, 'webhook.url');
  }
}

/** Why a delivery was given up. */
export type GiveUpReason =
  /** The URL is not (or no longer) allowed; nothing was sent. */
  | 'refused'
  /** The receiver answered a status that retrying cannot change (4xx but 408 and 429, 3xx). */
  | 'rejected'
  /** Every attempt failed. */
  | 'exhausted'
  /** Too many deliveries were waiting; this one was not queued. */
  | 'queue_full'
  /** The sender was closed before the delivery succeeded. */
  | 'closed';

export interface WebhookFailure {
  id: string;
  url: string;
  event: string;
  reason: GiveUpReason;
  attempts: number;
  /** The last answer's status, when there was one. */
  status?: number;
  /** The last error's message (network, timeout, refusal). */
  error?: string;
}

/** Waits `ms`, or less: it resolves as soon as `signal` aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export interface WebhookSenderOptions {
  /** The key of every signature. */
  secret: string;
  /** Origins a webhook may go to; `*` for any (as `SLIPWAY_CALLBACK_ORIGINS`). */
  allowedOrigins: readonly string[];
  /** Attempts per delivery, the first included. */
  maxAttempts?: number;
  /** The wait before the second attempt, doubled for each later one (before jitter). */
  baseDelayMs?: number;
  /** The longest wait between attempts, also for a receiver's `Retry-After`. */
  maxDelayMs?: number;
  /** Deadline of one attempt, answer headers included. */
  attemptTimeoutMs?: number;
  /** Deliveries waiting or in progress before new ones are given up (`queue_full`). */
  maxQueued?: number;
  /** Deliveries in progress at once. */
  concurrency?: number;
  /** A delivery that will not arrive: log it, mark the alert. */
  onGiveUp?: (failure: WebhookFailure) => void;
  /** A delivery the receiver took (2xx). */
  onDelivered?: (delivery: { id: string; url: string; event: string; attempts: number }) => void;
  userAgent?: string;
  fetch?: typeof globalThis.fetch;
  sleep?: Sleep;
  /** In [0, 1): the jitter. */
  random?: () => number;
  newId?: () => string;
}

interface Delivery {
  id: string;
  url: string;
  event: string;
  body: string;
  secret: string;
}

type Attempt =
  | { ok: true; status: number }
  | { ok: false; retry: boolean; status?: number; error?: string; retryAfterMs?: number };

/**
 * Sends signed webhook POSTs in the background. `send` only queues and returns the delivery
 * id; workers post with a deadline per attempt and retry network errors, timeouts, 408, 429
 * and 5xx with exponential backoff and full jitter (honouring `Retry-After` up to
 * `maxDelayMs`). Redirects are not followed: an allowed origin could point anywhere.
 */
export class WebhookSender {
  private readonly queue: Delivery[] = [];
  private active = 0;
  private readonly stopping = new AbortController();
  private idleWaiters: (() => void)[] = [];
  private readonly o: Required<Omit<WebhookSenderOptions, 'onGiveUp' | 'onDelivered'>> &
    Pick<WebhookSenderOptions, 'onGiveUp' | 'onDelivered'>;

  constructor({
    maxAttempts = 5,
    baseDelayMs = 1_000,
    maxDelayMs = 60_000,
    attemptTimeoutMs = 10_000,
    maxQueued = 1_000,
    concurrency = 4,
    userAgent = 'Slipway-Webhook',
    fetch = globalThis.fetch,
    sleep = realSleep,
    random = Math.random,
    newId = randomUUID,
    ...rest
  }: WebhookSenderOptions) {
    if (!rest.secret) throw new RangeError('a webhook secret is needed to sign deliveries');
    if (!(maxAttempts >= 1) || !(concurrency >= 1) || !(maxQueued >= 1))
      throw new RangeError('maxAttempts, concurrency and maxQueued must be at least 1');
    this.o = {
      maxAttempts,
      baseDelayMs,
      maxDelayMs,
      attemptTimeoutMs,
      maxQueued,
      concurrency,
      userAgent,
      fetch,
      sleep,
      random,
      newId,
      ...rest,
    };
  }

  /**
   * Queues a POST of `payload` as JSON to `url`, with `X-Slipway-Event: <event>`, and returns
   * the delivery id at once. Never throws: a refused URL, a full queue or a closed sender
   * reach `onGiveUp`.
   */
  send(url: string, event: string, payload: unknown, options: { secret?: string } = {}): string {
    const delivery: Delivery = {
      id: this.o.newId(),
      url,
      event,
      body: JSON.stringify(payload),
      secret: options.secret ?? this.o.secret,
    };
    if (this.stopping.signal.aborted) this.giveUp(delivery, { reason: 'closed', attempts: 0 });
    else if (this.queue.length + this.active >= this.o.maxQueued)
      this.giveUp(delivery, { reason: 'queue_full', attempts: 0 });
    else {
      this.queue.push(delivery);
      this.pump();
    }
    return delivery.id;
  }

  /** Resolves once nothing is waiting or in progress. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops: waits cut short, attempts in progress aborted, what is queued given up (`closed`).
   * Resolves once every worker has stopped.
   */
  async close(): Promise<void> {
    this.stopping.abort();
    for (const d of this.queue.splice(0)) this.giveUp(d, { reason: 'closed', attempts: 0 });
    await this.idle();
  }

  private pump(): void {
    while (this.active < this.o.concurrency && this.queue.length > 0) {
      const delivery = this.queue.shift()!;
      this.active++;
      void this.deliver(delivery).finally(() => {
        this.active--;
        this.pump();
        if (this.active === 0 && this.queue.length === 0)
          for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async deliver(d: Delivery): Promise<void> {
    try {
      checkWebhookUrl(d.url, this.o.allowedOrigins);
    } catch (err) {
      return this.giveUp(d, { reason: 'refused', attempts: 0, error: (err as Error).message });
    }
    const stop = this.stopping.signal;
    let last: Attempt = { ok: false, retry: true };
    for (let attempt = 1; attempt <= this.o.maxAttempts; attempt++) {
      if (stop.aborted)
        return this.giveUp(d, { reason: 'closed', attempts: attempt - 1, ...details(last) });
      last = await this.attempt(d);
      if (last.ok) {
        const { onDelivered } = this.o;
        if (onDelivered)
          report(() => onDelivered({ id: d.id, url: d.url, event: d.event, attempts: attempt }));
        return;
      }
      if (!last.retry)
        return this.giveUp(d, { reason: 'rejected', attempts: attempt, ...details(last) });
      if (attempt < this.o.maxAttempts)
        await this.o.sleep(this.delayBefore(attempt + 1, last), stop);
    }
    this.giveUp(d, {
      reason: stop.aborted ? 'closed' : 'exhausted',
      attempts: this.o.maxAttempts,
      ...details(last),
    });
  }

  /** Full jitter on an exponential ceiling; a receiver's `Retry-After` wins, up to the cap. */
  private delayBefore(attempt: number, last: Attempt): number {
    if (!last.ok && last.retryAfterMs !== undefined)
      return Math.min(last.retryAfterMs, this.o.maxDelayMs);
    const ceiling = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (attempt - 2));
    return Math.floor(this.o.random() * ceiling);
  }

  private async attempt(d: Delivery): Promise<Attempt> {
    const signal = AbortSignal.any([
      AbortSignal.timeout(this.o.attemptTimeoutMs),
      this.stopping.signal,
    ]);
    let res: Response;
    try {
      res = await this.o.fetch(d.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': this.o.userAgent,
          [SIGNATURE_HEADER]: signBody(d.body, d.secret),
          [EVENT_HEADER]: d.event,
          [DELIVERY_HEADER]: d.id,
        },
        body: d.body,
        redirect: 'manual',
        signal,
      });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      return {
        ok: false,
        retry: true,
        error: timedOut
          ? `no answer within ${this.o.attemptTimeoutMs} ms`
          : messageOf((err as { cause?: unknown }).cause ?? err),
      };
    }
    // The answer's body is not read: free the connection.
    await res.body?.cancel().catch(() => {});
    const status = res.status;
    if (status >= 200 && status < 300) return { ok: true, status };
    const retry = status === 408 || status === 429 || status >= 500;
    return { ok: false, retry, status, retryAfterMs: retry ? retryAfterMs(res) : undefined };
  }

  private giveUp(
    d: Delivery,
    failure: Pick<WebhookFailure, 'reason' | 'attempts' | 'status' | 'error'>,
  ): void {
    const { onGiveUp } = this.o;
    if (onGiveUp) report(() => onGiveUp({ id: d.id, url: d.url, event: d.event, ...failure }));
  }
}

/** Runs a caller's callback; its failure must not stop the workers. */
function report(callback: () => void): void {
  try {
    callback();
  } catch (err) {
    console.error(err);
  }
}

function details(a: Attempt): Pick<WebhookFailure, 'status' | 'error'> {
  if (a.ok) return { status: a.status };
  return {
    ...(a.status !== undefined && { status: a.status }),
    ...(a.error !== undefined && { error: a.error }),
  };
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** `Retry-After` in seconds (the HTTP-date form is not worth a clock here). */
function retryAfterMs(res: Response): number | undefined {
  const header = res.headers.get('retry-after');
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header) * 1000;
}
