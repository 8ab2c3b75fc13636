import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AlertService } from '../alerts/alert-service.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { MAX_VERSION } from '../db/deployment-repository.js';
import type { MonitoringRepository } from '../db/monitoring-repository.js';
import type { DeploymentService } from '../deployments/deployment-service.js';
import { InvalidInputError, TooLargeError, UnsupportedMediaTypeError } from '../errors.js';
import type { DriftService } from '../monitoring/drift-service.js';
import type { FeedbackService } from '../monitoring/feedback/feedback-service.js';
import type { QualityService } from '../monitoring/quality-service.js';
import type { ReferenceService } from '../monitoring/reference-service.js';
import { detectTableFormat } from '../monitoring/tables/index.js';
import { DRIFT_METHODS, QUALITY_METRIC_NAMES, type DriftSettings } from '../protocol/monitoring.js';
import { errorResponses, json, NameParam, security, storable, Time } from './schemas.js';
import { validationHook } from './validation-hook.js';

export interface MonitoringRoutesDeps {
  deployments: DeploymentService;
  monitoring: MonitoringRepository;
  feedback: FeedbackService;
  quality: QualityService;
  drift: DriftService;
  references: ReferenceService;
  alerts: AlertService;
  store: ArtifactStore;
  maxUploadBytes: number;
}

/** Text the database stores: no NUL, no lone surrogate (Postgres refuses both). */
const Text = z
  .string()
  .refine((t) => !/\0|\p{Cs}/u.test(t), 'must not contain NUL or a lone surrogate')
  // The same rule where the API description says what a string may hold (code points: a
  // surrogate pair is one astral character there, never in this range).
  .openapi({ pattern: '^[^\\u0000\\ud800-\\udfff]*$' });
const Method = z.enum(DRIFT_METHODS);
const Report = z.object({}).passthrough();

const Window = z.object({
  from: Time.optional().openapi({ description: 'Default: a day before `to`.' }),
  to: Time.optional().openapi({ description: 'Default: now.' }),
  version: z.coerce.number().int().min(1).max(MAX_VERSION).optional(),
});

const DriftSettingsSchema = z
  .object({
    referenceFromFirst: z.number().int().min(0).max(1_000_000).optional(),
    driftShare: z.number().gt(0).max(1).optional(),
    method: Method.optional(),
    threshold: z.number().positive().optional(),
    features: z
      .record(
        z.string(),
        z
          .object({ method: Method.optional(), threshold: z.number().positive().optional() })
          .strict(),
      )
      .optional(),
  })
  .strict()
  .openapi('DriftSettings');

const QualityMetric = z.enum(QUALITY_METRIC_NAMES);

const Condition = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('quality'),
    metric: QualityMetric,
    threshold: z.number(),
    minLabels: z.number().int().min(1).default(30),
  }),
  z.object({ kind: z.literal('drift'), feature: Text.min(1).optional() }),
  z.object({ kind: z.literal('error_rate'), above: z.number().min(0).max(1) }),
  z.object({ kind: z.literal('latency_p95'), aboveMs: z.number().positive() }),
  z.object({ kind: z.literal('traffic'), below: z.number().int().min(1) }),
]);

const RuleInput = z
  .object({
    name: Text.min(1).max(200),
    condition: Condition,
    windowMinutes: z.number().int().min(1).max(43_200).default(60),
    version: z.number().int().min(1).max(MAX_VERSION).optional(),
    webhook: z
      .object({
        url: z.url(),
        secret: Text.min(16, 'must be at least 16 characters: the HMAC key').max(1000),
      })
      .optional(),
    enabled: z.boolean().optional(),
    action: z
      .enum(['retrain'])
      .optional()
      .openapi({ description: 'retrain: firing starts a retraining run of the deployment' }),
  })
  .openapi('AlertRuleInput');

const RuleParams = NameParam.extend({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

const upload = (method: 'post' | 'put', path: string, summary: string, answer: string) =>
  createRoute({
    method,
    path,
    summary,
    security,
    request: {
      params: NameParam,
      body: {
        content: {
          'text/csv': { schema: z.string() },
          'application/x-ndjson': { schema: z.string() },
          'application/vnd.apache.parquet': { schema: z.string().openapi({ format: 'binary' }) },
        },
        required: true,
      },
    },
    responses: { 200: json(Report, answer), ...errorResponses(400, 401, 404, 413, 415, 503) },
  });

const feedbackFile = upload(
  'post',
  '/{name}/feedback',
  'Ground truth from a file: `id,actual` columns (CSV, JSONL or Parquet)',
  'Labels accepted and rejected (the first rejected ones listed)',
);
const referencePut = upload(
  'put',
  '/{name}/reference',
  'Set the reference sample: one column per input (CSV, JSONL or Parquet), optionally `prediction`',
  'What the stored reference holds',
);
const referenceGet = createRoute({
  method: 'get',
  path: '/{name}/reference',
  summary: 'What the stored reference holds',
  security,
  request: { params: NameParam },
  responses: { 200: json(Report, 'The reference'), ...errorResponses(400, 401, 404, 503) },
});
const settingsGet = createRoute({
  method: 'get',
  path: '/{name}/monitoring',
  summary: 'Drift settings',
  security,
  request: { params: NameParam },
  responses: {
    200: json(DriftSettingsSchema, 'The settings'),
    ...errorResponses(400, 401, 404, 503),
  },
});
const settingsPut = createRoute({
  method: 'put',
  path: '/{name}/monitoring',
  summary: 'Set drift methods, thresholds and the first-calls reference',
  security,
  request: {
    params: NameParam,
    body: { content: { 'application/json': { schema: DriftSettingsSchema } }, required: true },
  },
  responses: {
    200: json(DriftSettingsSchema, 'The settings'),
    ...errorResponses(400, 401, 404, 415, 503),
  },
});
const quality = createRoute({
  method: 'get',
  path: '/{name}/quality',
  summary: 'Model quality from ground truth, per version and per hour or day',
  security,
  request: {
    params: NameParam,
    query: Window.extend({ bucket: z.enum(['hour', 'day']).default('hour') }),
  },
  responses: { 200: json(Report, 'QualityReport'), ...errorResponses(400, 401, 404, 503) },
});
const drift = createRoute({
  method: 'get',
  path: '/{name}/drift',
  summary: 'Drift of live inputs and predictions against the reference',
  security,
  request: { params: NameParam, query: Window },
  responses: { 200: json(Report, 'DriftReport'), ...errorResponses(400, 401, 404, 409, 503) },
});
const rulesList = createRoute({
  method: 'get',
  path: '/{name}/alert-rules',
  summary: 'Alert rules with their state',
  security,
  request: { params: NameParam },
  responses: {
    200: json(z.object({ rules: z.array(Report) }), 'Rules'),
    ...errorResponses(400, 401, 404, 503),
  },
});
const rulesCreate = createRoute({
  method: 'post',
  path: '/{name}/alert-rules',
  summary: 'Add an alert rule',
  security,
  request: {
    params: NameParam,
    body: { content: { 'application/json': { schema: RuleInput } }, required: true },
  },
  responses: { 201: json(Report, 'The rule'), ...errorResponses(400, 401, 404, 415, 503) },
});
const rulesUpdate = createRoute({
  method: 'put',
  path: '/{name}/alert-rules/{id}',
  summary: 'Change an alert rule (its open alert resolves; it is evaluated afresh)',
  security,
  request: {
    params: RuleParams,
    body: { content: { 'application/json': { schema: RuleInput } }, required: true },
  },
  responses: { 200: json(Report, 'The rule'), ...errorResponses(400, 401, 404, 415, 503) },
});
const rulesDelete = createRoute({
  method: 'delete',
  path: '/{name}/alert-rules/{id}',
  summary: 'Delete an alert rule and its alerts',
  security,
  request: { params: RuleParams },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 404, 503) },
});
const alertsList = createRoute({
  method: 'get',
  path: '/{name}/alerts',
  summary: 'Alerts fired, newest first',
  security,
  request: {
    params: NameParam,
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) }),
  },
  responses: {
    200: json(z.object({ alerts: z.array(Report) }), 'Alerts'),
    ...errorResponses(400, 401, 404, 503),
  },
});

const DAY_MS = 86_400_000;

/** A body the route validator passes as `{}` when it is absent must be JSON all the same. */
function requireJson(c: Context): void {
  const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    throw new UnsupportedMediaTypeError(
      `expected Content-Type: application/json, got ${type ?? 'none'}`,
    );
}

function windowOf(q: { from?: string; to?: string; version?: number }) {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - DAY_MS);
  if (from >= to) throw new InvalidInputError('from: expected a time before `to`', 'from');
  return { from: storable(from), to: storable(to), version: q.version };
}

/** `/api/deployments/:name/…`: ground truth, quality, reference and drift, alert rules and alerts. */
export function monitoringRoutes(deps: MonitoringRoutesDeps) {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  const { deployments } = deps;

  /** The request body, on disk (streamed, bounded), as a table of the format it is. */
  const receiveTable = async <T>(
    c: Context,
    use: (path: string, format: ReturnType<typeof detectTableFormat>) => Promise<T>,
  ): Promise<T> => {
    const body = c.req.raw.body;
    if (!body) throw new InvalidInputError('expected the file as the request body', 'body');
    const declared = Number(c.req.header('content-length'));
    if (declared > deps.maxUploadBytes)
      throw new TooLargeError(
        `upload is ${declared} bytes; the limit is ${deps.maxUploadBytes} (SLIPWAY_MAX_UPLOAD_BYTES)`,
      );
    // Node's web streams are async iterables of chunks.
    const chunks = body as unknown as AsyncIterable<Uint8Array>;
    const file = await deps.store.receive(chunks, { maxBytes: deps.maxUploadBytes });
    try {
      const format = detectTableFormat({
        contentType: c.req.header('content-type'),
        fileName: c.req.query('filename'),
        head: file.head,
      });
      return await use(file.tmpPath, format);
    } finally {
      await deps.store.discard(file);
    }
  };

  app.openAPIRegistry.registerPath(feedbackFile);
  app.post('/:name/feedback', async (c) => {
    const name = c.req.param('name');
    await deployments.require(name);
    return c.json(
      await receiveTable(c, (path, format) =>
        deps.feedback.submitFile(name, path, format, c.req.raw.signal),
      ),
    );
  });

  app.openAPIRegistry.registerPath(referencePut);
  app.put('/:name/reference', async (c) => {
    const name = c.req.param('name');
    await deployments.require(name);
    return c.json(
      await receiveTable(c, (path, format) =>
        deps.references.upload(name, path, format, c.req.raw.signal),
      ),
    );
  });

  app.openapi(referenceGet, async (c) => {
    const { name } = c.req.valid('param');
    await deployments.require(name);
    return c.json(await deps.references.get(name), 200);
  });

  app.openapi(settingsGet, async (c) => {
    const { name } = c.req.valid('param');
    await deployments.require(name);
    return c.json(await deps.monitoring.settings(name), 200);
  });

  app.openapi(settingsPut, async (c) => {
    const { name } = c.req.valid('param');
    requireJson(c);
    await deployments.require(name);
    const settings = c.req.valid('json') as DriftSettings;
    await deps.monitoring.putSettings(name, settings);
    return c.json(settings, 200);
  });

  app.openapi(quality, async (c) => {
    const { name } = c.req.valid('param');
    await deployments.require(name);
    const q = c.req.valid('query');
    return c.json(await deps.quality.report(name, { ...windowOf(q), bucket: q.bucket }), 200);
  });

  app.openapi(drift, async (c) => {
    const { name } = c.req.valid('param');
    await deployments.require(name);
    return c.json(await deps.drift.report(name, windowOf(c.req.valid('query'))), 200);
  });

  app.openapi(rulesList, async (c) => {
    const { name } = c.req.valid('param');
    await deployments.require(name);
    return c.json({ rules: await deps.alerts.list(name) }, 200);
  });

  app.openapi(rulesCreate, async (c) => {
    const { name } = c.req.valid('param');
    await deployments.require(name);
    return c.json(await deps.alerts.create(name, c.req.valid('json')), 201);
  });

  app.openapi(rulesUpdate, async (c) => {
    const { name, id } = c.req.valid('param');
    await deployments.require(name);
    return c.json(await deps.alerts.update(name, id, c.req.valid('json')), 200);
  });

  app.openapi(rulesDelete, async (c) => {
    const { name, id } = c.req.valid('param');
    await deployments.require(name);
    await deps.alerts.delete(name, id);
    return c.body(null, 204);
  });

  app.openapi(alertsList, async (c) => {
    const { name } = c.req.valid('param');
    await deployments.require(name);
    return c.json({ alerts: await deps.alerts.alerts(name, c.req.valid('query').limit) }, 200);
  });

  return app;
}
