import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { presentRun } from '../data-plane/index.js';
import type { RunRepository } from '../db/run-repository.js';
import { DEPLOYMENT_NAME } from '../deployments/deployment-service.js';
import { NotFoundError } from '../errors.js';
import { readExecutedNotebook } from '../runtimes/notebook/notebook-runtime.js';
import { DeploymentName, errorResponses, NotebookCellSchema } from './schemas.js';

export interface RunRoutesDeps {
  runs: RunRepository;
  runsDir: string;
  publicUrl: string;
  /** Checks the caller may see this deployment's runs: the admin token, or its invoke key. */
  auth: MiddlewareHandler;
}

/** `.../:name/runs/:id` (status and outputs) and `.../:name/runs/:id/notebook` (the executed .ipynb). */
export function runRoutes({ runs, runsDir, publicUrl, auth }: RunRoutesDeps) {
  const app = new Hono();
  app.use('*', auth);
  const find = async (c: Context) => {
    const name = c.req.param('name')!;
    const id = c.req.param('id')!;
    // Only a real name and a run id reach the database; no run has any other.
    const row =
      DEPLOYMENT_NAME.test(name) && /^[0-9a-f-]{36}$/.test(id)
        ? await runs.get(name, id)
        : undefined;
    if (!row) throw new NotFoundError(`run ${id} of deployment ${name}`);
    return row;
  };
  app.get('/:id', async (c) => c.json(presentRun(await find(c), publicUrl)));
  app.get('/:id/notebook', async (c) => {
    const row = await find(c);
    const nb = await readExecutedNotebook(runsDir, row.id);
    if (!nb)
      throw new NotFoundError(
        `executed notebook of run ${row.id} (the run has not written it yet)`,
      );
    c.header('Content-Type', 'application/x-ipynb+json');
    c.header('Content-Disposition', `attachment; filename="${row.deploymentName}-${row.id}.ipynb"`);
    return c.body(nb);
  });
  return app;
}

const RunSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    version: z.number().int(),
    status: z.enum(['running', 'succeeded', 'failed']),
    parameters: z.unknown(),
    warnings: z.array(z.string()).openapi({
      description:
        'What papermill would have warned of when the run was prepared (`config.parameters: "papermill"`): an unknown parameter, no parameters cell.',
    }),
    outputs: z.array(z.unknown()).nullable(),
    error: z
      .object({
        code: z.string(),
        message: z.string(),
        cell: NotebookCellSchema.optional(),
        runId: z.string(),
        statusUrl: z.string(),
        notebookUrl: z.string(),
      })
      .nullable(),
    durationMs: z.number().nullable(),
    cold: z.boolean().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    statusUrl: z.string(),
    notebookUrl: z.string(),
    callbackStatus: z.string().nullable(),
  })
  .openapi('Run');

const RunParams = z.object({
  name: DeploymentName.openapi({ param: { name: 'name', in: 'path' } }),
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, description: 'The run id.' }),
});

/**
 * Documents the runs routes where `runRoutes` is mounted (plain handlers, as the data plane's):
 * under the management API with the admin token, and under `/fn` with the invoke key.
 */
export function registerRunDocs(registry: OpenAPIHono['openAPIRegistry']): void {
  const security = [{ bearer: [] }];
  for (const [prefix, who] of [
    ['/api/deployments', 'the admin token'],
    ['/fn', 'the deployment’s invoke key or the admin token'],
  ] as const) {
    registry.registerPath({
      method: 'get',
      path: `${prefix}/{name}/runs/{id}`,
      summary: `One notebook run: status, parameters, outputs or error (with ${who})`,
      security,
      request: { params: RunParams },
      responses: {
        200: { description: 'The run', content: { 'application/json': { schema: RunSchema } } },
        ...errorResponses(401, 404, 503),
      },
    });
    registry.registerPath({
      method: 'get',
      path: `${prefix}/{name}/runs/{id}/notebook`,
      summary: `The executed notebook of a run (with ${who})`,
      security,
      request: { params: RunParams },
      responses: {
        200: {
          description: 'The executed .ipynb',
          content: {
            'application/x-ipynb+json': { schema: z.object({}).catchall(z.unknown()) },
          },
        },
        ...errorResponses(401, 404, 503),
      },
    });
  }
}
