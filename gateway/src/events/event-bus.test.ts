import { describe, expect, it } from 'vitest';
import type { MonitoringEvent } from '../protocol/monitoring.js';
import { type BusEvent, deploymentOf, EventBus } from './event-bus.js';

const calls = (deployment: string, count = 1): MonitoringEvent => ({
  type: 'invocations',
  deployment,
  count,
});

/** Lets queued microtasks (the bus's deliveries) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('EventBus', () => {
  it('delivers each event to every subscriber, in order, with increasing ids', async () => {
    const bus = new EventBus();
    const a: BusEvent[] = [];
    const b: BusEvent[] = [];
    bus.subscribe((e) => void a.push(e));
    bus.subscribe((e) => void b.push(e));
    const ids = [bus.publish(calls('iris', 1)), bus.publish(calls('iris', 2))];
    await settle();
    expect(ids).toEqual([1, 2]);
    expect(a.map((e) => e.id)).toEqual([1, 2]);
    expect(b.map((e) => (e.event as { count: number }).count)).toEqual([1, 2]);
  });

  it('never calls a listener inside publish', () => {
    const bus = new EventBus();
    let called = false;
    bus.subscribe(() => {
      called = true;
    });
    bus.publish(calls('iris'));
    expect(called).toBe(false);
  });

  it('stops delivering after unsubscribe, also for events already queued', async () => {
    const bus = new EventBus();
    const seen: number[] = [];
    const unsubscribe = bus.subscribe((e) => void seen.push(e.id));
    bus.publish(calls('iris'));
    unsubscribe();
    unsubscribe();
    bus.publish(calls('iris'));
    await settle();
    expect(seen).toEqual([]);
    expect(bus.subscriberCount).toBe(0);
  });

  it('queues only what the filter accepts', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe((e) => void seen.push(deploymentOf(e.event)), {
      filter: (e) => deploymentOf(e) === 'iris',
    });
    bus.publish(calls('wine'));
    bus.publish(calls('iris'));
    await settle();
    expect(seen).toEqual(['iris']);
  });

  it('waits for a listener’s promise before its next event', async () => {
    const bus = new EventBus();
    const seen: number[] = [];
    let release!: () => void;
    bus.subscribe((e) => {
      seen.push(e.id);
      return e.id === 1 ? new Promise<void>((resolve) => (release = resolve)) : undefined;
    });
    bus.publish(calls('iris'));
    bus.publish(calls('iris'));
    await settle();
    expect(seen).toEqual([1]);
    release();
    await settle();
    expect(seen).toEqual([1, 2]);
  });

  it('drops a subscriber whose queue overflows, without holding back publishers or others', async () => {
    const bus = new EventBus({ capacity: 3 });
    let overflowed = 0;
    const slow: number[] = [];
    bus.subscribe(
      (e) => {
        slow.push(e.id);
        return new Promise<void>(() => {}); // never done
      },
      { onOverflow: () => overflowed++ },
    );
    const fast: number[] = [];
    // A burst within one tick queues for everyone: this one has room for it.
    bus.subscribe((e) => void fast.push(e.id), { capacity: 100 });

    // The slow listener takes event 1 and holds it; 2, 3, 4 fill its queue; 5 overflows it.
    bus.publish(calls('iris'));
    await settle();
    for (let i = 0; i < 10; i++) bus.publish(calls('iris'));
    await settle();
    expect(slow).toEqual([1]);
    expect(overflowed).toBe(1);
    expect(fast).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(bus.subscriberCount).toBe(1);
  });

  it('reports a throwing listener and keeps delivering to it', async () => {
    const errors: unknown[] = [];
    const bus = new EventBus({ onListenerError: (err) => errors.push(err) });
    const seen: number[] = [];
    bus.subscribe((e) => {
      seen.push(e.id);
      if (e.id === 1) throw new Error('boom');
    });
    bus.publish(calls('iris'));
    bus.publish(calls('iris'));
    await settle();
    expect(seen).toEqual([1, 2]);
    expect(errors).toHaveLength(1);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new EventBus({ capacity: 0 })).toThrow(RangeError);
    expect(() => new EventBus().subscribe(() => {}, { capacity: 1.5 })).toThrow(RangeError);
  });

  it('names the deployment of every event type', () => {
    expect(
      deploymentOf({
        type: 'alert',
        alert: {
          id: 'a',
          ruleId: 'r',
          ruleName: 'acc',
          deployment: 'iris',
          state: 'firing',
          value: 0.5,
          message: 'm',
          firedAt: '2026-01-01T00:00:00.000Z',
          resolvedAt: null,
        },
      }),
    ).toBe('iris');
    expect(deploymentOf({ type: 'deployment', deployment: 'wine', change: 'deleted' })).toBe(
      'wine',
    );
  });
});
