import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { bearerToken, sameSecret } from '../auth/tokens.js';
import {
  InvalidInputError,
  NotFoundError,
  SlipwayError,
  toErrorResponse,
  UnauthorizedError,
} from '../errors.js';
import { callId } from '../middleware/call-id.js';
import type { ModelRuntime, NotebookRuntime, Runtime } from '../runtimes/types.js';
import type {
  RunnerDescription,
  RunnerPredictRequest,
  RunnerPredictResponse,
  RunnerRunRequest,
} from './runner-protocol.js';
import { runnerInvokeRoutes, type RunnerInvokeDeps } from './invoke-routes.js';

/**
 * A runner's HTTP face: `/healthz` (ready once `runtime()` answers a loaded runtime, the
 * readiness probe), and behind the runner token `/v1/describe`, `/v1/predict` and `/v1/run`:
 * there validation, logging and prediction ids are the gateway's, and the runner only scores.
 * With `invoke` (a runner that stands alone: an export bundle), also the gateway's public
 * `POST /fn/:name`; without a token, no `/v1` routes.
 */
export function runnerApp(opts: {
  token?: string;
  runtime: () => Runtime | undefined;
  invoke?: RunnerInvokeDeps;
}) {
  const app = new Hono();
  app.onError((err, c) => {
    // The gateway's mapping (app.ts), so that a bundle's errors read as the gateway's.
    if (err instanceof HTTPException && !(err instanceof SlipwayError)) {
      const code = err.status === 413 ? 'too_large' : 'http_error';
      return c.json({ error: { code, message: err.message || 'request failed' } }, err.status);
    }
    if (!(err instanceof SlipwayError)) console.error('[slipway-runner]', err);
    // The gateway, its only caller on /v1, reports what failed in its own log.
    const known =
      !(err instanceof SlipwayError) && c.req.path.startsWith('/v1/')
        ? new SlipwayError(500, 'internal', `the runner failed: ${err.message}`)
        : err;
    const { status, body } = toErrorResponse(known);
    return c.json(body, status);
  });
  app.notFound((c) =>
    c.json(new NotFoundError(`route ${c.req.method} ${c.req.path}`).toBody(), 404),
  );
  app.get('/healthz', (c) =>
    opts.runtime() ? c.json({ ready: true }) : c.json({ ready: false }, 503),
  );
  if (opts.invoke) {
    app.use('/fn/*', callId());
    app.route('/fn', runnerInvokeRoutes(opts.invoke));
  }
  const { token } = opts;
  if (token === undefined) return app;
  app.use('/v1/*', async (c, next) => {
    const given = bearerToken(c.req.header('authorization'));
    if (!given || !sameSecret(given, token)) throw new UnauthorizedError();
    await next();
  });
  const loaded = (): Runtime => {
    const r = opts.runtime();
    if (!r) throw new SlipwayError(503, 'not_ready', 'the runner is still loading its model');
    return r;
  };
  const body = async <T>(c: { req: { json(): Promise<unknown> } }): Promise<T> => {
    try {
      return (await c.req.json()) as T;
    } catch {
      throw new InvalidInputError('body: expected JSON', 'body');
    }
  };
  app.get('/v1/describe', (c) => {
    const r = loaded();
    const description: RunnerDescription = {
      kind: r.kind,
      signature: r.signature(),
      warnings: r.warnings?.() ?? [],
    };
    return c.json(description);
  });
  app.post('/v1/predict', async (c) => {
    const r = loaded();
    if (r.kind !== 'model') throw new InvalidInputError('this runner runs a notebook');
    const req = await body<RunnerPredictRequest>(c);
    const warnings: string[] = [];
    const predictions = await (r as ModelRuntime).predict(req.records, {
      requestId: req.requestId,
      timeoutMs: req.timeoutMs,
      warmup: req.warmup,
      signal: c.req.raw.signal,
      warn: (w) => warnings.push(w),
    });
    const answer: RunnerPredictResponse = { predictions, warnings };
    return c.json(answer);
  });
  app.post('/v1/run', async (c) => {
    const r = loaded();
    if (r.kind !== 'notebook') throw new InvalidInputError('this runner scores a model');
    const req = await body<RunnerRunRequest>(c);
    const run = await (r as NotebookRuntime).run(
      req.parameters,
      { requestId: req.requestId, timeoutMs: req.timeoutMs, signal: c.req.raw.signal },
      req.text,
    );
    return c.json(run);
  });
  return app;
}
