import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { NotFoundError } from '../errors.js';
import { errorResponses } from './schemas.js';
import { validationHook } from './validation-hook.js';

const download = createRoute({
  method: 'get',
  path: '/{sha256}',
  summary:
    'A stored artifact by its sha256: what runners on a cluster load (admin or runner token)',
  security: [{ bearer: [] }],
  request: {
    params: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 (hex)') }),
  },
  responses: {
    200: {
      description: 'The artifact bytes',
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...errorResponses(400, 401, 404),
  },
});

/**
 * `/api/artifacts/:sha256`: the content-addressed artifacts versions are made from, streamed
 * (a runner checks the bytes against the hash it was given). Only stored versions' files exist.
 */
export function artifactRoutes({
  path,
  inUse,
}: {
  /** The file of an artifact. */
  path: (sha256: string) => string;
  /** True when a stored version refers to it. */
  inUse: (sha256: string) => Promise<boolean>;
}) {
  return new OpenAPIHono({ defaultHook: validationHook }).openapi(download, async (c) => {
    const { sha256 } = c.req.valid('param');
    const file = path(sha256);
    const size = await stat(file).then(
      (s) => s.size,
      () => undefined,
    );
    if (size === undefined || !(await inUse(sha256))) throw new NotFoundError(`artifact ${sha256}`);
    const body = Readable.toWeb(createReadStream(file)) as ReadableStream;
    return new Response(body, {
      status: 200,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    }) as never;
  });
}
