import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';

const health = createRoute({
  method: 'get',
  path: '/',
  summary: 'Liveness, database kind and version (no token needed)',
  responses: {
    200: {
      description: 'The gateway is up',
      content: {
        'application/json': {
          schema: z.object({
            status: z.literal('ok'),
            database: z.enum(['pglite', 'postgres']),
            version: z.string(),
          }),
        },
      },
    },
  },
});

/** `/api/health`: the one endpoint without a token. */
export function healthRoutes({
  database,
  version,
}: {
  database: 'pglite' | 'postgres';
  version: string;
}) {
  return new OpenAPIHono().openapi(health, (c) =>
    c.json({ status: 'ok' as const, database, version }, 200),
  );
}
