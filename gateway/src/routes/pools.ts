import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { PoolUsage } from '../pools/pool-capacity.js';
import type { PoolInfo } from '../protocol/service.js';
import { errorResponses } from './schemas.js';

const Amounts = z.object({
  replicas: z.number().int(),
  memoryMb: z.number(),
  gpus: z.number().int(),
});

const PoolSchema = z
  .object({
    name: z.enum(['cpu', 'gpu', 'highmem']),
    backend: z.enum(['local', 'kubernetes']),
    capacity: Amounts.extend({
      memoryMbPerReplica: z.number().int(),
      gpusPerReplica: z.number().int(),
      cpuShares: z.number().int(),
    }),
    used: Amounts,
    free: Amounts,
    deployments: z.array(z.string()),
    status: z.enum(['available', 'unavailable']),
    statusReason: z.string().optional(),
  })
  .openapi('Pool');

const list = createRoute({
  method: 'get',
  path: '/',
  summary: 'The pools this gateway has: capacity, what is used and free, the deployments on each',
  security: [{ bearer: [] }],
  responses: {
    200: {
      description: 'Pools',
      content: { 'application/json': { schema: z.object({ pools: z.array(PoolSchema) }) } },
    },
    ...errorResponses(401, 503),
  },
});

/** A pool's usage on the wire. */
export function presentPool({ pool, used, free, deployments, unavailable }: PoolUsage): PoolInfo {
  return {
    name: pool.name,
    backend: pool.backend,
    capacity: {
      replicas: pool.maxReplicas,
      memoryMb: pool.memoryMb,
      gpus: pool.devices.length,
      memoryMbPerReplica: pool.memoryMbPerReplica,
      gpusPerReplica: pool.gpusPerReplica,
      cpuShares: pool.cpuShares,
    },
    used,
    free,
    deployments,
    status: unavailable ? 'unavailable' : 'available',
    ...(unavailable ? { statusReason: unavailable } : {}),
  };
}

/** `/api/pools`: each pool's capacity and use. */
export function poolRoutes({ usage }: { usage: () => Promise<PoolUsage[]> }) {
  return new OpenAPIHono().openapi(list, async (c) =>
    c.json({ pools: (await usage()).map(presentPool) }, 200),
  );
}
