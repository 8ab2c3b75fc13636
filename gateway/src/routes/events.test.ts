import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { toErrorResponse } from '../errors.js';
import { EventBus } from '../events/event-bus.js';
import { adminAuth } from '../middleware/admin-auth.js';
import type { MonitoringEvent } from '../protocol/monitoring.js';
import { eventRoutes, type Every } from './events.js';

const TOKEN = 'sa_test-admin-token';

/** A heartbeat timer ticked by hand. */
function manualTimer() {
  const ticks = new Set<() => void>();
  const every: Every = (tick) => {
    ticks.add(tick);
    return () => ticks.delete(tick);
  };
  return {
    every,
    tick: () => ticks.forEach((t) => t()),
    get running() {
      return ticks.size;
    },
  };
}

/** The events route mounted as app.ts would: behind the admin token, `?token=` allowed. */
function setup(options: { capacity?: number } = {}) {
  const bus = new EventBus();
  const timer = manualTimer();
  const app = new Hono();
  app.use('/api/events', adminAuth({ token: TOKEN, allowQueryToken: true }));
  app.route('/api/events', eventRoutes({ bus, every: timer.every, ...options }));
  app.onError((err, c) => {
    const { status, body } = toErrorResponse(err);
    return c.json(body, status);
  });
  return { bus, timer, app };
}

const auth = { headers: { Authorization: `Bearer ${TOKEN}` } };

/** Reads a text/event-stream body frame by frame (a frame ends with a blank line). */
function frames(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(): Promise<string> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          return frame;
        }
        const { done, value } = await reader.read();
        if (done) return '<end>';
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const calls = (deployment: string, count: number): MonitoringEvent => ({
  type: 'invocations',
  deployment,
  count,
});

describe('GET /api/events', () => {
  it('streams each event with its type, JSON and id', async () => {
    const { bus, app } = setup();
    const res = await app.request('/api/events', auth);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const stream = frames(res.body!);
    expect(await stream.next()).toBe(': connected');
    await settle();

    bus.publish(calls('iris', 3));
    bus.publish({ type: 'deployment', deployment: 'wine', change: 'published' });
    expect(await stream.next()).toBe(
      'event: invocations\ndata: {"type":"invocations","deployment":"iris","count":3}\nid: 1',
    );
    expect(await stream.next()).toBe(
      'event: deployment\ndata: {"type":"deployment","deployment":"wine","change":"published"}\nid: 2',
    );
    await stream.cancel();
  });

  it('keeps only one deployment’s events with ?deployment=', async () => {
    const { bus, app } = setup();
    const res = await app.request('/api/events?deployment=iris', auth);
    const stream = frames(res.body!);
    await stream.next();
    await settle();
    bus.publish(calls('wine', 1));
    bus.publish(calls('iris', 2));
    const frame = await stream.next();
    expect(frame).toContain('"deployment":"iris"');
    expect(frame).toContain('id: 2');
    await stream.cancel();
  });

  it('refuses a deployment filter that is no deployment name', async () => {
    const { app } = setup();
    const res = await app.request('/api/events?deployment=..%2Fx', auth);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: 'invalid_input', field: 'deployment' },
    });
  });

  it('sends a heartbeat comment on each tick', async () => {
    const { app, timer } = setup();
    const res = await app.request('/api/events', auth);
    const stream = frames(res.body!);
    await stream.next();
    await settle();
    timer.tick();
    expect(await stream.next()).toBe(': heartbeat');
    await stream.cancel();
  });

  it('unsubscribes and stops the heartbeat when the client cancels the body', async () => {
    const { bus, app, timer } = setup();
    const res = await app.request('/api/events', auth);
    const stream = frames(res.body!);
    await stream.next();
    await settle();
    expect(bus.subscriberCount).toBe(1);
    expect(timer.running).toBe(1);
    await stream.cancel();
    await settle();
    expect(bus.subscriberCount).toBe(0);
    expect(timer.running).toBe(0);
  });

  it('unsubscribes when the request is aborted', async () => {
    const { bus, app, timer } = setup();
    const controller = new AbortController();
    const res = await app.request('/api/events', { ...auth, signal: controller.signal });
    const stream = frames(res.body!);
    await stream.next();
    await settle();
    expect(bus.subscriberCount).toBe(1);
    controller.abort();
    await settle();
    expect(bus.subscriberCount).toBe(0);
    expect(timer.running).toBe(0);
    expect(await stream.next()).toBe('<end>');
  });

  it('ends the stream of a client that stops reading, once its queue is full', async () => {
    const { bus, app } = setup({ capacity: 2 });
    const res = await app.request('/api/events', auth);
    const stream = frames(res.body!);
    await stream.next();
    await settle();
    // Not reading: the response buffers one event, one waits in the write, two in the queue.
    for (let i = 1; i <= 10; i++) {
      bus.publish(calls('iris', i));
      await settle();
    }
    expect(bus.subscriberCount).toBe(0);
    const read: string[] = [];
    for (let frame = await stream.next(); frame !== '<end>'; frame = await stream.next())
      read.push(frame);
    expect(read.length).toBeLessThan(10);
  });

  it('needs the admin token, in the header or as ?token=', async () => {
    const { app } = setup();
    expect((await app.request('/api/events')).status).toBe(401);
    expect((await app.request('/api/events?token=wrong')).status).toBe(401);
    const res = await app.request(`/api/events?token=${TOKEN}`);
    expect(res.status).toBe(200);
    await res.body!.cancel();
  });

  it('unsubscribes when an HTTP client disconnects from a real server', async () => {
    const { bus, app } = setup();
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address() as AddressInfo;
      const req = request({ host: '127.0.0.1', port, path: '/api/events', ...auth });
      const res = await new Promise<import('node:http').IncomingMessage>((resolve) => {
        req.once('response', resolve);
        req.end();
      });
      const first = await new Promise<string>((resolve) =>
        res.once('data', (chunk: Buffer) => resolve(chunk.toString())),
      );
      expect(first).toBe(': connected\n\n');
      expect(bus.subscriberCount).toBe(1);
      req.destroy();
      await vi.waitFor(() => expect(bus.subscriberCount).toBe(0));
    } finally {
      server.close();
    }
  });
});
