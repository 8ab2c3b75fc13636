import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { InvocationRepository } from '../db/invocation-repository.js';
import type { DeploymentService, PublishForm } from '../deployments/deployment-service.js';
import { InvalidInputError, TooLargeError } from '../errors.js';
import type { InvocationLog } from '../monitoring/invocation-log.js';
import { validationHook } from './validation-hook.js';
import {
  DeploymentDetailSchema,
  DeploymentSchema,
  errorResponses,
  InvocationSchema,
  MetricsSchema,
  NameParam,
  PublishFormSchema,
} from './schemas.js';

export interface DeploymentRoutesDeps {
  deployments: DeploymentService;
  invocations: InvocationRepository;
  log: InvocationLog;
  maxUploadBytes: number;
}

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const security = [{ bearer: [] }];

const publish = createRoute({
  method: 'post',
  path: '/',
  summary: 'Publish a model file or notebook (same name again = next version, made live)',
  security,
  request: {
    body: { content: { 'multipart/form-data': { schema: PublishFormSchema } }, required: true },
  },
  responses: {
    201: json(DeploymentSchema, 'Created a deployment (invokeKey shown once) or a new version'),
    ...errorResponses(400, 401, 413, 415, 422),
  },
});

const list = createRoute({
  method: 'get',
  path: '/',
  summary: 'List deployments',
  security,
  responses: {
    200: json(z.object({ deployments: z.array(DeploymentSchema) }), 'Every deployment'),
    ...errorResponses(401),
  },
});

const get = createRoute({
  method: 'get',
  path: '/{name}',
  summary: 'One deployment with its versions',
  security,
  request: { params: NameParam },
  responses: { 200: json(DeploymentDetailSchema, 'The deployment'), ...errorResponses(401, 404) },
});

const remove = createRoute({
  method: 'delete',
  path: '/{name}',
  summary: 'Delete a deployment, its versions, keys and log',
  security,
  request: { params: NameParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 404) },
});

const rollback = createRoute({
  method: 'post',
  path: '/{name}/rollback',
  summary: 'Make an earlier version live',
  security,
  request: {
    params: NameParam,
    body: {
      content: {
        'application/json': { schema: z.object({ version: z.number().int().positive() }) },
      },
      required: true,
    },
  },
  responses: {
    200: json(DeploymentDetailSchema, 'The deployment, now at that version'),
    ...errorResponses(400, 401, 404),
  },
});

const invocationsRoute = createRoute({
  method: 'get',
  path: '/{name}/invocations',
  summary: 'Recent calls, newest first',
  security,
  request: {
    params: NameParam,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(1000).default(50),
      before: z.iso
        .datetime({ offset: true })
        .optional()
        .openapi({ description: 'Page back: calls before this time.' }),
    }),
  },
  responses: {
    200: json(z.object({ invocations: z.array(InvocationSchema) }), 'Recent calls'),
    ...errorResponses(400, 401, 404),
  },
});

const metrics = createRoute({
  method: 'get',
  path: '/{name}/metrics',
  summary: 'Count, errors, latency percentiles and a per-minute series',
  security,
  request: {
    params: NameParam,
    query: z.object({
      from: z.iso
        .datetime({ offset: true })
        .optional()
        .openapi({ description: 'Default: an hour before `to`.' }),
      to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Default: now.' }),
      version: z.coerce.number().int().positive().optional(),
    }),
  },
  responses: { 200: json(MetricsSchema, 'Aggregates'), ...errorResponses(400, 401, 404) },
});

/** `/api/deployments`: the management API. */
export function deploymentRoutes({
  deployments,
  invocations,
  log,
  maxUploadBytes,
}: DeploymentRoutesDeps) {
  const app = new OpenAPIHono({ defaultHook: validationHook });

  app.use(
    '/',
    bodyLimit({
      maxSize: maxUploadBytes,
      onError: () => {
        throw new TooLargeError(
          `upload is over the limit of ${maxUploadBytes} bytes (SLIPWAY_MAX_UPLOAD_BYTES)`,
        );
      },
    }),
  );

  app.openapi(publish, async (c) => {
    const form = await c.req.parseBody().catch(() => {
      throw new InvalidInputError('expected a multipart/form-data body with a file field', 'file');
    });
    const file = form['file'];
    const text = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : undefined);
    const input: PublishForm = {
      file:
        file instanceof File
          ? { bytes: new Uint8Array(await file.arrayBuffer()), filename: file.name || undefined }
          : undefined,
      name: text('name'),
      format: text('format'),
      pool: text('pool'),
      config: text('config'),
      public: text('public'),
    };
    const { deployment } = await deployments.publish(input);
    return c.json(deployment, 201);
  });

  app.openapi(list, async (c) => c.json({ deployments: await deployments.list() }, 200));

  app.openapi(get, async (c) => c.json(await deployments.get(c.req.valid('param').name), 200));

  app.openapi(remove, async (c) => {
    await deployments.delete(c.req.valid('param').name);
    return c.body(null, 204);
  });

  app.openapi(rollback, async (c) => {
    const { name } = c.req.valid('param');
    return c.json(await deployments.rollback(name, c.req.valid('json').version), 200);
  });

  app.openapi(invocationsRoute, async (c) => {
    const { name } = c.req.valid('param');
    const { limit, before } = c.req.valid('query');
    await deployments.require(name);
    await log.flush();
    return c.json(
      {
        invocations: await invocations.recent(name, {
          limit,
          before: before ? new Date(before) : undefined,
        }),
      },
      200,
    );
  });

  app.openapi(metrics, async (c) => {
    const { name } = c.req.valid('param');
    const q = c.req.valid('query');
    await deployments.require(name);
    await log.flush();
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 3600_000);
    if (from >= to) throw new InvalidInputError('from: expected a time before `to`', 'from');
    return c.json(await invocations.metrics(name, from, to, q.version), 200);
  });

  return app;
}
