import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { DeploymentName, errorResponses } from './schemas.js';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { DEPLOYMENT_NAME } from '../deployments/deployment-service.js';
import { InvalidInputError } from '../errors.js';
import { type BusEvent, deploymentOf, type EventBus } from '../events/event-bus.js';

/** Starts `tick` every `ms` milliseconds; the returned function stops it. */
export type Every = (tick: () => void, ms: number) => () => void;

const realEvery: Every = (tick, ms) => {
  const timer = setInterval(tick, ms);
  return () => clearInterval(timer);
};

export interface EventRoutesOptions {
  bus: EventBus;
  /** A `: heartbeat` comment this often keeps proxies and idle timeouts from closing the stream. */
  heartbeatMs?: number;
  /** The timer behind the heartbeat; tests pass one they tick by hand. */
  every?: Every;
  /** Events waiting for one client before its stream is ended (it reconnects and reloads). */
  capacity?: number;
}

/**
 * `GET /api/events`: monitoring events as server-sent events, `event: <type>`, `data: <json>`,
 * `id: <sequence>`; `?deployment=<name>` keeps only that deployment's. Auth is the app's
 * (the admin token). Ids count per gateway process; `Last-Event-ID` is not replayed: a client
 * that reconnects reloads what it shows.
 */
export function eventRoutes({
  bus,
  heartbeatMs = 15_000,
  every = realEvery,
  capacity = 256,
}: EventRoutesOptions) {
  const app = new Hono();
  app.get('/', (c) => {
    const deployment = c.req.query('deployment');
    if (deployment !== undefined && !DEPLOYMENT_NAME.test(deployment))
      throw new InvalidInputError(
        'deployment: expected a deployment name (1-63 lowercase letters, digits or -)',
        'deployment',
      );
    const signal = c.req.raw.signal;
    return streamSSE(c, async (stream) => {
      // Writes the client has not read yet: at most one event and one heartbeat.
      let inFlight = 0;
      const send = async (write: () => Promise<unknown>) => {
        inFlight++;
        try {
          await write();
        } finally {
          inFlight--;
        }
      };
      let stopHeartbeat = () => {};
      let unsubscribe = () => {};
      try {
        await new Promise<void>((resolve) => {
          if (signal.aborted) return resolve();
          stream.onAbort(resolve);
          signal.addEventListener('abort', () => resolve(), { once: true });
          // The first bytes tell the client (and any proxy) that the stream is open.
          void send(() => stream.write(': connected\n\n'));
          unsubscribe = bus.subscribe(
            ({ id, event }: BusEvent) =>
              send(() =>
                stream.writeSSE({ event: event.type, data: JSON.stringify(event), id: `${id}` }),
              ),
            {
              filter: deployment === undefined ? undefined : (e) => deploymentOf(e) === deployment,
              capacity,
              // A client this far behind is cut off: abort drops what is queued for it, where
              // a close would wait for it to read.
              onOverflow: () => {
                stream.abort();
                resolve();
              },
            },
          );
          stopHeartbeat = every(() => {
            // A client still reading an event needs no heartbeat, and one that is not reading
            // would only queue them.
            if (inFlight === 0) void send(() => stream.write(': heartbeat\n\n'));
          }, heartbeatMs);
        });
      } finally {
        stopHeartbeat();
        unsubscribe();
      }
    });
  });
  return app;
}

/** `GET /api/events` and `GET /metrics` in the OpenAPI document (plain routes: streams and text). */
export function registerMonitoringStreams(registry: OpenAPIHono['openAPIRegistry']): void {
  const security = [{ bearer: [] }];
  registry.registerPath({
    method: 'get',
    path: '/api/events',
    summary:
      'Live events (alert, invocations, feedback, reference, deployment) as server-sent events; the token may also come as ?token=',
    security,
    request: {
      query: z.object({
        deployment: DeploymentName.optional().openapi({ description: 'Only this deployment.' }),
      }),
    },
    responses: {
      200: {
        description: 'An endless text/event-stream: `event:` the type, `data:` its JSON',
        content: { 'text/event-stream': { schema: z.string() } },
      },
      ...errorResponses(400, 401),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    summary:
      'Prometheus metrics: requests by status, latency histograms, quality and drift gauges, alert states',
    security,
    responses: {
      200: {
        description: 'The Prometheus text format',
        content: { 'text/plain': { schema: z.string() } },
      },
      ...errorResponses(401),
    },
  });
}
