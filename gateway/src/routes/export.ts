import { Readable } from 'node:stream';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { MAX_VERSION } from '../db/deployment-repository.js';
import { exportBundle, type ExportBundleDeps } from '../export/export-bundle.js';
import { DeploymentName, errorResponses, security, VersionNumber } from './schemas.js';
import { validationHook } from './validation-hook.js';

const download = createRoute({
  method: 'get',
  path: '/{name}/export',
  summary:
    'One version as a bundle that runs without the gateway: artifact, config, runner, run.sh, Dockerfile, Kubernetes manifest',
  security,
  request: {
    params: z.object({ name: DeploymentName.openapi({ param: { name: 'name', in: 'path' } }) }),
    query: z.object({
      version: z.coerce.number().pipe(VersionNumber).optional().openapi({
        description: 'The version to export (default: the live one).',
        type: 'integer',
        minimum: 1,
        maximum: MAX_VERSION,
        example: 2,
      }),
    }),
  },
  responses: {
    200: {
      description: 'A gzipped tarball, streamed',
      content: { 'application/gzip': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...errorResponses(400, 401, 404, 409, 503),
  },
});

/** `GET /api/deployments/:name/export?version=`: the export bundle of a version (admin token). */
export function exportRoutes(deps: ExportBundleDeps) {
  return new OpenAPIHono({ defaultHook: validationHook }).openapi(download, async (c) => {
    const { name } = c.req.valid('param');
    const { version } = c.req.valid('query');
    const bundle = await exportBundle(deps, name, version);
    return new Response(Readable.toWeb(bundle.body) as ReadableStream, {
      status: 200,
      headers: {
        'content-type': 'application/gzip',
        'content-disposition': `attachment; filename="${bundle.filename}"`,
      },
    }) as never;
  });
}
