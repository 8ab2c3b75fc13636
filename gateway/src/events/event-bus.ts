import type { MonitoringEvent } from '../protocol/monitoring.js';

/** A published event with the bus's sequence number: the SSE `id:`. */
export interface BusEvent {
  /** Increases by one per event published on this bus (per gateway process). */
  id: number;
  event: MonitoringEvent;
}

/** Takes one event; a returned promise holds the next event back until it settles. */
export type EventListener = (event: BusEvent) => void | Promise<void>;

/** Stops the deliveries to one subscriber; calling it twice is harmless. */
export type Unsubscribe = () => void;

export interface SubscribeOptions {
  /** Only the events this accepts are queued for the subscriber. */
  filter?: (event: MonitoringEvent) => boolean;
  /** Events waiting for this subscriber before it is dropped (default: the bus's capacity). */
  capacity?: number;
  /** Called once when the subscriber is dropped because its queue overflowed. */
  onOverflow?: () => void;
}

export interface EventBusOptions {
  /** Default queue bound per subscriber. */
  capacity?: number;
  /** Where a listener's exception goes; the listener keeps its subscription. */
  onListenerError?: (err: unknown) => void;
}

class Subscriber {
  private readonly queue: BusEvent[] = [];
  private draining = false;
  closed = false;

  constructor(
    private readonly listener: EventListener,
    private readonly capacity: number,
    private readonly filter: ((event: MonitoringEvent) => boolean) | undefined,
    private readonly onOverflow: (() => void) | undefined,
    private readonly onListenerError: (err: unknown) => void,
    private readonly remove: () => void,
  ) {}

  offer(event: BusEvent): void {
    if (this.closed) return;
    if (this.filter && !this.filter(event.event)) return;
    if (this.queue.length >= this.capacity) {
      this.close();
      this.onOverflow?.();
      return;
    }
    this.queue.push(event);
    if (!this.draining) {
      this.draining = true;
      // Not on the publisher's stack: a listener never runs inside `publish`.
      queueMicrotask(() => void this.drain());
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.remove();
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.queue.length > 0) {
      const next = this.queue.shift()!;
      try {
        await this.listener(next);
      } catch (err) {
        this.onListenerError(err);
      }
    }
    this.draining = false;
  }
}

/**
 * In-process pub/sub of monitoring events. `publish` is synchronous and never waits for a
 * subscriber: each subscriber has a bounded queue drained one event at a time (the next
 * event waits for the listener's promise). A subscriber whose queue is full when an event
 * arrives is **dropped** — unsubscribed and told through `onOverflow` — rather than silently
 * losing events: an SSE client then sees its stream end, reconnects and reloads what it shows,
 * which a client missing an `alert` event in the middle of its stream could not know to do.
 */
export class EventBus {
  private readonly subscribers = new Set<Subscriber>();
  private lastId = 0;
  private readonly capacity: number;
  private readonly onListenerError: (err: unknown) => void;

  constructor({
    capacity = 1024,
    onListenerError = (err) => console.error(err),
  }: EventBusOptions = {}) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`EventBus capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.onListenerError = onListenerError;
  }

  /** Queues the event for every current subscriber and returns its id. */
  publish(event: MonitoringEvent): number {
    const published: BusEvent = { id: ++this.lastId, event };
    for (const subscriber of [...this.subscribers]) subscriber.offer(published);
    return published.id;
  }

  /** Delivers every event published from now on, in order, until unsubscribed or dropped. */
  subscribe(listener: EventListener, options: SubscribeOptions = {}): Unsubscribe {
    const capacity = options.capacity ?? this.capacity;
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`subscriber capacity must be a positive integer, got ${capacity}`);
    const subscriber: Subscriber = new Subscriber(
      listener,
      capacity,
      options.filter,
      options.onOverflow,
      this.onListenerError,
      () => this.subscribers.delete(subscriber),
    );
    this.subscribers.add(subscriber);
    return () => subscriber.close();
  }

  /** Subscribers now attached (for tests and the metrics page). */
  get subscriberCount(): number {
    return this.subscribers.size;
  }
}

/** The deployment an event is about (an alert's own deployment for `alert`). */
export function deploymentOf(event: MonitoringEvent): string {
  return event.type === 'alert' ? event.alert.deployment : event.deployment;
}
