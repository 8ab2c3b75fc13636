import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { principalOf } from '../identity/access.js';
import {
  DEFAULT_TOKEN_DAYS,
  MAX_TOKEN_DAYS,
  type IdentityService,
} from '../identity/identity-service.js';
import { PERMISSIONS, ROLES, USER_NAME, USER_NAME_RULE } from '../identity/roles.js';
import { storable } from './schemas.js';
import { validationHook } from './validation-hook.js';
import {
  DeploymentName,
  DeploymentSchema,
  errorResponses,
  json,
  NameParam,
  security,
  Time,
} from './schemas.js';
import type { ApprovalService } from '../identity/approval-service.js';

const UserName = z
  .string()
  .regex(USER_NAME)
  .openapi({ description: USER_NAME_RULE, example: 'ada' });
const Role = z.enum(ROLES);
const Permission = z.enum(PERMISSIONS);

const MeSchema = z
  .object({
    user: z
      .string()
      .nullable()
      .openapi({ description: "null: the admin token, which is nobody's" }),
    role: Role,
    via: z.string().openapi({ example: 'proxy', description: 'admin-token, proxy or token:<id>' }),
    permissions: z.array(Permission),
  })
  .openapi('Me');

const UserSchema = z
  .object({ name: z.string(), role: Role, createdAt: z.string(), createdBy: z.string() })
  .openapi('User');

const TokenSchema = z
  .object({
    id: z.string(),
    user: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    state: z.enum(['active', 'expired', 'revoked']),
  })
  .openapi('PersonalToken');

const NewTokenSchema = TokenSchema.extend({
  token: z
    .string()
    .openapi({ description: 'The secret (`sp_…`): shown this once, stored hashed.' }),
}).openapi('NewPersonalToken');

const NewTokenBody = z
  .object({
    name: z.string().min(1).max(200).openapi({ example: 'laptop curl' }),
    scopes: z.array(Permission).min(1).optional().openapi({
      description: 'What the token may do, within its user\'s role; default ["read"].',
    }),
    expiresInDays: z
      .number()
      .int()
      .min(1)
      .max(MAX_TOKEN_DAYS)
      .optional()
      .openapi({
        description: `Days until it stops working; default ${DEFAULT_TOKEN_DAYS}.`,
      }),
    user: UserName.optional().openapi({ description: "An admin's token for another user" }),
  })
  .strict()
  .openapi('NewPersonalTokenRequest');

const AuditSchema = z
  .object({
    id: z.number().int(),
    time: z.string(),
    actor: z.string(),
    via: z.string(),
    method: z.string(),
    path: z.string(),
    deploymentName: z.string().nullable(),
    status: z.number().int(),
    remote: z.string().nullable(),
    requestId: z.string().nullable(),
  })
  .openapi('AuditEntry');

const AccessSchema = z
  .object({ owner: z.string().nullable(), sharedWith: z.array(z.string()) })
  .openapi('DeploymentAccess');

const UserParam = z.object({ name: UserName.openapi({ param: { name: 'name', in: 'path' } }) });
const TokenParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });
const ShareParams = z.object({
  name: DeploymentName.openapi({ param: { name: 'name', in: 'path' } }),
  user: UserName.openapi({ param: { name: 'user', in: 'path' } }),
});

const me = createRoute({
  method: 'get',
  path: '/me',
  summary: 'Who the caller is, and what it may do',
  security,
  responses: { 200: json(MeSchema, 'The caller'), ...errorResponses(401) },
});
const listUsers = createRoute({
  method: 'get',
  path: '/users',
  summary: 'Users and their roles (admin)',
  security,
  responses: {
    200: json(z.object({ users: z.array(UserSchema) }), 'Every user, by name'),
    ...errorResponses(401, 403),
  },
});
const putUser = createRoute({
  method: 'put',
  path: '/users/{name}',
  summary: "Create a user, or change a user's role (admin)",
  security,
  request: {
    params: UserParam,
    body: {
      content: { 'application/json': { schema: z.object({ role: Role }).strict() } },
      required: true,
    },
  },
  responses: { 200: json(UserSchema, 'The user'), ...errorResponses(400, 401, 403, 404) },
});
const deleteUser = createRoute({
  method: 'delete',
  path: '/users/{name}',
  summary: 'Remove a user and their tokens (admin)',
  security,
  request: { params: UserParam },
  responses: { 204: { description: 'Removed' }, ...errorResponses(400, 401, 403, 404) },
});
const listTokens = createRoute({
  method: 'get',
  path: '/tokens',
  summary: "The caller's personal tokens (an admin: ?user=<name>, or * for all)",
  security,
  request: { query: z.object({ user: z.union([UserName, z.literal('*')]).optional() }) },
  responses: {
    200: json(z.object({ tokens: z.array(TokenSchema) }), 'Newest first; revoked ones too'),
    ...errorResponses(400, 401, 403),
  },
});
const createToken = createRoute({
  method: 'post',
  path: '/tokens',
  summary: 'Make a personal token, for curl and the Python client outside JupyterLab',
  security,
  request: { body: { content: { 'application/json': { schema: NewTokenBody } }, required: true } },
  responses: {
    201: json(NewTokenSchema, 'The token, shown this once'),
    ...errorResponses(400, 401, 403, 404),
  },
});
const revokeToken = createRoute({
  method: 'delete',
  path: '/tokens/{id}',
  summary: 'Revoke a personal token now',
  description: 'From the next request on, the token answers 401 saying it was revoked.',
  security,
  request: { params: TokenParam },
  responses: { 204: { description: 'Revoked' }, ...errorResponses(400, 401, 404) },
});
const audit = createRoute({
  method: 'get',
  path: '/audit',
  summary: 'The audit log: every management action, who, what, when, from where, result (admin)',
  security,
  request: {
    query: z.object({
      actor: z.string().optional(),
      deployment: DeploymentName.optional(),
      from: Time.optional(),
      to: Time.optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: {
    200: json(z.object({ entries: z.array(AuditSchema) }), 'Newest first'),
    ...errorResponses(400, 401, 403),
  },
});
const getAccess = createRoute({
  method: 'get',
  path: '/deployments/{name}/shares',
  summary: "A deployment's owner, and the users it is shared with (who may manage it too)",
  security,
  request: { params: NameParam },
  responses: { 200: json(AccessSchema, 'Owner and shares'), ...errorResponses(400, 401, 404) },
});
const addShare = createRoute({
  method: 'post',
  path: '/deployments/{name}/shares',
  summary: 'Share a deployment with a user: they may manage it as its owner does',
  security,
  request: {
    params: NameParam,
    body: {
      content: { 'application/json': { schema: z.object({ user: UserName }).strict() } },
      required: true,
    },
  },
  responses: { 200: json(AccessSchema, 'Owner and shares'), ...errorResponses(400, 401, 403, 404) },
});
const removeShare = createRoute({
  method: 'delete',
  path: '/deployments/{name}/shares/{user}',
  summary: 'Stop sharing a deployment with a user',
  security,
  request: { params: ShareParams },
  responses: { 204: { description: 'Unshared' }, ...errorResponses(400, 401, 403, 404) },
});

const ApprovalSchema = z
  .object({
    id: z.string(),
    deployment: z.string(),
    format: z.string(),
    filename: z.string().nullable(),
    size: z.number().int(),
    requestedBy: z.string(),
    requestedAt: z.string(),
    state: z.enum(['pending', 'approved', 'rejected', 'failed']),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    reason: z.string().nullable(),
    version: z.number().int().nullable(),
  })
  .openapi('Approval');

const ApprovalParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const listApprovals = createRoute({
  method: 'get',
  path: '/approvals',
  summary: 'Publishes of code waiting for an admin (SLIPWAY_REQUIRE_APPROVAL), and decided ones',
  security,
  request: {
    query: z.object({ state: z.enum(['pending', 'approved', 'rejected', 'failed']).optional() }),
  },
  responses: {
    200: json(z.object({ approvals: z.array(ApprovalSchema) }), 'Newest first'),
    ...errorResponses(400, 401),
  },
});
const approve = createRoute({
  method: 'post',
  path: '/approvals/{id}/approve',
  summary: 'Approve a held publish (admin): it is published now, its requester the owner',
  security,
  request: { params: ApprovalParam },
  responses: {
    201: json(DeploymentSchema, 'The deployment it made'),
    ...errorResponses(400, 401, 403, 404, 409, 422),
  },
});
const reject = createRoute({
  method: 'post',
  path: '/approvals/{id}/reject',
  summary: 'Reject a held publish (admin): its file goes, unread',
  security,
  request: {
    params: ApprovalParam,
    body: {
      content: {
        'application/json': {
          schema: z.object({ reason: z.string().max(1000).optional() }).strict(),
        },
      },
      required: false,
    },
  },
  responses: {
    200: json(ApprovalSchema, 'The decided request'),
    ...errorResponses(400, 401, 403, 404),
  },
});

/** `/api`: the caller, users, personal tokens, shares, approvals and the audit log. */
export function identityRoutes({
  identity,
  approvals,
  requireDeployment,
}: {
  identity: IdentityService;
  approvals: ApprovalService;
  /** Throws the 404 of a deployment that does not exist. */
  requireDeployment: (name: string) => Promise<unknown>;
}) {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.openapi(me, (c) => c.json(identity.me(principalOf(c)), 200));
  app.openapi(listUsers, async (c) => {
    const users = await identity.users();
    return c.json(
      { users: users.map((u) => ({ ...u, createdAt: u.createdAt.toISOString() })) },
      200,
    );
  });
  app.openapi(putUser, async (c) => {
    const user = await identity.putUser(
      principalOf(c),
      c.req.valid('param').name,
      c.req.valid('json').role,
    );
    return c.json({ ...user, createdAt: user.createdAt.toISOString() }, 200);
  });
  app.openapi(deleteUser, async (c) => {
    await identity.deleteUser(c.req.valid('param').name);
    return c.body(null, 204);
  });
  app.openapi(listTokens, async (c) =>
    c.json({ tokens: await identity.tokens(principalOf(c), c.req.valid('query').user) }, 200),
  );
  app.openapi(createToken, async (c) =>
    c.json(await identity.createToken(principalOf(c), c.req.valid('json')), 201),
  );
  app.openapi(revokeToken, async (c) => {
    await identity.revokeToken(principalOf(c), c.req.valid('param').id);
    return c.body(null, 204);
  });
  app.openapi(audit, async (c) => {
    const { actor, deployment, from, to, limit } = c.req.valid('query');
    const entries = await identity.audit({
      actor,
      deployment,
      from: from ? storable(new Date(from)) : undefined,
      to: to ? storable(new Date(to)) : undefined,
      limit,
    });
    return c.json({ entries }, 200);
  });
  app.openapi(listApprovals, async (c) =>
    c.json({ approvals: await approvals.list(c.req.valid('query').state) }, 200),
  );
  app.openapi(approve, async (c) =>
    c.json(await approvals.approve(principalOf(c), c.req.valid('param').id), 201),
  );
  app.openapi(reject, async (c) =>
    c.json(
      await approvals.reject(principalOf(c), c.req.valid('param').id, c.req.valid('json')?.reason),
      200,
    ),
  );
  app.openapi(getAccess, async (c) => {
    const { name } = c.req.valid('param');
    await requireDeployment(name);
    return c.json(await identity.access(name), 200);
  });
  app.openapi(addShare, async (c) => {
    const { name } = c.req.valid('param');
    await requireDeployment(name);
    await identity.share(name, c.req.valid('json').user);
    return c.json(await identity.access(name), 200);
  });
  app.openapi(removeShare, async (c) => {
    const { name, user } = c.req.valid('param');
    await requireDeployment(name);
    await identity.unshare(name, user);
    return c.body(null, 204);
  });
  return app;
}
