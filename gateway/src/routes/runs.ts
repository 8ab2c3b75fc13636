import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { presentRun } from '../data-plane/index.js';
import type { RunRepository } from '../db/run-repository.js';
import { NotFoundError } from '../errors.js';
import { readExecutedNotebook } from '../runtimes/notebook/notebook-runtime.js';

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
    const row = /^[0-9a-f-]{36}$/.test(id) ? await runs.get(name, id) : undefined;
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
