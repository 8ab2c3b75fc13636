import type { Format } from '../protocol/deployments.js';
import type { FieldSpec, Signature } from '../protocol/signature.js';
import { fieldSchema, recordSchema, type SchemaObject } from './field-schema.js';

/** What a deployment's own OpenAPI document is made from. */
export interface DeploymentApiSource {
  name: string;
  version: number;
  format: Format;
  /** A notebook takes parameters and answers its run's outputs; a model takes records. */
  notebook: boolean;
  public: boolean;
  signature: Signature;
  /** The gateway's public base URL (`SLIPWAY_PUBLIC_URL`): the document's server. */
  publicUrl: string;
  /** The most records one call takes (`SLIPWAY_MAX_BATCH`). */
  maxBatch: number;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: SchemaObject, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/**
 * What one prediction looks like: the only output's value when the model has one output (the
 * records API unwraps it), else an object of the outputs by name. Outputs carry no shape
 * promise a client could rely on (a classifier's probabilities are a map of label to number),
 * so only their element types, categories and help are stated for declared scalars.
 */
export function predictionSchema(outputs: readonly FieldSpec[]): SchemaObject {
  const output = (f: FieldSpec): SchemaObject => {
    const declared = f.shape?.length === 0 && f.type !== 'json';
    // A float output may be NaN, which JSON writes as null.
    const s: SchemaObject = declared ? fieldSchema({ ...f, nullable: true }) : {};
    if (f.help) s.description = f.help;
    return s;
  };
  if (outputs.length === 0) return { description: 'Shaped by the model’s outputs.' };
  if (outputs.length === 1) return output(outputs[0]!);
  return {
    type: 'object',
    properties: Object.fromEntries(outputs.map((f) => [f.name, output(f)])),
  };
}

const ERROR: SchemaObject = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', example: 'invalid_input' },
        message: { type: 'string' },
        field: { type: 'string', description: 'The input field the error is about.' },
      },
    },
  },
};

const ERRORS: Record<string, string> = {
  '400': 'Invalid input: `error.field` names the field',
  '401': 'Missing or invalid key',
  '404': 'No such deployment',
  '413': 'Body or batch too large',
  '429': 'Overloaded: try again later',
  '503': 'Not ready yet (Retry-After)',
  '504': 'Deadline passed',
};
const errorResponses = Object.fromEntries(
  Object.entries(ERRORS).map(([status, text]) => [status, json(ref('Error'), text)]),
);

/** The records API of a model: one record or a list, and ground truth for its predictions. */
function modelPaths(src: DeploymentApiSource, base: string) {
  return {
    [base]: {
      post: {
        operationId: 'predict',
        summary: `Predict with ${src.name}: one record, or a list of records`,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                oneOf: [
                  ref('Record'),
                  { type: 'array', items: ref('Record'), minItems: 1, maxItems: src.maxBatch },
                ],
              },
            },
          },
        },
        responses: {
          '200': json(
            { oneOf: [ref('PredictionAnswer'), ref('PredictionsAnswer')] },
            'One record → `{id, version, prediction}`; a list → `{ids, version, predictions}`',
          ),
          ...errorResponses,
        },
      },
    },
    [`${base}/feedback`]: {
      post: {
        operationId: 'feedback',
        summary: 'Ground truth for predictions, by the ids the predictions answered',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { oneOf: [ref('Feedback'), { type: 'array', items: ref('Feedback') }] },
            },
          },
        },
        responses: {
          '200': json(
            ref('FeedbackResult'),
            'Some labels stored; each item says what became of it',
          ),
          '400': json(ref('FeedbackResult'), 'No label stored: each item says why'),
          ...errorResponses,
        },
      },
    },
  };
}

/** A notebook: its parameters in, the outputs of its run back (or a run started, `?async`). */
function notebookPaths(src: DeploymentApiSource, base: string) {
  return {
    [base]: {
      post: {
        operationId: 'run',
        summary: `Run ${src.name} with these parameters`,
        parameters: [
          {
            name: 'async',
            in: 'query',
            required: false,
            schema: { type: 'boolean' },
            description: 'Answer 202 at once; the run’s status is at `statusUrl`.',
          },
        ],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref('Parameters') } },
        },
        responses: {
          '200': json(ref('RunAnswer'), 'The outputs of the cells tagged `output`'),
          '202': json(ref('RunStarted'), 'The run started (`?async=true`)'),
          ...errorResponses,
        },
      },
    },
  };
}

function modelSchemas(src: DeploymentApiSource): Record<string, SchemaObject> {
  const id = { type: 'string', description: 'Send it back with the ground truth (feedback).' };
  return {
    Record: { ...recordSchema(src.signature.inputs), description: 'One record: input by name.' },
    Prediction: predictionSchema(src.signature.outputs),
    PredictionAnswer: {
      type: 'object',
      required: ['id', 'version', 'prediction'],
      properties: { id, version: { type: 'integer' }, prediction: ref('Prediction') },
    },
    PredictionsAnswer: {
      type: 'object',
      required: ['ids', 'version', 'predictions'],
      properties: {
        ids: { type: 'array', items: id },
        version: { type: 'integer' },
        predictions: { type: 'array', items: ref('Prediction') },
      },
    },
    Feedback: {
      type: 'object',
      required: ['id', 'actual'],
      properties: {
        id: { type: 'string', description: 'A prediction id a call answered.' },
        actual: {
          description: 'The true value',
          anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }],
        },
      },
    },
    FeedbackResult: {
      type: 'object',
      required: ['accepted', 'rejected', 'items'],
      properties: {
        accepted: { type: 'integer' },
        rejected: { type: 'integer' },
        items: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'status'],
            properties: {
              id: { type: 'string' },
              status: { type: 'string', enum: ['accepted', 'not_found', 'invalid'] },
              replaced: { type: 'boolean' },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  };
}

function notebookSchemas(src: DeploymentApiSource): Record<string, SchemaObject> {
  return {
    Parameters: {
      ...recordSchema(src.signature.inputs),
      description: 'The notebook’s parameters; a parameter left out keeps its default.',
    },
    RunAnswer: {
      type: 'object',
      required: ['id', 'version', 'outputs', 'durationMs'],
      properties: {
        id: { type: 'string' },
        version: { type: 'integer' },
        outputs: {
          type: 'array',
          items: {},
          description: 'Outputs of the cells tagged `output`: JSON, text or data URLs.',
        },
        durationMs: { type: 'number' },
      },
    },
    RunStarted: {
      type: 'object',
      required: ['id', 'version', 'status', 'statusUrl'],
      properties: {
        id: { type: 'string' },
        version: { type: 'integer' },
        status: { type: 'string', enum: ['running'] },
        statusUrl: { type: 'string' },
      },
    },
  };
}

/**
 * The OpenAPI 3.0 document of one deployment (`GET /fn/:name/openapi.json`): its calls with
 * its signature as the request and response schemas, so that openapi-generator or
 * openapi-typescript make a typed client of this model alone. Pure.
 */
export function deploymentOpenApi(src: DeploymentApiSource): SchemaObject {
  const base = `/fn/${src.name}`;
  const { notebook } = src;
  const doc: SchemaObject = {
    openapi: '3.0.3',
    info: {
      title: `Slipway deployment ${src.name}`,
      version: String(src.version),
      description: `The ${src.format} deployment ${src.name}, version ${src.version}, as a typed API.`,
    },
    servers: [{ url: src.publicUrl }],
    paths: notebook ? notebookPaths(src, base) : modelPaths(src, base),
    components: {
      schemas: { ...(notebook ? notebookSchemas(src) : modelSchemas(src)), Error: ERROR },
      ...(!src.public && {
        securitySchemes: {
          invokeKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'The deployment’s invoke key (or the admin token).',
          },
        },
      }),
    },
  };
  if (!src.public) doc.security = [{ invokeKey: [] }];
  return doc;
}
