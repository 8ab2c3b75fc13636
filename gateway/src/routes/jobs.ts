import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { BatchService, JobInput } from '../batch/batch-service.js';
import { jobOptionsSchema, parseJobOptionsText } from '../batch/job-options.js';
import { InvalidInputError, UnsupportedMediaTypeError } from '../errors.js';
import { readUploadForm, type UploadSink } from './publish-form.js';
import { readJsonBody } from './read-json-body.js';
import { errorResponses, json, NameParam, security } from './schemas.js';
import { validationHook } from './validation-hook.js';

export interface JobRoutesDeps {
  batch: BatchService;
  /** Where an uploaded input is received (the artifact store's temporary files). */
  sink: UploadSink;
  maxInputBytes: number;
  /** The largest JSON request. */
  maxBodyBytes: number;
}

const JobSchema = z
  .object({
    id: z.string(),
    deployment: z.string(),
    version: z.number().int(),
    state: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
    input: z.object({
      kind: z.enum(['upload', 'path', 'url']),
      name: z.string(),
      format: z.enum(['csv', 'jsonl', 'parquet']),
    }),
    output: z.object({ format: z.enum(['csv', 'jsonl']), url: z.string(), errorsUrl: z.string() }),
    rows: z.object({ done: z.number(), total: z.number().nullable(), errors: z.number() }),
    progress: z.number().nullable(),
    rowsPerSecond: z.number().nullable(),
    etaSeconds: z.number().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    scheduleId: z.string().nullable(),
  })
  .openapi('BatchJob');

const JobInputBody = jobOptionsSchema
  .extend({
    input: z.union([
      z.object({ path: z.string().min(1).max(4096) }).strict(),
      z.object({ url: z.string().min(1).max(8192) }).strict(),
    ]),
  })
  .openapi('BatchJobRequest');

const ScheduleBody = z
  .object({
    schedule: z.object({ cron: z.string().min(1).max(200), timeZone: z.string().min(1).max(100) }),
    input: z.object({ pattern: z.string().min(1).max(4096) }).strict(),
    outputDir: z.string().min(1).max(4096),
    options: jobOptionsSchema.optional(),
  })
  .strict()
  .openapi('BatchScheduleRequest');

const ScheduleSchema = z
  .object({
    id: z.string(),
    deployment: z.string(),
    schedule: z.object({ cron: z.string(), timeZone: z.string() }),
    input: z.object({ pattern: z.string() }),
    outputDir: z.string(),
    options: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    lastFiredAt: z.string().nullable(),
    nextAt: z.string().nullable(),
  })
  .openapi('BatchSchedule');

const IdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const createJob = createRoute({
  method: 'post',
  path: '/deployments/{name}/jobs',
  summary: 'Score a file: a batch job on the live version',
  description:
    'Either a multipart form (part `file`: a CSV, JSONL or Parquet file; part `options`: the job options as JSON), or JSON naming the input by `input.path` (under SLIPWAY_BATCH_INPUT_ROOT) or `input.url`. The file is checked (format, columns) before the job is queued.',
  security,
  request: {
    params: NameParam,
    body: {
      content: {
        'application/json': { schema: JobInputBody },
        'multipart/form-data': {
          schema: z.object({
            file: z.string().openapi({ format: 'binary' }),
            options: z.string().optional(),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    202: json(JobSchema, 'The job, queued'),
    ...errorResponses(400, 401, 404, 413, 415, 503),
  },
});

const listJobs = createRoute({
  method: 'get',
  path: '/jobs',
  summary: 'Batch jobs, newest first (at most 100)',
  security,
  request: { query: z.object({ deployment: z.string().max(200).optional() }) },
  responses: {
    200: json(z.object({ jobs: z.array(JobSchema) }), 'The jobs'),
    ...errorResponses(400, 401, 503),
  },
});

const getJob = createRoute({
  method: 'get',
  path: '/jobs/{id}',
  summary: "A job's state and progress",
  security,
  request: { params: IdParam },
  responses: { 200: json(JobSchema, 'The job'), ...errorResponses(400, 401, 404, 503) },
});

const fileResponse = (description: string) => ({
  description,
  content: { 'text/plain': { schema: z.string() } },
});

const jobOutput = createRoute({
  method: 'get',
  path: '/jobs/{id}/output',
  summary:
    "A finished job's output: the pass-through columns, the prediction's, and each row's prediction id",
  security,
  request: { params: IdParam },
  responses: {
    200: fileResponse('The output file (CSV or JSONL)'),
    ...errorResponses(400, 401, 404, 409, 503),
  },
});

const jobErrors = createRoute({
  method: 'get',
  path: '/jobs/{id}/errors',
  summary: "A job's refused rows: one JSON line each, with its row number and why",
  security,
  request: { params: IdParam },
  responses: {
    200: fileResponse('The errors file (JSONL)'),
    ...errorResponses(400, 401, 404, 409, 503),
  },
});

const deleteJob = createRoute({
  method: 'delete',
  path: '/jobs/{id}',
  summary: 'Cancel a job that waits or runs; remove a finished one with its files',
  security,
  request: { params: IdParam },
  responses: {
    200: json(JobSchema, 'The job, cancelled'),
    204: { description: 'The finished job and its files are removed' },
    ...errorResponses(400, 401, 404, 503),
  },
});

const createSchedule = createRoute({
  method: 'post',
  path: '/deployments/{name}/schedules',
  summary: 'Score the newest file matching a pattern on a cron schedule',
  security,
  request: {
    params: NameParam,
    body: { content: { 'application/json': { schema: ScheduleBody } }, required: true },
  },
  responses: {
    201: json(ScheduleSchema, 'The schedule'),
    ...errorResponses(400, 401, 404, 415, 503),
  },
});

const listSchedules = createRoute({
  method: 'get',
  path: '/deployments/{name}/schedules',
  summary: "A deployment's job schedules",
  security,
  request: { params: NameParam },
  responses: {
    200: json(z.object({ schedules: z.array(ScheduleSchema) }), 'The schedules'),
    ...errorResponses(400, 401, 404, 503),
  },
});

const deleteSchedule = createRoute({
  method: 'delete',
  path: '/schedules/{id}',
  summary: 'Remove a job schedule',
  security,
  request: { params: IdParam },
  responses: { 204: { description: 'Removed' }, ...errorResponses(400, 401, 404, 503) },
});

/** `/api/…/jobs` and `/api/…/schedules`: batch scoring jobs and their schedules. */
export function jobRoutes({ batch, sink, maxInputBytes, maxBodyBytes }: JobRoutesDeps) {
  const app = new OpenAPIHono({ defaultHook: validationHook });

  // The body is a form or JSON: read here rather than by the route's validator.
  app.openAPIRegistry.registerPath(createJob);
  app.post('/deployments/:name/jobs', async (c) => {
    const name = c.req.param('name');
    const { input, options } = await readJobRequest(c, sink, maxInputBytes, maxBodyBytes);
    try {
      return c.json(await batch.create(name, input, options), 202);
    } finally {
      if (input.kind === 'upload') await sink.discard(input.file).catch(() => {});
    }
  });

  app.openapi(listJobs, async (c) =>
    c.json({ jobs: await batch.list(c.req.valid('query').deployment) }, 200),
  );
  app.openapi(getJob, async (c) => c.json(await batch.get(c.req.valid('param').id), 200));
  app.openapi(jobOutput, async (c) => {
    const file = await batch.output(c.req.valid('param').id);
    return sendFile(
      file.path,
      file.name,
      file.format === 'csv' ? 'text/csv' : 'application/x-ndjson',
    );
  });
  app.openapi(jobErrors, async (c) => {
    const file = await batch.errors(c.req.valid('param').id);
    return sendFile(file.path, file.name, 'application/x-ndjson');
  });
  app.openapi(deleteJob, async (c) => {
    const job = await batch.cancelOrRemove(c.req.valid('param').id);
    return job ? c.json(job, 200) : c.body(null, 204);
  });

  app.openapi(createSchedule, async (c) =>
    c.json(await batch.createSchedule(c.req.valid('param').name, c.req.valid('json')), 201),
  );
  app.openapi(listSchedules, async (c) =>
    c.json({ schedules: await batch.schedules(c.req.valid('param').name) }, 200),
  );
  app.openapi(deleteSchedule, async (c) => {
    await batch.removeSchedule(c.req.valid('param').id);
    return c.body(null, 204);
  });
  return app;
}

/** A job request: a form with the file and its options, or JSON naming a path or a URL. */
async function readJobRequest(
  c: Context,
  sink: UploadSink,
  maxInputBytes: number,
  maxBodyBytes: number,
): Promise<{ input: JobInput; options: unknown }> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    const { fields, files } = await readUploadForm(c.req.raw, {
      sink,
      maxUploadBytes: maxInputBytes,
      fileFields: ['file'],
      textFields: ['options'],
    });
    if (!files.file)
      throw new InvalidInputError(
        'file: the form has no file part; send the input as -F file=@data.csv',
        'file',
      );
    try {
      return {
        input: { kind: 'upload', file: files.file },
        options: parseJobOptionsText(fields.options),
      };
    } catch (err) {
      await sink.discard(files.file);
      throw err;
    }
  }
  if (!type.startsWith('application/json'))
    throw new UnsupportedMediaTypeError(
      `expected a multipart/form-data body with the file, or JSON naming input.path or input.url (got ${type.split(';')[0] || 'no Content-Type'})`,
    );
  const body = await readJsonBody(c, maxBodyBytes);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new InvalidInputError(
      'expected a JSON object: {"input": {"path": …} or {"url": …}, …options}',
    );
  const { input, ...options } = body as Record<string, unknown>;
  const given = input as Record<string, unknown> | undefined;
  if (typeof given?.path === 'string' && Object.keys(given).length === 1)
    return { input: { kind: 'path', path: given.path }, options };
  if (typeof given?.url === 'string' && Object.keys(given).length === 1)
    return { input: { kind: 'url', url: given.url }, options };
  throw new InvalidInputError(
    'input: expected {"path": "<file under the input root>"} or {"url": "https://…"}; or upload the file as a multipart form',
    'input',
  );
}

async function sendFile(path: string, name: string, type: string): Promise<never> {
  const { size } = await stat(path);
  const body = Readable.toWeb(createReadStream(path)) as ReadableStream;
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': `${type}; charset=utf-8`,
      'content-length': String(size),
      'content-disposition': `attachment; filename="${name.replace(/["\\\r\n]/g, '_')}"`,
    },
  }) as never;
}
