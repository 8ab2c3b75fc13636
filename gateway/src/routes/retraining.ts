import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { readExecutedNotebook } from '../runtimes/notebook/notebook-runtime.js';
import { NotFoundError, UnsupportedMediaTypeError } from '../errors.js';
import { QUALITY_METRIC_NAMES } from '../protocol/monitoring.js';
import { PROMOTION_POLICIES, type RetrainingPolicy } from '../protocol/retraining.js';
import type { RetrainService } from '../retraining/retrain-service.js';
import { readUploadForm, type UploadSink } from './publish-form.js';
import {
  ErrorSchema,
  errorResponses,
  json,
  NameParam,
  security,
  storable,
  Time,
} from './schemas.js';
import { validationHook } from './validation-hook.js';

export interface RetrainingRoutesDeps {
  retraining: RetrainService;
  sink: UploadSink;
  maxUploadBytes: number;
  runsDir: string;
}

const Loose = z.object({}).passthrough();

const RetrainRunSchema = z
  .object({
    id: z.string(),
    deployment: z.string(),
    trigger: z.enum(['button', 'api', 'alert', 'schedule']),
    status: z.enum(['running', 'succeeded', 'failed', 'cancelled', 'skipped']),
    candidateVersion: z.number().int().nullable(),
    decision: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .passthrough()
  .openapi('RetrainRun');

const CanaryPolicySchema = z
  .object({
    percent: z.number().int().min(1).max(99),
    minCalls: z.number().int().min(1).max(1_000_000_000),
    minLabels: z.number().int().min(0).max(1_000_000_000),
    maxErrorRateIncrease: z.number().min(0).max(1),
    maxLatencyRatio: z.number().min(1).max(1000),
    maxQualityDrop: z.number().min(0).max(1e9),
  })
  .partial()
  .strict();

const PolicyInput = z
  .object({
    promotion: z.enum(PROMOTION_POLICIES),
    metric: z.enum(QUALITY_METRIC_NAMES).nullable(),
    margin: z.number().min(0).max(1e9),
    windowHours: z
      .number()
      .positive()
      .max(24 * 366 * 10),
    holdoutFraction: z.number().min(0).max(0.9),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600),
    allowSignatureChange: z.boolean(),
    canary: CanaryPolicySchema,
    schedule: z
      .object({
        cron: z.string().min(1).max(200),
        timeZone: z.string().min(1).max(100).default('UTC'),
      })
      .strict()
      .nullable(),
    parameters: z.record(z.string(), z.unknown()),
  })
  .partial()
  .strict()
  .openapi('RetrainingPolicyInput', {
    example: {
      promotion: 'canary',
      margin: 0.01,
      schedule: { cron: '0 3 * * 1', timeZone: 'Europe/Oslo' },
    },
  });

const RetrainBody = z
  .object({
    windowHours: z
      .number()
      .positive()
      .max(24 * 366 * 10)
      .optional(),
    from: Time.optional(),
    to: Time.optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .openapi('RetrainRequest');

const TrainerForm = z
  .object({
    file: z.any().openapi({
      type: 'string',
      format: 'binary',
      minLength: 1,
      description: 'The training notebook (.ipynb).',
    }),
    training_file: z.any().optional().openapi({
      type: 'string',
      format: 'binary',
      description: 'The original training file (CSV or Parquet), optional.',
    }),
  })
  .required({ file: true })
  .openapi('TrainerForm');

const RunParams = NameParam.extend({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

const getTrainer = createRoute({
  method: 'get',
  path: '/{name}/trainer',
  summary: "The deployment's training notebook",
  security,
  request: { params: NameParam },
  responses: { 200: json(Loose, 'The trainer'), ...errorResponses(400, 401, 404, 503) },
});

const putTrainer = createRoute({
  method: 'put',
  path: '/{name}/trainer',
  summary: 'Set the training notebook (and optionally the original training file)',
  description:
    'multipart/form-data: `file` (the .ipynb; its parameters cell must define `training_data_path` and `output_model_path`), optional `training_file` (CSV or Parquet, passed as `original_training_data_path`). Each run also gets `live_model_path` and `target_column`.',
  security,
  request: {
    params: NameParam,
    body: { content: { 'multipart/form-data': { schema: TrainerForm } }, required: true },
  },
  responses: {
    200: json(Loose, 'The trainer'),
    ...errorResponses(400, 401, 404, 409, 413, 415, 503),
  },
});

const deleteTrainer = createRoute({
  method: 'delete',
  path: '/{name}/trainer',
  summary: 'Remove the training notebook',
  security,
  request: { params: NameParam },
  responses: { 204: { description: 'Removed' }, ...errorResponses(400, 401, 404, 503) },
});

const getPolicy = createRoute({
  method: 'get',
  path: '/{name}/retraining',
  summary: 'The retraining policy: promotion, gate, canary, schedule',
  security,
  request: { params: NameParam },
  responses: { 200: json(Loose, 'The policy'), ...errorResponses(400, 401, 404, 503) },
});

const putPolicy = createRoute({
  method: 'put',
  path: '/{name}/retraining',
  summary: 'Set the retraining policy (the fields given, over the defaults)',
  security,
  request: {
    params: NameParam,
    body: { content: { 'application/json': { schema: PolicyInput } }, required: true },
  },
  responses: {
    200: json(Loose, 'The policy now in force'),
    ...errorResponses(400, 401, 404, 415, 503),
  },
});

const retrain = createRoute({
  method: 'post',
  path: '/{name}/retrain',
  summary: 'Start a retraining run',
  description:
    'Exports the labelled predictions of the window (the most recent `holdoutFraction` held back), runs the training notebook, and makes the model it writes a candidate version, gated against live. 409 with the skipped run when one is under way; 409 `no_trainer` without a training notebook.',
  security,
  request: {
    params: NameParam,
    body: { content: { 'application/json': { schema: RetrainBody } }, required: false },
  },
  responses: {
    202: json(RetrainRunSchema, 'The run, started'),
    409: json(
      z.union([RetrainRunSchema, ErrorSchema]),
      'The skipped run (a run is under way), or the error `no_trainer`',
    ),
    ...errorResponses(400, 401, 404, 415, 503),
  },
});

const listRuns = createRoute({
  method: 'get',
  path: '/{name}/retrain-runs',
  summary: 'Retraining runs, newest first',
  security,
  request: { params: NameParam },
  responses: {
    200: json(z.object({ runs: z.array(RetrainRunSchema) }), 'The runs'),
    ...errorResponses(400, 401, 404, 503),
  },
});

const getRun = createRoute({
  method: 'get',
  path: '/{name}/retrain-runs/{id}',
  summary: 'One retraining run',
  security,
  request: { params: RunParams },
  responses: { 200: json(RetrainRunSchema, 'The run'), ...errorResponses(400, 401, 404, 503) },
});

const cancelRun = createRoute({
  method: 'post',
  path: '/{name}/retrain-runs/{id}/cancel',
  summary: 'Cancel a retraining run under way',
  security,
  request: { params: RunParams },
  responses: {
    200: json(RetrainRunSchema, 'The run, cancelled'),
    ...errorResponses(400, 401, 404, 409, 503),
  },
});

const runNotebook = createRoute({
  method: 'get',
  path: '/{name}/retrain-runs/{id}/notebook',
  summary: 'The executed training notebook of a run',
  security,
  request: { params: RunParams },
  responses: {
    200: {
      description: 'The notebook (ipynb JSON)',
      content: { 'application/x-ipynb+json': { schema: Loose } },
    },
    ...errorResponses(400, 401, 404, 503),
  },
});

/** A body the route requires: without one the validator lets an empty object through. */
function requireJson(type: string | undefined): void {
  if (!/^application\/json\b/i.test(type ?? ''))
    throw new UnsupportedMediaTypeError(
      `expected an application/json body (got ${type?.split(';')[0] || 'no Content-Type'})`,
    );
}

/** `/api/deployments/:name/trainer`, `/retraining`, `/retrain` and `/retrain-runs`. */
export function retrainingRoutes({
  retraining,
  sink,
  maxUploadBytes,
  runsDir,
}: RetrainingRoutesDeps) {
  const app = new OpenAPIHono({ defaultHook: validationHook });

  app.openapi(getTrainer, async (c) =>
    c.json(await retraining.trainer(c.req.valid('param').name), 200),
  );
  // Registered for the docs only: the body streams to disk as it arrives (see publish).
  app.openAPIRegistry.registerPath(putTrainer);
  app.put('/:name/trainer', async (c) => {
    const name = c.req.param('name');
    await retraining.policy(name); // 404 before reading an upload for nothing
    const { files } = await readUploadForm(c.req.raw, {
      sink,
      maxUploadBytes,
      fileFields: ['file', 'training_file'],
      textFields: [],
    });
    return c.json(
      await retraining.putTrainer(name, { file: files.file, trainingFile: files.training_file }),
      200,
    );
  });
  app.openapi(deleteTrainer, async (c) => {
    await retraining.deleteTrainer(c.req.valid('param').name);
    return c.body(null, 204);
  });

  app.openapi(getPolicy, async (c) =>
    c.json(await retraining.policy(c.req.valid('param').name), 200),
  );
  app.openapi(putPolicy, async (c) => {
    requireJson(c.req.header('content-type'));
    return c.json(
      await retraining.setPolicy(
        c.req.valid('param').name,
        c.req.valid('json') as Partial<RetrainingPolicy>,
      ),
      200,
    );
  });

  app.openapi(retrain, async (c) => {
    const { name } = c.req.valid('param');
    const { from, to, ...rest } = c.req.valid('json') ?? {};
    const request = {
      ...rest,
      ...(from && { from: storable(new Date(from)).toISOString() }),
      ...(to && { to: storable(new Date(to)).toISOString() }),
    };
    const trigger = c.req.header('x-slipway-trigger') === 'button' ? 'button' : 'api';
    const { run, started } = await retraining.trigger(name, trigger, null, request);
    return c.json(run, started ? 202 : 409);
  });

  app.openapi(listRuns, async (c) =>
    c.json({ runs: await retraining.runs(c.req.valid('param').name) }, 200),
  );
  app.openapi(getRun, async (c) => {
    const { name, id } = c.req.valid('param');
    return c.json(await retraining.run(name, id), 200);
  });
  app.openapi(cancelRun, async (c) => {
    const { name, id } = c.req.valid('param');
    return c.json(await retraining.cancel(name, id), 200);
  });
  // Registered for the docs only: the answer is the notebook's text as it was written.
  app.openAPIRegistry.registerPath(runNotebook);
  app.get('/:name/retrain-runs/:id/notebook', async (c) => {
    const id = c.req.param('id');
    const run = await retraining.run(c.req.param('name'), id);
    const text = run.notebookUrl ? await readExecutedNotebook(runsDir, id) : undefined;
    if (text === undefined) throw new NotFoundError(`executed notebook of retraining run ${id}`);
    return c.body(text, 200, { 'content-type': 'application/x-ipynb+json' });
  });
  return app;
}
