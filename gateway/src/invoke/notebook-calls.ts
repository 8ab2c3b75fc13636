import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { RunRepository, RunRow } from '../db/run-repository.js';
import {
  InvalidInputError,
  SlipwayError,
  TooLargeError,
  UnsupportedMediaTypeError,
} from '../errors.js';
import type { Signature } from '../protocol/signature.js';
import { fromCliString } from '../runtimes/notebook/notebook-signature.js';
import type { NotebookResult } from '../runtimes/notebook/notebook-runtime.js';
import type { Invoker, Target } from './invoker.js';
import { checkCallbackUrl } from './callback-url.js';
import { readJsonBody } from './read-json-body.js';

export interface NotebookCallsDeps {
  invoker: Invoker;
  runs: RunRepository;
  publicUrl: string;
  maxBodyBytes: number;
  /** Origins X-Callback-Url may name; `*` for any. */
  callbackOrigins: string[];
  /** Sends callbacks; `fetch` unless a test passes another. */
  fetch?: typeof fetch;
  reportError?: (err: unknown) => void;
}

/** The wire form of a run, as the status URL answers it. */
export function presentRun(row: RunRow, publicUrl: string) {
  const base = `${publicUrl}/fn/${row.deploymentName}/runs/${row.id}`;
  return {
    id: row.id,
    name: row.deploymentName,
    version: row.version,
    status: row.status,
    parameters: row.parameters,
    outputs: row.outputs ?? null,
    error: row.error ?? null,
    durationMs: row.durationMs ?? null,
    cold: row.cold ?? null,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    statusUrl: base,
    notebookUrl: `${base}/notebook`,
    callbackStatus: row.callbackStatus ?? null,
  };
}

/**
 * Calls of notebook deployments: parameters from JSON, a form or the query string; a run
 * record per call; synchronous answers, or 202 with a status URL and an optional callback.
 */
export class NotebookCalls {
  private readonly fetch: typeof fetch;
  constructor(private readonly deps: NotebookCallsDeps) {
    this.fetch = deps.fetch ?? fetch;
  }

  async handle(c: Context, target: Target, started: number): Promise<Response> {
    const { invoker, runs } = this.deps;
    const signature = target.served.signature;
    const parameters = await this.readParameters(c, signature);
    // Bad parameters are refused before a run exists, also in async mode.
    target.served.validate([parameters]);
    const id = randomUUID();
    const wantsAsync =
      c.req.query('async') === 'true' || /respond-async/i.test(c.req.header('prefer') ?? '');
    const callbackUrl = c.req.header('x-callback-url');
    if (callbackUrl !== undefined) checkCallbackUrl(callbackUrl, this.deps.callbackOrigins);
    await runs.start({
      id,
      deploymentName: target.record.name,
      version: target.served.version,
      parameters,
      callbackUrl,
    });

    // A synchronous run belongs to its caller and ends when the caller goes away; an
    // asynchronous one outlives the request that started it.
    const execute = async (signal?: AbortSignal) => {
      try {
        const result = await invoker.predict(target, parameters, (p) => [p], 'notebook', started, {
          id,
          signal,
        });
        const r = result.predictions[0] as unknown as NotebookResult;
        await runs.finish(id, {
          status: 'succeeded',
          outputs: r.outputs,
          cold: r.cold,
          durationMs: r.durationMs,
        });
        return { version: result.version, ...r };
      } catch (err) {
        const error = signal?.aborted
          ? {
              code: 'client_closed',
              message: 'the caller closed the connection; the run was cancelled',
            }
          : err instanceof SlipwayError
            ? { code: err.code, message: err.message }
            : { code: 'internal', message: 'internal error' };
        await runs.finish(id, { status: 'failed', error });
        throw err;
      } finally {
        if (callbackUrl) void this.callBack(target.record.name, id, callbackUrl);
      }
    };

    if (wantsAsync) {
      execute().catch(() => {}); // the outcome is in the run record (and the callback)
      const statusUrl = `${this.deps.publicUrl}/fn/${target.record.name}/runs/${id}`;
      c.header('Location', statusUrl);
      return c.json({ id, version: target.served.version, status: 'running', statusUrl }, 202);
    }
    const r = await execute(c.req.raw.signal);
    c.header('X-Slipway-Version', String(r.version));
    c.header('X-Slipway-Cold-Start', String(r.cold));
    return c.json({ id, version: r.version, outputs: r.outputs, durationMs: r.durationMs });
  }

  private async callBack(name: string, id: string, url: string): Promise<void> {
    const row = await this.deps.runs.get(name, id);
    if (!row) return;
    let status: string;
    try {
      const res = await this.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(presentRun(row, this.deps.publicUrl)),
        signal: AbortSignal.timeout(10_000),
      });
      status = `${res.status}`;
    } catch (err) {
      status = `failed: ${(err as Error).message}`;
      this.deps.reportError?.(new Error(`callback for run ${id} to ${url} failed`, { cause: err }));
    }
    await this.deps.runs.setCallbackStatus(id, status);
  }

  /** Parameters from the query string, merged with a JSON object or form body. */
  private async readParameters(c: Context, signature: Signature): Promise<Record<string, unknown>> {
    const types = new Map(signature.inputs.map((f) => [f.name, f.type]));
    const params: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c.req.queries())) {
      if (k === 'async') continue;
      params[k] = fromCliString(v[v.length - 1]!, types.get(k));
    }
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const length = Number(c.req.header('content-length') ?? '0');
    if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') {
      if (length > this.deps.maxBodyBytes)
        throw new TooLargeError(
          `request body is over the limit of ${this.deps.maxBodyBytes} bytes`,
        );
      const form = await c.req.parseBody();
      for (const [k, v] of Object.entries(form)) {
        if (typeof v !== 'string')
          throw new InvalidInputError(`parameter ${k}: files are not accepted; send text`, k);
        params[k] = fromCliString(v, types.get(k));
      }
      return params;
    }
    if (
      type === '' &&
      (length === 0 || c.req.header('content-length') === undefined) &&
      c.req.header('transfer-encoding') === undefined
    )
      return params;
    if (type !== '' && type !== 'application/json' && !type.endsWith('+json')) {
      throw new UnsupportedMediaTypeError(
        `expected a JSON object, a form, or parameters in the query string; got Content-Type ${type}`,
      );
    }
    const body = await readJsonBody(c, this.deps.maxBodyBytes);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new InvalidInputError('a notebook takes one JSON object of parameters, e.g. {"n": 3}');
    }
    return { ...params, ...(body as Record<string, unknown>) };
  }
}

/** Only absolute http(s) URLs are called back. */
