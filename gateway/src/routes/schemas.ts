import { z } from '@hono/zod-openapi';
import { MAX_VERSION } from '../db/deployment-repository.js';
import { DEPLOYMENT_NAME } from '../deployments/deployment-service.js';

/** OpenAPI schemas of the management API's answers (documentation; answers are built from protocol types). */
/** A failed notebook cell as JupyterLab shows it (`error.cell` of a notebook run's failure). */
export const NotebookCellSchema = z
  .object({
    position: z.number().int().openapi({ description: '1-based, as published' }),
    executionCount: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'The [n] JupyterLab shows after Run All' }),
    firstLine: z.string(),
  })
  .openapi('NotebookCell');

/** Where a notebook run is read; in every error of a notebook call that started a run. */
export const RunLinksShape = {
  runId: z.string().optional(),
  statusUrl: z.string().optional(),
  notebookUrl: z
    .string()
    .optional()
    .openapi({ description: 'The executed notebook, with the traceback of a failed cell' }),
};

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_input' }),
      message: z.string().openapi({ example: 'name: expected 1-63 lowercase letters…' }),
      field: z.string().optional(),
      cell: NotebookCellSchema.optional(),
      ...RunLinksShape,
    }),
  })
  .openapi('Error');

const FieldSpecSchema = z
  .object({
    name: z.string(),
    type: z.string().openapi({ example: 'float32' }),
    shape: z.array(z.number().nullable()).optional(),
    values: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
    default: z.unknown().optional(),
    help: z.string().optional(),
    required: z.boolean().optional(),
    nullable: z.boolean().optional(),
  })
  .openapi('FieldSpec');

export const SignatureSchema = z
  .object({ inputs: z.array(FieldSpecSchema), outputs: z.array(FieldSpecSchema) })
  .openapi('Signature');

export const PublishCheckSchema = z
  .object({
    name: z.string(),
    format: z.enum(['onnx', 'pmml', 'pickle', 'mojo', 'notebook']),
    signature: SignatureSchema,
    warnings: z.array(z.string()),
    existing: z
      .object({
        version: z.number().int(),
        format: z.enum(['onnx', 'pmml', 'pickle', 'mojo', 'notebook']),
        signature: SignatureSchema,
      })
      .nullable(),
    breakingChanges: z.array(z.string()),
  })
  .openapi('PublishCheck');

export const DeploymentSchema = z
  .object({
    name: z.string().openapi({ example: 'iris' }),
    version: z.number().int(),
    format: z.enum(['onnx', 'pmml', 'pickle', 'mojo', 'notebook']),
    pool: z.enum(['cpu', 'gpu', 'highmem']),
    status: z.enum(['ready', 'loading', 'pending', 'failed']),
    statusReason: z
      .string()
      .optional()
      .openapi({ description: 'Why it failed: its load, or no replica can start on its pool.' }),
    public: z.boolean(),
    invokeUrl: z.string().openapi({ example: 'http://127.0.0.1:8787/fn/iris' }),
    invokeKey: z
      .string()
      .optional()
      .openapi({ description: 'Shown once, when the deployment is created.' }),
    signature: SignatureSchema,
    warnings: z.array(z.string()).optional(),
    curl: z.string(),
    snippets: z.object({ curl: z.string(), python: z.string(), javascript: z.string() }).openapi({
      description:
        'The example call as curl, Python requests and JavaScript fetch; the key from $SLIPWAY_KEY.',
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Deployment');

export const ReplicasSchema = z
  .object({
    name: z.string(),
    pool: z.enum(['cpu', 'gpu', 'highmem']),
    status: z.enum(['ready', 'loading', 'pending', 'failed']),
    statusReason: z.string().nullable(),
    lifecycle: z.object({
      minReplicas: z.number().int(),
      maxReplicas: z.number().int(),
      concurrency: z.number().int(),
      idleSeconds: z.number(),
      queueSize: z.number().int(),
      queueSeconds: z.number(),
    }),
    coldStarts: z.object({
      count: z.number().int(),
      p50Ms: z.number().nullable(),
      p95Ms: z.number().nullable(),
      lastAt: z.string().nullable(),
    }),
    versions: z.array(
      z.object({
        version: z.number().int(),
        live: z.boolean(),
        retiring: z.boolean(),
        calls: z.number().int(),
        replicas: z.array(
          z.object({
            id: z.number().int(),
            state: z.enum(['starting', 'ready', 'stopping']),
            calls: z.number().int(),
            pool: z.string().nullable(),
            devices: z.array(z.string()),
            pod: z.string().optional(),
            startedAt: z.string(),
            lastCallAt: z.string().nullable(),
          }),
        ),
      }),
    ),
  })
  .openapi('Replicas');

export const DeploymentDetailSchema = DeploymentSchema.extend({
  versions: z.array(
    z.object({
      version: z.number().int(),
      format: z.string(),
      artifactSha256: z.string(),
      artifactSize: z.number().int(),
      live: z.boolean(),
      createdAt: z.string(),
    }),
  ),
}).openapi('DeploymentDetail');

export const PublishFormSchema = z
  .object({
    file: z.any().openapi({
      type: 'string',
      format: 'binary',
      minLength: 1,
      description: 'The model artifact (or notebook).',
    }),
    name: z.string().regex(DEPLOYMENT_NAME).openapi({
      description: 'A DNS label: 1-63 lowercase letters, digits or -',
      example: 'iris',
    }),
    format: z
      .enum(['onnx', 'pmml', 'pickle', 'mojo', 'notebook'])
      .optional()
      .openapi({ description: 'Detected from the file when absent.' }),
    pool: z.enum(['cpu', 'gpu', 'highmem']).optional().openapi({ description: 'Default cpu.' }),
    config: z.string().optional().openapi({ description: 'JSON object: format options.' }),
    public: z.enum(['true', 'false']).optional(),
    allowSignatureChange: z.enum(['true', 'false']).optional().openapi({
      description:
        "Default false: a new version whose inputs or outputs would break the live version's callers (an input gone, retyped, reshaped or newly required; an output gone, retyped or reshaped) is a 409 signature_changed naming the differences. true publishes it anyway.",
    }),
    dryRun: z.enum(['true', 'false']).optional().openapi({
      description:
        'true: the file is checked and loaded as a publish would, and the answer (200) says what publishing it would make — format, signature, warnings, the live version of that name and what the file would break for its callers; nothing is stored.',
    }),
  })
  .required({ file: true })
  .openapi('PublishForm');

export const InvocationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    version: z.number().int(),
    time: z.string(),
    latencyMs: z.number(),
    status: z.number().int(),
    protocol: z.string(),
    input: z.unknown(),
    output: z.unknown(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    ignoredFields: z.array(z.string()).nullable(),
    truncated: z.string().nullable(),
  })
  .openapi('Invocation');

const percentiles = {
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
};

export const MetricsSchema = z
  .object({
    name: z.string(),
    from: z.string(),
    to: z.string(),
    count: z.number().int(),
    errors: z.number().int(),
    serverErrors: z.number().int(),
    errorRate: z.number(),
    latencyMs: z.object({ ...percentiles, mean: z.number().nullable() }),
    ignoredFields: z.array(z.object({ name: z.string(), calls: z.number().int() })),
    truncatedCalls: z.number().int(),
    series: z.array(
      z.object({
        minute: z.string(),
        count: z.number().int(),
        errors: z.number().int(),
        serverErrors: z.number().int(),
        ...percentiles,
      }),
    ),
  })
  .openapi('Metrics');

/** A deployment name in a path: a DNS label (no deployment has any other name). */
export const DeploymentName = z
  .string()
  .regex(DEPLOYMENT_NAME)
  .openapi({ description: 'A DNS label: 1-63 lowercase letters, digits or -', example: 'iris' });

export const NameParam = z.object({
  name: DeploymentName.openapi({ param: { name: 'name', in: 'path' } }),
});

/** A version number: versions count from 1 and are int4 columns. */
export const VersionNumber = z.number().int().min(1).max(MAX_VERSION);

/** Standard error answers for a route. */
export function errorResponses(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: 'Invalid input',
    401: 'Missing or invalid token (an expired or revoked one says which)',
    403: 'The caller lacks the permission, which the message names',
    404: 'Unknown deployment or version',
    413: 'Too large',
    415: 'Unsupported media type',
    422: 'Unusable artifact',
    429: 'Overloaded: try again later',
    500: 'Internal error (no details)',
    502: 'The worker crashed',
    503: 'Not ready, or the database is away (Retry-After)',
    504: 'Deadline passed',
  };
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: descriptions[s] ?? 'Error',
        content: { 'application/json': { schema: ErrorSchema } },
      },
    ]),
  );
}

/** A JSON answer of a route, for its OpenAPI document. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** Every management route wants the admin token. */
export const security = [{ bearer: [] }];

/** A time in a query (RFC 3339, any offset). */
export const Time = z.iso.datetime({ offset: true });

/**
 * A time in a query as the database can compare it. RFC 3339 takes years 0 to 9999 with any
 * offset, which reaches from year -1 to 10000 in UTC; the database reads years 1 to 9999 as
 * sent, and no call lies outside them, so a time outside queries as the nearest one inside.
 */
export function storable(time: Date): Date {
  return time < EARLIEST ? EARLIEST : time > LATEST ? LATEST : time;
}
const EARLIEST = new Date('0001-01-01T00:00:00.000Z');
const LATEST = new Date('9999-12-31T23:59:59.999Z');
