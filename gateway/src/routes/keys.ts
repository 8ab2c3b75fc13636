import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { KeyService } from '../deployments/key-service.js';
import { validationHook } from './validation-hook.js';
import { DeploymentName, errorResponses, json, NameParam, security } from './schemas.js';

export interface KeyRoutesDeps {
  keys: KeyService;
}

/** Longest grace period: a year (keeps the expiry a valid timestamp). */
const MAX_GRACE_SECONDS = 366 * 86_400;

const KeyInfoSchema = z
  .object({
    id: z.string().openapi({ example: '6f1c2a5e-8d1b-4a55-9c4e-0d6c1b7e2f10' }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable().openapi({
      description: 'When a call last used the key, to within a minute; null: never used.',
    }),
    expiresAt: z.string().nullable().openapi({
      description: 'When the key stops working (a rotation grace period); null: never.',
    }),
  })
  .openapi('InvokeKey');

const NewKeySchema = z
  .object({
    id: z.string(),
    key: z.string().openapi({ description: 'The new invoke key, shown this once.' }),
    createdAt: z.string(),
  })
  .openapi('NewInvokeKey');

const NewKeyBodySchema = z
  .object({
    revokeOthersAfterSeconds: z.number().int().min(0).max(MAX_GRACE_SECONDS).optional().openapi({
      description:
        'Every other key of the deployment stops working this many seconds from now (0: at once). Absent: they keep working.',
      example: 3600,
    }),
  })
  .strict()
  .openapi('NewInvokeKeyRequest');

const KeyParams = z.object({
  name: DeploymentName.openapi({ param: { name: 'name', in: 'path' } }),
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

const listKeys = createRoute({
  method: 'get',
  path: '/{name}/keys',
  summary: "A deployment's invoke keys (never the keys themselves)",
  security,
  request: { params: NameParam },
  responses: {
    200: json(z.object({ keys: z.array(KeyInfoSchema) }), 'The keys that still work, oldest first'),
    ...errorResponses(400, 401, 404, 503),
  },
});

const issueKey = createRoute({
  method: 'post',
  path: '/{name}/keys',
  summary: 'Issue a new invoke key, optionally revoking the others after a grace period',
  description:
    'The answer is the only time the key is shown. With `revokeOthersAfterSeconds`, every other key is refused (401) from then on; callers move to the new key meanwhile.',
  security,
  request: {
    params: NameParam,
    body: { content: { 'application/json': { schema: NewKeyBodySchema } }, required: false },
  },
  responses: {
    201: json(NewKeySchema, 'The new key'),
    ...errorResponses(400, 401, 404, 415, 503),
  },
});

const revokeKey = createRoute({
  method: 'delete',
  path: '/{name}/keys/{id}',
  summary: 'Revoke one invoke key now',
  description:
    'Refused with 409 `last_key` when no other key that does not expire would be left: issue a new key first.',
  security,
  request: { params: KeyParams },
  responses: {
    204: { description: 'Revoked' },
    ...errorResponses(400, 401, 404, 409, 503),
  },
});

/** `/api/deployments/:name/keys`: invoke key rotation. */
export function keyRoutes({ keys }: KeyRoutesDeps) {
  const app = new OpenAPIHono({ defaultHook: validationHook });

  app.openapi(listKeys, async (c) => c.json(await keys.list(c.req.valid('param').name), 200));
  app.openapi(issueKey, async (c) => {
    const body = c.req.valid('json') ?? {};
    return c.json(await keys.issue(c.req.valid('param').name, body.revokeOthersAfterSeconds), 201);
  });
  app.openapi(revokeKey, async (c) => {
    const { name, id } = c.req.valid('param');
    await keys.revoke(name, id);
    return c.body(null, 204);
  });
  return app;
}
