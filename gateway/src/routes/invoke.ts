import { Hono } from 'hono';
import {
  decodeMlflowRequest,
  decodeRecordsBody,
  encodeMlflowResponse,
  encodeRecordsResponse,
} from '../invoke/codecs/index.js';
import type { Invoker } from '../invoke/invoker.js';
import type { NotebookCalls } from '../invoke/notebook-calls.js';
import { readJsonBody } from '../invoke/read-json-body.js';
import { runRoutes, type RunRoutesDeps } from './runs.js';

export interface InvokeRoutesDeps {
  invoker: Invoker;
  notebooks: NotebookCalls;
  runs: Omit<RunRoutesDeps, 'authorize'>;
  maxBodyBytes: number;
  maxBatch: number;
}

/** `/fn/:name`: the records API and the MLflow scoring formats. */
export function invokeRoutes({
  invoker,
  notebooks,
  runs,
  maxBodyBytes,
  maxBatch,
}: InvokeRoutesDeps) {
  const app = new Hono();

  // Run status and executed notebooks, with the deployment's invoke key (for async callers).
  app.route(
    '/:name/runs',
    runRoutes({
      ...runs,
      authorize: (c) =>
        invoker
          .authorize(c.req.param('name')!, c.req.header('authorization'))
          .then(() => undefined),
    }),
  );

  app.post('/:name', async (c) => {
    const started = performance.now();
    const record = await invoker.authorize(c.req.param('name'), c.req.header('authorization'));
    const target = await invoker.target(record);
    if (target.served.runtime.format === 'notebook') return notebooks.handle(c, target, started);
    const body = await readJsonBody(c, maxBodyBytes);
    let single = false;
    const result = await invoker.predict(
      target,
      body,
      (raw) => {
        const decoded = decodeRecordsBody(raw, maxBatch);
        single = decoded.single;
        return decoded.records;
      },
      'records',
      started,
      { signal: c.req.raw.signal },
    );
    c.header('X-Slipway-Version', String(result.version));
    return c.json(encodeRecordsResponse({ ...result, single, signature: target.served.signature }));
  });

  app.post('/:name/invocations', async (c) => {
    const started = performance.now();
    const record = await invoker.authorize(c.req.param('name'), c.req.header('authorization'));
    const target = await invoker.target(record);
    const body = await readJsonBody(c, maxBodyBytes);
    const signature = target.served.signature;
    const result = await invoker.predict(
      target,
      body,
      (raw) => decodeMlflowRequest(raw, signature, maxBatch),
      'mlflow',
      started,
      { signal: c.req.raw.signal },
    );
    c.header('X-Slipway-Version', String(result.version));
    return c.json(encodeMlflowResponse({ ...result, signature }));
  });

  return app;
}
