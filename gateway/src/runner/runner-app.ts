import { Hono } from 'hono';
import { bearerToken, sameSecret } from '../auth/tokens.js';
import { InvalidInputError, SlipwayError, UnauthorizedError } from '../errors.js';
import type { ErrorStatus } from '../errors.js';
import type { ModelRuntime, NotebookRuntime, Runtime } from '../runtimes/types.js';
import type {
  RunnerDescription,
  RunnerPredictRequest,
  RunnerPredictResponse,
  RunnerRunRequest,
} from './runner-protocol.js';

/**
 * A runner's HTTP face: `/healthz` (ready once `runtime()` answers a loaded runtime, the
 * readiness probe), and behind the runner token `/v1/describe`, `/v1/predict` and `/v1/run`.
 * Validation, logging and prediction ids are the gateway's: the runner only scores.
 */
export function runnerApp(opts: { token: string; runtime: () => Runtime | undefined }) {
  const app = new Hono();
  app.onError((err, c) => {
    const known =
      err instanceof SlipwayError
        ? err
        : new SlipwayError(500, 'internal', `the runner failed: ${err.message}`);
    return c.json(known.toBody(), known.status as ErrorStatus);
  });
  app.get('/healthz', (c) =>
    opts.runtime() ? c.json({ ready: true }) : c.json({ ready: false }, 503),
  );
  app.use('/v1/*', async (c, next) => {
    const given = bearerToken(c.req.header('authorization'));
    if (!given || !sameSecret(given, opts.token)) throw new UnauthorizedError();
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
