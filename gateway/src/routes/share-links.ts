import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { ShareLinkService } from '../share/share-link-service.js';
import { validationHook } from './validation-hook.js';
import { DeploymentName, errorResponses, json, NameParam, security } from './schemas.js';

export interface ShareLinkRoutesDeps {
  shareLinks: ShareLinkService;
}

/** Longest life of a share link: a year. */
const MAX_SHARE_SECONDS = 366 * 86_400;

const ShareLinkSchema = z
  .object({
    id: z.string().openapi({ example: '6f1c2a5e-8d1b-4a55-9c4e-0d6c1b7e2f10' }),
    label: z.string().nullable(),
    ratePerMinute: z.number().int(),
    createdAt: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    state: z.enum(['active', 'expired', 'revoked']),
  })
  .openapi('ShareLink');

const NewShareLinkSchema = ShareLinkSchema.extend({
  url: z.string().openapi({
    description:
      'Open it in a browser: the page exchanges the token for a cookie scoped to the page and drops it from the URL. Shown this once.',
  }),
}).openapi('NewShareLink');

const NewShareLinkBodySchema = z
  .object({
    label: z.string().max(200).optional().openapi({ example: 'sales team' }),
    expiresInSeconds: z.number().int().min(60).max(MAX_SHARE_SECONDS).optional().openapi({
      description: 'Seconds from now until the link stops working; default a week.',
      example: 86400,
    }),
    ratePerMinute: z.number().int().min(1).max(10_000).optional().openapi({
      description: 'Form posts a minute the link may make (per gateway); default 30.',
    }),
  })
  .strict()
  .openapi('NewShareLinkRequest');

const LinkParams = z.object({
  name: DeploymentName.openapi({ param: { name: 'name', in: 'path' } }),
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

const listLinks = createRoute({
  method: 'get',
  path: '/{name}/share-links',
  summary: "A deployment's share links of the end-user page (never their tokens)",
  security,
  request: { params: NameParam },
  responses: {
    200: json(z.object({ shareLinks: z.array(ShareLinkSchema) }), 'Every link, oldest first'),
    ...errorResponses(400, 401, 404, 503),
  },
});

const createLink = createRoute({
  method: 'post',
  path: '/{name}/share-links',
  summary: 'Create a share link: the end-user page for people without a key',
  description:
    'The link opens `/fn/{name}` in a browser and lets its form invoke this deployment only, at most `ratePerMinute` times a minute, until it expires or is revoked. Its URL is shown this once.',
  security,
  request: {
    params: NameParam,
    body: {
      content: { 'application/json': { schema: NewShareLinkBodySchema } },
      required: false,
    },
  },
  responses: {
    201: json(NewShareLinkSchema, 'The new link'),
    ...errorResponses(400, 401, 404, 415, 503),
  },
});

const revokeLink = createRoute({
  method: 'delete',
  path: '/{name}/share-links/{id}',
  summary: 'Revoke a share link now',
  description: 'Its page answers 401 saying it was revoked from the next request on.',
  security,
  request: { params: LinkParams },
  responses: {
    204: { description: 'Revoked' },
    ...errorResponses(400, 401, 404, 503),
  },
});

/** `/api/deployments/:name/share-links`: share links of the end-user page. */
export function shareLinkRoutes({ shareLinks }: ShareLinkRoutesDeps) {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.openapi(listLinks, async (c) =>
    c.json(await shareLinks.list(c.req.valid('param').name), 200),
  );
  app.openapi(createLink, async (c) =>
    c.json(await shareLinks.create(c.req.valid('param').name, c.req.valid('json') ?? {}), 201),
  );
  app.openapi(revokeLink, async (c) => {
    const { name, id } = c.req.valid('param');
    await shareLinks.revoke(name, id);
    return c.body(null, 204);
  });
  return app;
}
