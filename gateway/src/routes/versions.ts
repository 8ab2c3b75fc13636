import { MAX_VERSION } from '../db/deployment-repository.js';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { VersionService } from '../deployments/version-service.js';
import { QUALITY_METRIC_NAMES } from '../protocol/monitoring.js';
import { RETRAIN_TRIGGERS } from '../protocol/retraining.js';
import { validationHook } from './validation-hook.js';
import { DeploymentName, errorResponses, json, security, VersionNumber } from './schemas.js';

export interface VersionRoutesDeps {
  versions: VersionService;
}

const NameParam = z.object({
  name: DeploymentName.openapi({ param: { name: 'name', in: 'path' } }),
});

const VersionParam = NameParam.extend({
  version: z.coerce
    .number()
    .pipe(VersionNumber)
    .openapi({
      param: { name: 'version', in: 'path' },
      type: 'integer',
      minimum: 1,
      maximum: MAX_VERSION,
      example: 3,
    }),
});

const Metric = z.enum(QUALITY_METRIC_NAMES);

const CanaryPolicySchema = z
  .object({
    percent: z.number().int().openapi({ description: 'Share of the calls the canary answers.' }),
    minCalls: z.number().int(),
    minLabels: z.number().int(),
    maxErrorRateIncrease: z.number(),
    maxLatencyRatio: z.number(),
    maxQualityDrop: z.number(),
  })
  .openapi('CanaryPolicy');

const CanarySideSchema = z
  .object({
    version: z.number().int(),
    calls: z.number().int(),
    errorRate: z.number(),
    p95Ms: z.number().nullable(),
    labels: z.number().int(),
    quality: z.number().nullable(),
  })
  .openapi('CanarySide');

const CanarySchema = z
  .object({
    version: z.number().int(),
    liveVersion: z.number().int(),
    percent: z.number().int(),
    startedAt: z.string(),
    policy: CanaryPolicySchema,
    metric: Metric,
    status: z.enum(['running', 'promoted', 'rolled_back']),
    analysis: z
      .object({
        at: z.string(),
        live: CanarySideSchema,
        canary: CanarySideSchema,
        verdict: z.enum(['wait', 'promote', 'roll_back']),
        reasons: z.array(z.string()),
      })
      .nullable()
      .openapi({ description: 'The last analysis: both sides since the start, and the verdict.' }),
  })
  .openapi('Canary');

const GateSchema = z
  .object({
    metric: Metric,
    lowerIsBetter: z.boolean(),
    liveVersion: z.number().int(),
    live: z.number().nullable(),
    candidate: z.number().nullable(),
    improvement: z.number().nullable(),
    margin: z.number(),
    n: z.number().int(),
    passed: z.boolean(),
    reason: z.string().nullable(),
    evaluatedAt: z.string(),
  })
  .openapi('GateResult');

const TimelineSchema = z
  .object({
    name: z.string(),
    versions: z.array(
      z.object({
        version: z.number().int(),
        format: z.string(),
        state: z.enum(['live', 'canary', 'shadow', 'candidate', 'previous', 'retired']),
        trafficPercent: z.number().int().nullable(),
        origin: z.union([
          z.object({ kind: z.literal('upload'), filename: z.string().nullable() }),
          z.object({
            kind: z.literal('retraining'),
            runId: z.string(),
            trigger: z.enum(RETRAIN_TRIGGERS),
          }),
        ]),
        gate: GateSchema.nullable(),
        createdAt: z.string(),
        events: z.array(
          z.object({
            version: z.number().int(),
            kind: z.string().openapi({ example: 'canary_promoted' }),
            at: z.string(),
            detail: z.record(z.string(), z.unknown()),
          }),
        ),
      }),
    ),
    canary: CanarySchema.nullable(),
  })
  .openapi('VersionTimeline');

const CanaryBodySchema = z
  .strictObject({
    percent: z.number().int().min(1).max(99).optional().openapi({ example: 10 }),
    minCalls: z.number().int().min(1).max(1_000_000_000).optional().openapi({ example: 100 }),
    minLabels: z.number().int().min(0).max(1_000_000_000).optional(),
    maxErrorRateIncrease: z.number().min(0).max(1).optional(),
    maxLatencyRatio: z.number().min(1).optional(),
    maxQualityDrop: z.number().min(0).optional(),
    metric: Metric.optional().openapi({
      description:
        'The quality figure compared; default accuracy (classifiers), rmse (regressors).',
    }),
  })
  .openapi('CanaryStart', {
    description:
      "Overrides of the deployment's canary policy (`GET …/retraining`; by default 10%, 100 calls, no labels, +1% errors, ×1.5 p95, no quality drop).",
  });

const getTimeline = createRoute({
  method: 'get',
  path: '/{name}/versions',
  summary: 'Every version, newest first: its state, share of the calls, origin and history',
  security,
  request: { params: NameParam },
  responses: { 200: json(TimelineSchema, 'The versions'), ...errorResponses(400, 401, 404, 503) },
});

const promote = createRoute({
  method: 'post',
  path: '/{name}/versions/{version}/promote',
  summary: 'Make a version live (a candidate, a canary, or an earlier version)',
  description:
    'The split and the shadow are cleared; a running canary ends. A retired or already live version is a 409.',
  security,
  request: { params: VersionParam },
  responses: {
    200: json(TimelineSchema, 'The versions, this one live'),
    ...errorResponses(400, 401, 404, 409, 503),
  },
});

const retire = createRoute({
  method: 'post',
  path: '/{name}/versions/{version}/retire',
  summary: 'Retire a version: out of the split and the shadow, unloaded, never promoted',
  security,
  request: { params: VersionParam },
  responses: {
    200: json(TimelineSchema, 'The versions, this one retired'),
    ...errorResponses(400, 401, 404, 409, 503),
  },
});

const startCanary = createRoute({
  method: 'post',
  path: '/{name}/versions/{version}/canary',
  summary: 'Try a version on a share of the calls, promoted or rolled back on its figures',
  description:
    'Sets the split to live 100−p / canary p. Each analysis (`POST …/canary/analyze`, or the gateway every `SLIPWAY_CANARY_INTERVAL_SECONDS`) compares both since the start: it waits for `minCalls` calls (and `minLabels` labels on both sides when above 0), then rolls back when the canary errs more, is slower, or is worse on `metric` than allowed, and promotes it otherwise.',
  security,
  request: {
    params: VersionParam,
    body: { content: { 'application/json': { schema: CanaryBodySchema } }, required: false },
  },
  responses: {
    201: json(CanarySchema, 'The canary, running'),
    ...errorResponses(400, 401, 404, 409, 415, 503),
  },
});

const getCanary = createRoute({
  method: 'get',
  path: '/{name}/canary',
  summary: 'The running canary, or how the last one ended',
  security,
  request: { params: NameParam },
  responses: { 200: json(CanarySchema, 'The canary'), ...errorResponses(400, 401, 404, 503) },
});

const analyze = createRoute({
  method: 'post',
  path: '/{name}/canary/analyze',
  summary: 'Analyse the canary now and act on the verdict',
  security,
  request: { params: NameParam },
  responses: {
    200: json(CanarySchema, 'The canary with its analysis'),
    ...errorResponses(400, 401, 404, 503),
  },
});

const stopCanary = createRoute({
  method: 'delete',
  path: '/{name}/canary',
  summary: 'Stop the canary: live answers every call again',
  security,
  request: { params: NameParam },
  responses: {
    200: json(CanarySchema, 'The canary, rolled back'),
    ...errorResponses(400, 401, 404, 409, 503),
  },
});

/** `/api/deployments/:name/versions` and `/canary`: the version lifecycle and canaries. */
export function versionRoutes({ versions }: VersionRoutesDeps) {
  const app = new OpenAPIHono({ defaultHook: validationHook });

  app.openapi(getTimeline, async (c) =>
    c.json(await versions.timeline(c.req.valid('param').name), 200),
  );
  app.openapi(promote, async (c) => {
    const { name, version } = c.req.valid('param');
    return c.json(await versions.promote(name, version, 'manual'), 200);
  });
  app.openapi(retire, async (c) => {
    const { name, version } = c.req.valid('param');
    return c.json(await versions.retire(name, version), 200);
  });
  app.openapi(startCanary, async (c) => {
    const { name, version } = c.req.valid('param');
    const { metric, ...policy } = c.req.valid('json') ?? {};
    return c.json(await versions.startCanary(name, version, policy, metric), 201);
  });
  app.openapi(getCanary, async (c) =>
    c.json(await versions.canary(c.req.valid('param').name), 200),
  );
  app.openapi(analyze, async (c) =>
    c.json(await versions.analyzeCanary(c.req.valid('param').name), 200),
  );
  app.openapi(stopCanary, async (c) =>
    c.json(await versions.stopCanary(c.req.valid('param').name), 200),
  );
  return app;
}
