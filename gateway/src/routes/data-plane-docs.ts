import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { DeploymentName, ErrorSchema, errorResponses, VersionNumber } from './schemas.js';

type Registry = OpenAPIHono['openAPIRegistry'];

// The data plane's routes are plain Hono handlers (the hot path skips zod); these schemas
// document what they answer, and the suite checks the answers against them (schemathesis).

const security = [{ bearer: [] }];
const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
/**
 * A request body. Its shape is stated; what its fields must hold depends on the deployment's
 * signature, which the data plane checks (400 naming the field).
 */
const body = (schema: z.ZodType) => ({
  content: { 'application/json': { schema } },
  required: true,
});

const Fields = z.record(z.string(), z.unknown());
const RecordsRequest = z.union([Fields, z.array(Fields)]).openapi('RecordsRequest', {
  description:
    'One record (an object of input values, or a notebook’s parameters), or an array of records.',
});

const MlflowRequest = z
  .union([
    z.object({
      dataframe_split: z.object({
        columns: z.array(z.string()),
        data: z.array(z.array(z.unknown())),
        index: z.array(z.unknown()).optional(),
      }),
    }),
    z.object({ dataframe_records: z.array(Fields) }),
    z.object({ instances: z.array(z.unknown()) }),
    z.object({ inputs: z.unknown() }),
  ])
  .openapi('MlflowRequest', {
    description: 'MLflow’s scoring formats: exactly one of these keys.',
  });

const nameParam = z.object({
  name: DeploymentName.openapi({ param: { name: 'name', in: 'path' } }),
});
const versionParam = z.object({
  version: VersionNumber.openapi({ param: { name: 'version', in: 'path' }, example: 1 }),
});

/** What every call can answer besides success: its input, its key, and the model's fate. */
const callErrors = errorResponses(400, 401, 404, 413, 415, 422, 429, 500, 502, 503, 504);
/** Reading a deployment: no body, but it may have to be loaded. */
const readErrors = errorResponses(400, 401, 404, 422, 429, 500, 502, 503, 504);

const Prediction = z.unknown().openapi({ description: 'Shaped by the model’s outputs.' });

const RecordsResponse = z
  .union([
    z.object({ id: z.string(), version: z.number().int(), prediction: Prediction }),
    z.object({
      ids: z.array(z.string()),
      version: z.number().int(),
      predictions: z.array(Prediction),
    }),
    z.object({
      id: z.string(),
      version: z.number().int(),
      outputs: z.array(z.unknown()),
      durationMs: z.number(),
    }),
  ])
  .openapi('RecordsResponse', {
    description:
      'One record → {id, version, prediction}; many → {ids, version, predictions}; a notebook → {id, version, outputs, durationMs}.',
  });

const RunStarted = z
  .object({
    id: z.string(),
    version: z.number().int(),
    status: z.literal('running'),
    statusUrl: z.string(),
  })
  .openapi('RunStarted');

const MlflowResponse = z
  .object({ predictions: z.array(Prediction), ids: z.array(z.string()) })
  .openapi('MlflowResponse');

const OipDatatype = z.enum([
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
]);

const OipTensor = z
  .object({
    name: z.string(),
    shape: z.array(z.number().int()),
    datatype: OipDatatype,
    parameters: z.record(z.string(), z.unknown()).optional(),
    data: z.array(z.unknown()),
  })
  .openapi('OipTensor');

const OipInferenceRequest = z
  .object({
    id: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    inputs: z.array(OipTensor).min(1),
    outputs: z
      .array(
        z.object({ name: z.string(), parameters: z.record(z.string(), z.unknown()).optional() }),
      )
      .optional(),
  })
  .openapi('OipInferenceRequest');

const OipInferenceResponse = z
  .object({
    model_name: z.string(),
    model_version: z.string().optional(),
    id: z.string().optional(),
    parameters: z
      .object({ prediction_ids: z.array(z.string()) })
      .catchall(z.unknown())
      .optional(),
    outputs: z.array(OipTensor),
  })
  .openapi('OipInferenceResponse');

const OipTensorMetadata = z.object({
  name: z.string(),
  datatype: OipDatatype,
  shape: z.array(z.number().int()),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

const OipModelMetadata = z
  .object({
    name: z.string(),
    versions: z.array(z.string()).optional(),
    platform: z.string(),
    inputs: z.array(OipTensorMetadata),
    outputs: z.array(OipTensorMetadata),
    parameters: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('OipModelMetadata');

/** Registers the data plane's routes (`/fn`, `/v2/models`) in `registry`. */
export function registerDataPlaneDocs(registry: Registry): void {
  registry.registerPath({
    method: 'post',
    path: '/fn/{name}',
    summary: 'Predict: a JSON object is one record, an array is many (a notebook: its parameters)',
    security,
    request: { params: nameParam, body: body(RecordsRequest) },
    responses: {
      200: json(RecordsResponse, 'The predictions, or the notebook run’s outputs'),
      202: json(RunStarted, 'A notebook run started asynchronously (?async=true)'),
      ...callErrors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/fn/{name}/openapi.json',
    summary:
      'The deployment’s own OpenAPI 3 document: its signature as the request and response schemas',
    security,
    request: { params: nameParam },
    responses: {
      200: json(
        z.record(z.string(), z.unknown()).openapi('DeploymentOpenApi'),
        'An OpenAPI 3.0 document for openapi-generator or openapi-typescript',
      ),
      ...errorResponses(401, 404, 500, 503),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/fn/{name}/invocations',
    summary:
      'Predict with an MLflow scoring body (dataframe_split, dataframe_records, instances, inputs)',
    security,
    request: { params: nameParam, body: body(MlflowRequest) },
    responses: { 200: json(MlflowResponse, 'One prediction per row'), ...callErrors },
  });
  const FeedbackItem = z.object({
    id: z.string().openapi({ description: 'A prediction id a call answered.' }),
    actual: z.union([z.string(), z.number(), z.boolean()]),
  });
  const FeedbackResponse = z
    .object({
      accepted: z.number().int(),
      rejected: z.number().int(),
      items: z.array(
        z.object({
          id: z.string(),
          status: z.enum(['accepted', 'not_found', 'invalid']),
          replaced: z.boolean().optional(),
          message: z.string().optional(),
        }),
      ),
    })
    .openapi('FeedbackResult');
  registry.registerPath({
    method: 'post',
    path: '/fn/{name}/feedback',
    summary: 'Ground truth for predictions: {"id", "actual"} or an array of them',
    security,
    request: {
      params: nameParam,
      body: body(z.union([FeedbackItem, z.array(FeedbackItem)]).openapi('FeedbackRequest')),
    },
    responses: {
      ...callErrors,
      200: json(FeedbackResponse, 'Some labels stored; each item says what became of it'),
      // No label stored: each item says why (an unknown id alone: 404), or the body was wrong.
      400: json(z.union([FeedbackResponse, ErrorSchema]), 'No label stored, or a malformed body'),
      404: json(
        z.union([FeedbackResponse, ErrorSchema]),
        'No id is a prediction of the deployment, or no deployment',
      ),
    },
  });
  for (const versioned of [false, true]) {
    const base = versioned ? '/v2/models/{name}/versions/{version}' : '/v2/models/{name}';
    const params = versioned ? nameParam.merge(versionParam) : nameParam;
    registry.registerPath({
      method: 'post',
      path: `${base}/infer`,
      summary: `Open Inference Protocol v2 inference${versioned ? ' with one version' : ''}`,
      security,
      request: { params, body: body(OipInferenceRequest) },
      responses: { 200: json(OipInferenceResponse, 'Inference response'), ...callErrors },
    });
    registry.registerPath({
      method: 'get',
      path: base,
      summary: `Open Inference Protocol v2 model metadata${versioned ? ' of one version' : ''}`,
      security,
      request: { params },
      responses: { 200: json(OipModelMetadata, 'Model metadata'), ...readErrors },
    });
  }
  registry.registerPath({
    method: 'get',
    path: '/v2/models/{name}/ready',
    summary: 'Open Inference Protocol v2 model readiness: 200 once the live version is loaded',
    security,
    request: { params: nameParam },
    responses: { 200: { description: 'Ready (no body)' }, ...readErrors },
  });
}
