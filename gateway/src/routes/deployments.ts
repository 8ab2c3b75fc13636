import type { PublishForm } from '../deployments/deployment-service.js';
import type { Context } from 'hono';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { MAX_VERSION } from '../db/deployment-repository.js';
import type { InvocationRepository } from '../db/invocation-repository.js';
import type { RunRepository } from '../db/run-repository.js';
import type { DeploymentService } from '../deployments/deployment-service.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { InvocationLog } from '../monitoring/invocation-log.js';
import { notebookTracebacks, type InvocationDetail } from '../protocol/invocation-detail.js';
import { readExecutedNotebook } from '../runtimes/notebook/notebook-runtime.js';
import { readPublishForm } from './publish-form.js';
import { validationHook } from './validation-hook.js';
import {
  json,
  security,
  storable,
  Time,
  DeploymentDetailSchema,
  DeploymentSchema,
  errorResponses,
  InvocationSchema,
  MetricsSchema,
  NameParam,
  PublishCheckSchema,
  PublishFormSchema,
  ReplicasSchema,
  VersionNumber,
} from './schemas.js';

export interface DeploymentRoutesDeps {
  deployments: DeploymentService;
  invocations: InvocationRepository;
  log: InvocationLog;
  maxUploadBytes: number;
  /** Notebook runs, for a call's run and traceback; absent: a call's detail has no run. */
  runs?: { runs: RunRepository; runsDir: string };
  /** Who may publish to a name, and the owner of a new deployment. */
  access: PublishAccess;
}

/** The identity side of a publish (identity/identity-service.ts). */
export interface PublishAccess {
  /** Throws unless the caller may publish to `name` (a new version: manage it). */
  publish(c: Context, name: string, exists: boolean): Promise<void>;
  /** The caller published `name`: a new deployment is theirs. */
  published(c: Context, name: string): Promise<void>;
  /** Keeps a publish aside for an admin's approval and answers the request; else undefined. */
  hold(c: Context, form: PublishForm): Promise<unknown>;
}

const publish = createRoute({
  method: 'post',
  path: '/',
  summary: 'Publish a model file or notebook (same name again = next version, made live)',
  security,
  request: {
    body: { content: { 'multipart/form-data': { schema: PublishFormSchema } }, required: true },
  },
  responses: {
    200: json(PublishCheckSchema, 'dryRun=true: what publishing the file would make'),
    201: json(DeploymentSchema, 'Created a deployment (invokeKey shown once) or a new version'),
    // 503: the database is away, or the format needs a program this gateway lacks (a JDK).
    // 409: a new version would break the live version's callers (allowSignatureChange).
    ...errorResponses(400, 401, 409, 413, 415, 422, 503),
  },
});

const list = createRoute({
  method: 'get',
  path: '/',
  summary: 'List deployments',
  security,
  responses: {
    200: json(z.object({ deployments: z.array(DeploymentSchema) }), 'Every deployment'),
    ...errorResponses(401, 503),
  },
});

const get = createRoute({
  method: 'get',
  path: '/{name}',
  summary: 'One deployment with its versions',
  security,
  request: { params: NameParam },
  responses: {
    200: json(DeploymentDetailSchema, 'The deployment'),
    ...errorResponses(400, 401, 404, 503),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/{name}',
  summary: 'Delete a deployment, its versions, keys and log',
  security,
  request: { params: NameParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 404, 503) },
});

const reconfigure = createRoute({
  method: 'patch',
  path: '/{name}',
  summary: 'Change settings after publish: a new version of the same file, made live',
  security,
  request: {
    params: NameParam,
    body: {
      content: {
        'application/json': {
          schema: z.object({
            config: z.record(z.string(), z.unknown()).openapi({
              description:
                'Settings over the live version’s config (timeoutSeconds, memoryMb, maxConcurrency, …); null removes one.',
            }),
            allowSignatureChange: z.boolean().optional(),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: json(DeploymentDetailSchema, 'The deployment, at its new version'),
    ...errorResponses(400, 401, 404, 409, 415, 422, 503),
  },
});

const replicas = createRoute({
  method: 'get',
  path: '/{name}/replicas',
  summary: 'The replicas of each version in memory: state, calls, pool and devices',
  security,
  request: { params: NameParam },
  responses: {
    200: json(ReplicasSchema, 'The replicas and the lifecycle settings they follow'),
    ...errorResponses(400, 401, 404, 503),
  },
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
        'application/json': { schema: z.object({ version: VersionNumber }) },
      },
      required: true,
    },
  },
  responses: {
    200: json(DeploymentDetailSchema, 'The deployment, now at that version'),
    ...errorResponses(400, 401, 404, 415, 503),
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
      before: Time.optional().openapi({ description: 'Page back: calls before this time.' }),
    }),
  },
  responses: {
    200: json(z.object({ invocations: z.array(InvocationSchema) }), 'Recent calls'),
    ...errorResponses(400, 401, 404, 503),
  },
});

const InvocationDetailSchema = InvocationSchema.extend({
  format: z
    .enum(['onnx', 'pmml', 'pickle', 'mojo', 'notebook'])
    .nullable()
    .openapi({ description: 'The format of the version that answered; null when it is gone.' }),
  run: z
    .object({
      id: z.string(),
      status: z.enum(['running', 'succeeded', 'failed']),
      statusPath: z.string().openapi({ description: 'The run, with the admin token.' }),
      notebookPath: z.string().nullable().openapi({
        description: 'The executed notebook, with the admin token; null until it is written.',
      }),
      tracebacks: z.array(
        z.object({
          cell: z.number().int(),
          executionCount: z.number().int().nullable(),
          ename: z.string(),
          evalue: z.string(),
          traceback: z.string().openapi({ description: 'Plain text, colours removed.' }),
        }),
      ),
    })
    .nullable()
    .openapi({ description: 'For a call to a notebook: its run; null for models.' }),
}).openapi('InvocationDetail');

const invocationRoute = createRoute({
  method: 'get',
  path: '/{name}/invocations/{id}',
  summary: 'One call: input, output, status, error, latency, version; for notebooks its run',
  security,
  request: {
    params: NameParam.extend({
      id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, description: 'The call id.' }),
    }),
  },
  responses: {
    200: json(InvocationDetailSchema, 'The call'),
    ...errorResponses(400, 401, 404, 503),
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
      from: Time.optional().openapi({ description: 'Default: an hour before `to`.' }),
      to: Time.optional().openapi({ description: 'Default: now.' }),
      version: z.coerce.number().int().min(1).max(MAX_VERSION).optional(),
    }),
  },
  responses: {
    200: json(MetricsSchema, 'Aggregates'),
    ...errorResponses(400, 401, 404, 503),
  },
});

/** `/api/deployments`: the management API. */
export function deploymentRoutes({
  deployments,
  invocations,
  log,
  maxUploadBytes,
  runs,
  access,
}: DeploymentRoutesDeps) {
  const app = new OpenAPIHono({ defaultHook: validationHook });

  // Documented, but a plain handler: the route validator would parse the whole form into
  // memory, and the file must go to disk as it arrives.
  app.openAPIRegistry.registerPath(publish);
  app.post('/', async (c) => {
    const input = await readPublishForm(c.req.raw, { sink: deployments, maxUploadBytes });
    const opts = { authorize: (name: string, exists: boolean) => access.publish(c, name, exists) };
    if (input.dryRun === 'true') return c.json(await deployments.check(input, opts), 200);
    // An artifact that runs code may have to wait for an admin (SLIPWAY_REQUIRE_APPROVAL).
    let held;
    try {
      held = await access.hold(c, input);
    } catch (err) {
      if (input.file) await deployments.discard(input.file);
      throw err;
    }
    if (held) return c.json({ approval: held }, 202);
    const { deployment } = await deployments.publish(input, opts);
    await access.published(c, deployment.name);
    return c.json(deployment, 201);
  });

  app.openapi(list, async (c) => c.json({ deployments: await deployments.list() }, 200));

  app.openapi(get, async (c) => c.json(await deployments.get(c.req.valid('param').name), 200));

  app.openapi(remove, async (c) => {
    await deployments.delete(c.req.valid('param').name);
    return c.body(null, 204);
  });

  app.openapi(reconfigure, async (c) => {
    const { name } = c.req.valid('param');
    const { config, allowSignatureChange } = c.req.valid('json');
    return c.json(await deployments.reconfigure(name, config, allowSignatureChange), 200);
  });

  app.openapi(replicas, async (c) =>
    c.json(await deployments.replicas(c.req.valid('param').name), 200),
  );

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
          before: before ? storable(new Date(before)) : undefined,
        }),
      },
      200,
    );
  });

  app.openapi(invocationRoute, async (c) => {
    const { name, id } = c.req.valid('param');
    const deployment = await deployments.get(name);
    await log.flush();
    const call = await invocations.get(name, id);
    if (!call) throw new NotFoundError(`call ${id} of deployment ${name}`);
    const format = deployment.versions.find((v) => v.version === call.version)?.format ?? null;
    const detail: InvocationDetail = { ...call, format, run: null };
    // Notebook calls run under the call's id; a model's call has no run.
    const row = runs ? await runs.runs.get(name, id) : undefined;
    if (row && runs) {
      const base = `/api/deployments/${name}/runs/${id}`;
      const text = await readExecutedNotebook(runs.runsDir, id);
      let notebook: unknown = null;
      try {
        notebook = text === undefined ? null : JSON.parse(text);
      } catch {
        // A notebook the run left half-written: no traceback to show, the run's error stays.
      }
      detail.run = {
        id,
        status: row.status,
        statusPath: base,
        notebookPath: text === undefined ? null : `${base}/notebook`,
        tracebacks: notebookTracebacks(notebook),
      };
    }
    return c.json(detail, 200);
  });

  app.openapi(metrics, async (c) => {
    const { name } = c.req.valid('param');
    const q = c.req.valid('query');
    await deployments.require(name);
    await log.flush();
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 3600_000);
    if (from >= to) throw new InvalidInputError('from: expected a time before `to`', 'from');
    const window = await invocations.metrics(name, storable(from), storable(to), q.version);
    // The window as asked for, also where the query had to start later.
    return c.json({ ...window, from: from.toISOString(), to: to.toISOString() }, 200);
  });

  return app;
}
