import { Hono } from 'hono';
import { sameSecret } from '../auth/tokens.js';
import { encodeRecordsResponse, recordsCodec } from '../codecs/index.js';
import { decodeRecordsOffThread } from '../data-plane/decode-records.js';
import { runParameters } from '../data-plane/parameters.js';
import { NotFoundError, NotReadyError, UnauthorizedError } from '../errors.js';
import type { CallEnv } from '../middleware/call-id.js';
import type { RecordValue, Signature } from '../protocol/signature.js';
import { callerOf, readParameters, setIgnoredFields, setWarnings } from '../routes/call-context.js';
import { readRequestBody } from '../routes/read-json-body.js';
import type { Runtime } from '../runtimes/types.js';
import type { ServingOptions } from '../serving/serving-options.js';
import type { RecordValidator } from '../validation/validate-records.js';

/** The one version a runner serves to callers, once loaded. */
export interface ServedVersion {
  runtime: Runtime;
  signature: Signature;
  validate: RecordValidator;
  options: ServingOptions;
}

export interface RunnerInvokeDeps {
  /** The deployment's name: `/fn/<name>` is the only function here. */
  name: string;
  version: number;
  /** The key callers must send; none: anyone may call, as a public deployment. */
  invokeKey?: string;
  served: () => ServedVersion | undefined;
  maxBodyBytes: number;
  maxBatch: number;
}

/**
 * `POST /fn/:name` of a runner that stands alone (an export bundle): the gateway's records API
 * and notebook calls, with its codec, its validation, its ids and its errors, for the one
 * version the runner serves. What the gateway adds around a call (the invocation log,
 * feedback, traffic splits, asynchronous runs) is not here: there is no database.
 */
export function runnerInvokeRoutes(deps: RunnerInvokeDeps) {
  const app = new Hono<CallEnv>();
  const records = recordsCodec(deps.maxBatch);

  app.post('/:name', async (c) => {
    const caller = callerOf(c);
    // As the gateway: 401 before 404, so names do not leak to strangers.
    if (deps.invokeKey !== undefined) {
      if (!caller.token)
        throw new UnauthorizedError(
          `deployment ${caller.name} needs a key: send "Authorization: Bearer <invoke key>"`,
        );
      if (!sameSecret(caller.token, deps.invokeKey) || caller.name !== deps.name)
        throw new UnauthorizedError(`the key is not valid for deployment ${caller.name}`);
    }
    if (caller.name !== deps.name) throw new NotFoundError(`deployment ${caller.name}`);
    const served = deps.served();
    if (!served) throw new NotReadyError(`deployment ${deps.name} is still loading its model`);
    const { runtime } = served;
    // On answers only, as the gateway's: an error carries no version.
    const answered = () => {
      c.header('X-Slipway-Version', String(deps.version));
      c.header('X-Slipway-Cold-Start', 'false');
    };

    if (runtime.kind === 'notebook') {
      const taken = runParameters(
        await readParameters(c, deps.maxBodyBytes),
        served.signature,
        served.validate,
        runtime,
      );
      const run = await runtime.run(
        taken.passed,
        { requestId: caller.requestId, timeoutMs: served.options.timeoutMs, signal: caller.signal },
        taken.text,
      );
      answered();
      setIgnoredFields(c, taken.ignored);
      setWarnings(c, taken.warnings);
      const { outputs, durationMs } = run;
      return c.json({ id: caller.requestId, version: deps.version, outputs, durationMs });
    }

    const body = await readRequestBody(c, deps.maxBodyBytes);
    let decoded: { records: RecordValue[]; meta: { single: boolean }; ignored: readonly string[] };
    if ('json' in body) {
      const { records: raw, meta } = records.decode(body.json, served.signature);
      decoded = { ...served.validate(raw), meta };
    } else {
      const answer = await decodeRecordsOffThread({
        jsonBytes: body.jsonBytes,
        protocol: 'records',
        maxBatch: deps.maxBatch,
        signature: served.signature,
        unknownFields: served.options.unknownFields,
      });
      decoded = { ...answer, meta: answer.meta as { single: boolean } };
    }
    const warnings: string[] = [];
    const predictions = await runtime.predict(decoded.records, {
      requestId: caller.requestId,
      version: deps.version,
      timeoutMs: served.options.timeoutMs,
      signal: caller.signal,
      warn: (w) => warnings.push(w),
    });
    const id = caller.requestId;
    const ids = predictions.length === 1 ? [id] : predictions.map((_, i) => `${id}:${i}`);
    answered();
    setIgnoredFields(c, decoded.ignored);
    setWarnings(c, warnings);
    return c.json(
      encodeRecordsResponse({
        single: decoded.meta.single,
        id,
        ids,
        version: deps.version,
        predictions,
        signature: served.signature,
      }),
    );
  });
  return app;
}
