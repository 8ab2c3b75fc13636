import { describe, expect, it } from 'vitest';
import type { MonitoringEvent } from '../../gateway/src/protocol/monitoring.js';
import { backoffDelay, LiveEvents, monitoringEventOf, type LiveState } from './live-events.js';

/** A stream the test writes to and ends by hand. */
function fakeStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const encoder = new TextEncoder();
  return {
    stream,
    write: (text: string) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
    fail: () => controller.error(new TypeError('network error')),
  };
}

/** Resolves once `predicate` holds, checked after each turn of the event loop's microtasks. */
async function settle(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !predicate(); i++) await new Promise((r) => setImmediate(r));
  expect(predicate()).toBe(true);
}

/**
 * A LiveEvents whose connections and waits the test controls: each connect takes the next
 * answer from `answers`; each wait is recorded and resolved by `resume()`.
 */
function harness(answers: (() => Promise<ReadableStream<Uint8Array>>)[]) {
  const waits: { ms: number; resume: () => void }[] = [];
  const events: MonitoringEvent[] = [];
  const states: LiveState[] = [];
  let connects = 0;
  const live = new LiveEvents({
    connect: () => {
      const answer = answers[connects++];
      return answer ? answer() : new Promise(() => {});
    },
    wait: (ms) => new Promise((resume) => waits.push({ ms, resume: () => resume() })),
    backoff: { initialMs: 1000, maxMs: 8000 },
  });
  live.received.connect((_, e) => events.push(e));
  live.stateChanged.connect((_, s) => states.push(s));
  return { live, waits, events, states, connects: () => connects };
}

describe('the live event stream', () => {
  it('delivers the events of the stream, typed', async () => {
    const s = fakeStream();
    const h = harness([async () => s.stream]);
    void h.live.start();
    await settle(() => h.live.state === 'open');
    s.write(': connected\n\n');
    s.write(
      'event: feedback\ndata: {"type":"feedback","deployment":"iris","accepted":3}\nid: 1\n\n',
    );
    s.write('event: invocations\ndata: {"deployment":"iris","count":2}\n\n');
    s.write('event: alert\ndata: not json\n\n');
    await settle(() => h.events.length === 2);
    expect(h.events).toEqual([
      { type: 'feedback', deployment: 'iris', accepted: 3 },
      { type: 'invocations', deployment: 'iris', count: 2 },
    ]);
    h.live.dispose();
    expect(h.live.state).toBe('stopped');
  });

  it('reconnects with doubling waits after failures, up to the maximum', async () => {
    const refused = () => Promise.reject(new TypeError('fetch failed'));
    const h = harness([refused, refused, refused, refused, refused]);
    void h.live.start();
    for (let n = 1; n <= 5; n++) {
      await settle(() => h.waits.length === n);
      expect(h.live.state).toBe('down');
      h.waits[n - 1]!.resume();
    }
    expect(h.waits.map((w) => w.ms)).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(h.live.error).toContain('fetch failed');
    h.live.dispose();
  });

  it('starts the backoff afresh after a connection that delivered, and after a stream that ended', async () => {
    const first = fakeStream();
    const second = fakeStream();
    const h = harness([
      () => Promise.reject(new TypeError('down')),
      async () => first.stream,
      async () => second.stream,
    ]);
    void h.live.start();
    await settle(() => h.waits.length === 1);
    h.waits[0]!.resume();
    await settle(() => h.live.state === 'open');
    first.write(': connected\n\n');
    first.end();
    await settle(() => h.waits.length === 2);
    expect(h.waits[1]!.ms).toBe(1000);
    h.waits[1]!.resume();
    await settle(() => h.live.state === 'open');
    second.fail();
    await settle(() => h.waits.length === 3);
    // The second connection delivered nothing: the backoff goes on growing.
    expect(h.waits[2]!.ms).toBe(2000);
    expect(h.states).toEqual([
      'connecting',
      'down',
      'connecting',
      'open',
      'down',
      'connecting',
      'open',
      'down',
    ]);
    expect(h.connects()).toBe(3);
    h.live.dispose();
  });

  it('takes the server retry as the base delay', () => {
    expect(backoffDelay(0, { initialMs: 1000, maxMs: 30_000 }, 3000)).toBe(3000);
    expect(backoffDelay(2, { initialMs: 1000, maxMs: 30_000 }, 3000)).toBe(12_000);
    expect(backoffDelay(40, { initialMs: 1000, maxMs: 30_000 })).toBe(30_000);
  });

  it('stops reading and connecting once disposed', async () => {
    const s = fakeStream();
    const h = harness([async () => s.stream]);
    const done = h.live.start();
    await settle(() => h.live.state === 'open');
    h.live.dispose();
    await done;
    expect(h.connects()).toBe(1);
    expect(h.waits).toEqual([]);
  });
});

describe('monitoring events from SSE messages', () => {
  it('takes the type from the event name when the data does not carry it', () => {
    expect(monitoringEventOf('reference', '{"deployment":"iris","rows":5}')).toEqual({
      type: 'reference',
      deployment: 'iris',
      rows: 5,
    });
    expect(monitoringEventOf('message', '[1')).toBeNull();
    expect(monitoringEventOf('message', '3')).toBeNull();
  });
});
