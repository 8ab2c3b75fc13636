import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { StreamService } from '../streams/stream-service.js';
import { NewStreamSchema } from '../streams/stream-spec.js';
import { errorResponses, json, NameParam, security } from './schemas.js';
import { validationHook } from './validation-hook.js';

export interface StreamRoutesDeps {
  streams: StreamService;
}

const StreamSchema = z
  .object({
    id: z.string(),
    deployment: z.string(),
    brokers: z.array(z.string()),
    inputTopic: z.string(),
    outputTopic: z.string(),
    deadLetterTopic: z.string().nullable(),
    group: z.string(),
    format: z.enum(['json']),
    state: z.enum(['running', 'paused', 'connecting', 'retrying', 'failed']).openapi({
      description: "This gateway's consumer of the stream.",
    }),
    stateReason: z.string().nullable().openapi({
      description:
        'Why (a broker not reachable, the input topic missing, the deployment busy), and how to fix it.',
    }),
    consumed: z.number().int(),
    produced: z.number().int(),
    deadLettered: z.number().int(),
    messagesPerSecond: z.number().nullable(),
    lag: z.number().int().nullable().openapi({
      description: 'Messages of the input topic the consumer group has not committed yet.',
    }),
    createdAt: z.string(),
  })
  .openapi('Stream');

const IdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const createStream = createRoute({
  method: 'post',
  path: '/deployments/{name}/streams',
  summary: 'Bind a Kafka topic to a deployment: each message is scored, its prediction produced',
  description:
    "Every gateway consumes the input topic in the binding's consumer group. Each message value is one JSON record; the output message keeps its key and carries `{prediction, predictionId, version}`. Messages that are not JSON or that the deployment's signature refuses go to the dead-letter topic unchanged, the error in `slipway-error-*` headers. Offsets are committed once the outputs are acknowledged (at-least-once). A notebook deployment is refused (400 `not_a_model`).",
  security,
  request: {
    params: NameParam,
    body: { content: { 'application/json': { schema: NewStreamSchema } }, required: true },
  },
  responses: {
    201: json(StreamSchema, 'The binding; its consumer starts at once'),
    ...errorResponses(400, 401, 404, 409, 415, 503),
  },
});

const listStreams = createRoute({
  method: 'get',
  path: '/deployments/{name}/streams',
  summary: "A deployment's stream bindings",
  security,
  request: { params: NameParam },
  responses: {
    200: json(z.object({ streams: z.array(StreamSchema) }), 'Oldest first'),
    ...errorResponses(400, 401, 404, 503),
  },
});

const getStream = createRoute({
  method: 'get',
  path: '/streams/{id}',
  summary: 'A stream binding, its state, counts, throughput and lag',
  security,
  request: { params: IdParam },
  responses: { 200: json(StreamSchema, 'The binding'), ...errorResponses(400, 401, 404, 503) },
});

const pauseStream = createRoute({
  method: 'post',
  path: '/streams/{id}/pause',
  summary: "Pause a stream: every gateway's consumer stops fetching once its batch is out",
  security,
  request: { params: IdParam },
  responses: { 200: json(StreamSchema, 'The binding'), ...errorResponses(400, 401, 404, 503) },
});

const resumeStream = createRoute({
  method: 'post',
  path: '/streams/{id}/resume',
  summary: 'Resume a paused stream',
  security,
  request: { params: IdParam },
  responses: { 200: json(StreamSchema, 'The binding'), ...errorResponses(400, 401, 404, 503) },
});

const deleteStream = createRoute({
  method: 'delete',
  path: '/streams/{id}',
  summary: 'Delete a stream binding; its consumers stop (the topics stay)',
  security,
  request: { params: IdParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 404, 503) },
});

/** `/api/deployments/:name/streams` and `/api/streams/:id`: Kafka stream bindings. Mounted at `/api`. */
export function streamRoutes({ streams }: StreamRoutesDeps) {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.openapi(createStream, async (c) =>
    c.json(await streams.create(c.req.valid('param').name, c.req.valid('json')), 201),
  );
  app.openapi(listStreams, async (c) => c.json(await streams.list(c.req.valid('param').name), 200));
  app.openapi(getStream, async (c) => c.json(await streams.get(c.req.valid('param').id), 200));
  app.openapi(pauseStream, async (c) =>
    c.json(await streams.setPaused(c.req.valid('param').id, true), 200),
  );
  app.openapi(resumeStream, async (c) =>
    c.json(await streams.setPaused(c.req.valid('param').id, false), 200),
  );
  app.openapi(deleteStream, async (c) => {
    await streams.delete(c.req.valid('param').id);
    return c.body(null, 204);
  });
  return app;
}
