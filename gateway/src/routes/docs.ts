import type { OpenAPIHono } from '@hono/zod-openapi';
import { swaggerUI } from '@hono/swagger-ui';
import { registerDataPlaneDocs } from './data-plane-docs.js';
import { registerRunDocs } from './runs.js';

/**
 * Documents the routes with plain Hono handlers (the data plane, so the hot path skips zod, and
 * the notebook runs) in the same OpenAPI registry as the management API, and serves the
 * document and an interactive page.
 */
export function mountDocs(
  app: OpenAPIHono,
  { version, publicUrl }: { version: string; publicUrl: string },
) {
  const r = app.openAPIRegistry;
  r.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  registerDataPlaneDocs(r);
  registerRunDocs(r);

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
