import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { TrafficService } from '../deployments/traffic-service.js';
import { validationHook } from './validation-hook.js';
import { errorResponses, json, NameParam, security, VersionNumber } from './schemas.js';

export interface TrafficRoutesDeps {
  traffic: TrafficService;
}

const TrafficSchema = z
  .object({
    name: z.string(),
    liveVersion: z.number().int(),
    split: z
      .record(z.string(), z.number().int())
      .nullable()
      .openapi({
        description: 'Version → whole percent; null: the live version answers every call.',
        example: { '2': 90, '3': 10 },
      }),
    sticky: z.string().nullable().openapi({
      description: 'Request header whose value keeps a caller on one version (lower case).',
      example: 'x-user-id',
    }),
  })
  .openapi('TrafficSplit');

const TrafficBodySchema = z
  .object({
    sticky: z.string().nullable().optional().openapi({
      description:
        'A request header: calls with the same value go to the same version (a stable hash into 100 buckets); calls without it are drawn at random.',
      example: 'x-user-id',
    }),
  })
  .catchall(z.number().int().min(0).max(100))
  .openapi({
    description:
      'Version → whole percent of the calls that name no version; the percents sum to exactly 100 and every version must exist.',
    example: { '2': 90, '3': 10, sticky: 'x-user-id' },
  });

const ShadowSchema = z
  .object({
    name: z.string(),
    liveVersion: z.number().int(),
    version: z.number().int().nullable().openapi({ description: 'null: no shadow.' }),
    sent: z.number().int().openapi({ description: 'Copies sent since the gateway started.' }),
    dropped: z.number().int().openapi({
      description: 'Copies dropped because as many shadow calls as allowed were under way.',
    }),
    inFlight: z.number().int(),
  })
  .openapi('Shadow');

const getTraffic = createRoute({
  method: 'get',
  path: '/{name}/traffic',
  summary: 'How calls that name no version are shared between versions',
  security,
  request: { params: NameParam },
  responses: { 200: json(TrafficSchema, 'The split'), ...errorResponses(400, 401, 404, 503) },
});

const putTraffic = createRoute({
  method: 'put',
  path: '/{name}/traffic',
  summary: 'Share calls between versions by percent, optionally sticky by a request header',
  description:
    'Calls that name no version (`/fn/:name`, `/v2/models/:name/infer`) go to a version by the split; the answer header `X-Slipway-Version` says which. A publish or rollback that changes the live version clears the split.',
  security,
  request: {
    params: NameParam,
    body: { content: { 'application/json': { schema: TrafficBodySchema } }, required: true },
  },
  responses: {
    200: json(TrafficSchema, 'The split, now in force'),
    ...errorResponses(400, 401, 404, 415, 503),
  },
});

const deleteTraffic = createRoute({
  method: 'delete',
  path: '/{name}/traffic',
  summary: 'Send every call to the live version again',
  security,
  request: { params: NameParam },
  responses: { 200: json(TrafficSchema, 'No split'), ...errorResponses(400, 401, 404, 503) },
});

const getShadow = createRoute({
  method: 'get',
  path: '/{name}/shadow',
  summary: 'The shadow version, with what it did since the gateway started',
  security,
  request: { params: NameParam },
  responses: { 200: json(ShadowSchema, 'The shadow'), ...errorResponses(400, 401, 404, 503) },
});

const putShadow = createRoute({
  method: 'put',
  path: '/{name}/shadow',
  summary: 'Send copies of the live calls to another version, never returning its answers',
  description:
    'After a model call succeeds, its records go to the shadow in the background; the shadow\'s outcome is logged as its own invocation (`protocol: "shadow"`), and a slow or failing shadow never delays or fails the live answer. Notebooks are not shadowed. A publish or rollback that changes the live version stops the shadow.',
  security,
  request: {
    params: NameParam,
    body: {
      content: { 'application/json': { schema: z.object({ version: VersionNumber }) } },
      required: true,
    },
  },
  responses: {
    200: json(ShadowSchema, 'The shadow, now receiving copies'),
    ...errorResponses(400, 401, 404, 415, 503),
  },
});

const deleteShadow = createRoute({
  method: 'delete',
  path: '/{name}/shadow',
  summary: 'Stop sending copies to the shadow version',
  security,
  request: { params: NameParam },
  responses: { 200: json(ShadowSchema, 'No shadow'), ...errorResponses(400, 401, 404, 503) },
});

/** `/api/deployments/:name/traffic` and `/shadow`: traffic splits and shadow versions. */
export function trafficRoutes({ traffic }: TrafficRoutesDeps) {
  const app = new OpenAPIHono({ defaultHook: validationHook });

  app.openapi(getTraffic, async (c) =>
    c.json(await traffic.traffic(c.req.valid('param').name), 200),
  );
  app.openapi(putTraffic, async (c) =>
    c.json(await traffic.setTraffic(c.req.valid('param').name, c.req.valid('json')), 200),
  );
  app.openapi(deleteTraffic, async (c) =>
    c.json(await traffic.clearTraffic(c.req.valid('param').name), 200),
  );
  app.openapi(getShadow, async (c) => c.json(await traffic.shadow(c.req.valid('param').name), 200));
  app.openapi(putShadow, async (c) =>
    c.json(await traffic.setShadow(c.req.valid('param').name, c.req.valid('json').version), 200),
  );
  app.openapi(deleteShadow, async (c) =>
    c.json(await traffic.clearShadow(c.req.valid('param').name), 200),
  );
  return app;
}
