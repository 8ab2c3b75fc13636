import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { swaggerUI } from '@hono/swagger-ui';
import { ErrorSchema } from './schemas.js';

const anyJson = { 'application/json': { schema: z.any() } };
const errors = {
  400: {
    description: 'Invalid input, naming the field',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  401: {
    description: 'Missing or invalid key',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  404: {
    description: 'Unknown deployment or version',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  413: {
    description: 'Body or batch too large',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  415: { description: 'Not JSON', content: { 'application/json': { schema: ErrorSchema } } },
};
const name = z.object({ name: z.string() });

/**
 * Documents the data plane (plain Hono handlers, so the hot path skips zod) in the same
 * OpenAPI registry, and serves the document and an interactive page.
 */
export function mountDocs(
  app: OpenAPIHono,
  { version, publicUrl }: { version: string; publicUrl: string },
) {
  const r = app.openAPIRegistry;
  r.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  r.registerPath({
    method: 'post',
    path: '/fn/{name}',
    summary: 'Predict: a JSON object is one record, an array is many',
    security: [{ bearer: [] }],
    request: { params: name, body: { content: anyJson } },
    responses: {
      200: {
        description: '{id, version, prediction} or {ids, version, predictions}',
        content: anyJson,
      },
      ...errors,
    },
  });
  r.registerPath({
    method: 'post',
    path: '/fn/{name}/invocations',
    summary:
      'Predict with an MLflow scoring body (dataframe_split, dataframe_records, instances, inputs)',
    security: [{ bearer: [] }],
    request: { params: name, body: { content: anyJson } },
    responses: { 200: { description: '{predictions, ids}', content: anyJson }, ...errors },
  });
  for (const path of ['/v2/models/{name}/infer', '/v2/models/{name}/versions/{version}/infer']) {
    r.registerPath({
      method: 'post',
      path,
      summary: 'Open Inference Protocol v2 inference',
      security: [{ bearer: [] }],
      request: {
        params: path.includes('version') ? name.extend({ version: z.string() }) : name,
        body: { content: anyJson },
      },
      responses: { 200: { description: 'Inference response', content: anyJson }, ...errors },
    });
  }
  r.registerPath({
    method: 'get',
    path: '/v2/models/{name}',
    summary: 'Open Inference Protocol v2 model metadata',
    security: [{ bearer: [] }],
    request: { params: name },
    responses: { 200: { description: 'Metadata', content: anyJson }, ...errors },
  });

  app.doc('/api/openapi.json', {
    openapi: '3.0.3',
    info: {
      title: 'Slipway gateway',
      version,
      description: 'Publish notebooks and models as HTTP functions.',
    },
    servers: [{ url: publicUrl }],
  });
  app.get('/api/docs', (c, next) => {
    // The page fetches the document with the same token it was opened with.
    const token = c.req.query('token') ?? '';
    return swaggerUI({ url: `/api/openapi.json?token=${encodeURIComponent(token)}` })(c, next);
  });
}
