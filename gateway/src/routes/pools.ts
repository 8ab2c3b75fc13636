import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { PoolName } from '../protocol/deployments.js';
import { errorResponses } from './schemas.js';

const PoolSchema = z
  .object({
    name: z.enum(['cpu', 'gpu', 'highmem']),
    backend: z.literal('local'),
    deployments: z.number().int(),
  })
  .openapi('Pool');

const list = createRoute({
  method: 'get',
  path: '/',
  summary: 'The pools this gateway has',
  security: [{ bearer: [] }],
  responses: {
    200: {
      description: 'Pools',
      content: { 'application/json': { schema: z.object({ pools: z.array(PoolSchema) }) } },
    },
    ...errorResponses(401, 503),
  },
});

/** `/api/pools`. Placement and capacity come with the worker pools; this lists what is configured. */
export function poolRoutes({
  pools,
  deploymentsIn,
}: {
  pools: PoolName[];
  deploymentsIn: () => Promise<Map<PoolName, number>>;
}) {
  return new OpenAPIHono().openapi(list, async (c) => {
    const counts = await deploymentsIn();
    return c.json(
      {
        pools: pools.map((name) => ({
          name,
          backend: 'local' as const,
          deployments: counts.get(name) ?? 0,
        })),
      },
      200,
    );
  });
}
