import { USER_HEADER } from '../identity/authenticator.js';
import { Hono, type MiddlewareHandler } from 'hono';
import { encodeMlflowResponse, encodeRecordsResponse, mlflowCodec } from '../codecs/index.js';
import type { DataPlane } from '../data-plane/index.js';
import type { CallEnv } from '../middleware/call-id.js';
import { callerOf, readParameters, setIgnoredFields, setWarnings } from './call-context.js';
import { readJsonBody, readRequestBody } from './read-json-body.js';
import type { FeedbackService } from '../monitoring/feedback/feedback-service.js';
import { runRoutes, type RunRoutesDeps } from './runs.js';

export interface InvokeRoutesDeps {
  dataPlane: DataPlane;
  feedback: FeedbackService;
  runs: Omit<RunRoutesDeps, 'auth'>;
  maxBodyBytes: number;
  maxBatch: number;
}

/**
 * `/fn/:name`: the records API (or a notebook's parameters) and the MLflow scoring formats.
 * Each route reads the transport, makes one data-plane call, and encodes its result.
 */
export function invokeRoutes({
  dataPlane,
  feedback,
  runs,
  maxBodyBytes,
  maxBatch,
}: InvokeRoutesDeps) {
  const app = new Hono<CallEnv>();
  const mlflow = mlflowCodec(maxBatch);

  // Run status and executed notebooks, with the deployment's invoke key (for async callers).
  const invokeKey: MiddlewareHandler<CallEnv> = async (c, next) => {
    const { name, token } = callerOf(c);
    await dataPlane.authorize(name, token, c.req.header(USER_HEADER));
    await next();
  };
  app.route('/:name/runs', runRoutes({ ...runs, auth: invokeKey }));

  app.post('/:name', async (c) => {
    const result = await dataPlane.invoke({
      ...callerOf(c),
      records: () => readRequestBody(c, maxBodyBytes),
      parameters: () => readParameters(c, maxBodyBytes),
      async: c.req.query('async') === 'true' || /respond-async/i.test(c.req.header('prefer') ?? ''),
      callbackUrl: c.req.header('x-callback-url'),
    });
    c.header('X-Slipway-Version', String(result.version));
    setIgnoredFields(c, result.ignoredFields);
    setWarnings(c, result.warnings);
    if (result.kind === 'predictions') {
      c.header('X-Slipway-Cold-Start', String(result.cold));
      return c.json(encodeRecordsResponse({ ...result, single: result.meta.single }));
    }
    if (result.status === 'running') {
      c.header('Location', result.statusUrl);
      const { id, version, status, statusUrl } = result;
      return c.json({ id, version, status, statusUrl }, 202);
    }
    c.header('X-Slipway-Cold-Start', String(result.cold));
    const { id, version, outputs, durationMs } = result;
    return c.json({ id, version, outputs, durationMs });
  });

  // Ground truth for predictions, with the invoke key (or the admin token).
  app.post('/:name/feedback', async (c) => {
    const { name, token } = callerOf(c);
    await dataPlane.authorize(name, token, c.req.header(USER_HEADER));
    const result = await feedback.submit(name, await readJsonBody(c, maxBodyBytes));
    // Some stored: 200. None: 404 when no id was found, else 400; the items say why, each.
    const status =
      result.accepted > 0 ? 200 : result.items.every((i) => i.status === 'not_found') ? 404 : 400;
    return c.json(result, status);
  });

  app.post('/:name/invocations', async (c) => {
    const result = await dataPlane.infer({
      ...callerOf(c),
      codec: mlflow,
      body: () => readRequestBody(c, maxBodyBytes),
    });
    c.header('X-Slipway-Version', String(result.version));
    setIgnoredFields(c, result.ignoredFields);
    setWarnings(c, result.warnings);
    return c.json(encodeMlflowResponse(result));
  });

  return app;
}
