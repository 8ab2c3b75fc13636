import { DeadlineError, NotReadyError, SlipwayError, type ErrorStatus } from '../errors.js';
import type { Format } from '../protocol/deployments.js';
import type { RecordValue, Signature } from '../protocol/signature.js';
import type {
  CallOptions,
  ModelRuntime,
  NotebookRun,
  NotebookRuntime,
  Prediction,
  RuntimeKind,
} from '../runtimes/types.js';
import type {
  RunnerDescription,
  RunnerPredictRequest,
  RunnerPredictResponse,
  RunnerRunRequest,
} from './runner-protocol.js';

/** How long describing a runner may take; a call's own deadline bounds the others. */
const DESCRIBE_TIMEOUT_MS = 30_000;

/**
 * A runtime whose replica is a runner elsewhere (a pod): `load` asks it what it serves, and
 * every call goes to it over HTTP with the runner token. Its errors come back as the runner's
 * runtime threw them (status, code and message), so a caller sees what a local replica says.
 */
export class RunnerClient implements ModelRuntime, Omit<NotebookRuntime, 'kind'> {
  readonly kind: 'model';
  private description: RunnerDescription | undefined;

  constructor(
    readonly format: Format,
    kind: RuntimeKind,
    private readonly url: string,
    private readonly token: string,
  ) {
    // The kind of what it stands for; `model` here only satisfies the compiler.
    this.kind = kind as 'model';
  }

  async load(signal?: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(DESCRIBE_TIMEOUT_MS);
    this.description = await this.call<RunnerDescription>('GET', '/v1/describe', undefined, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  }

  signature(): Signature {
    if (!this.description) throw new NotReadyError(`the runner at ${this.url} is not described`);
    return this.description.signature;
  }

  warnings(): string[] {
    return this.description?.warnings ?? [];
  }

  async unload(): Promise<void> {
    this.description = undefined;
  }

  async predict(records: RecordValue[], options: CallOptions): Promise<Prediction[]> {
    const body: RunnerPredictRequest = {
      records,
      requestId: options.requestId,
      timeoutMs: options.timeoutMs,
      warmup: options.warmup,
    };
    const answer = await this.call<RunnerPredictResponse>('POST', '/v1/predict', body, options);
    for (const w of answer.warnings) options.warn?.(w);
    return answer.predictions;
  }

  get parameterMode(): NotebookRuntime['parameterMode'] {
    return 'typed';
  }

  parameterWarnings(): string[] {
    return [];
  }

  async run(
    parameters: RecordValue,
    options: CallOptions,
    text?: Readonly<Record<string, string>>,
  ): Promise<NotebookRun> {
    const body: RunnerRunRequest = {
      parameters,
      text: text && { ...text },
      requestId: options.requestId,
      timeoutMs: options.timeoutMs,
    };
    return this.call<NotebookRun>('POST', '/v1/run', body, options);
  }

  private async call<T>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    options: Pick<CallOptions, 'signal' | 'timeoutMs'>,
  ): Promise<T> {
    // The runner gives up at the deadline itself; this bound only covers a runner gone silent.
    const bound = options.timeoutMs ? AbortSignal.timeout(options.timeoutMs + 5_000) : undefined;
    const signal = [options.signal, bound].filter((s): s is AbortSignal => s !== undefined);
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal.length ? AbortSignal.any(signal) : undefined,
      });
    } catch (err) {
      if (bound?.aborted)
        throw new DeadlineError(`the runner did not answer within ${options.timeoutMs} ms`);
      if (options.signal?.aborted) throw options.signal.reason;
      // Its pod is gone (scaled down by another gateway, evicted): the replica goes with it.
      throw new SlipwayError(
        503,
        'replica_gone',
        `the runner at ${this.url} cannot be reached: ${(err as Error).message}`,
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SlipwayError(502, 'bad_gateway', `the runner answered ${res.status} with no JSON`);
    }
    if (res.ok) return parsed as T;
    const error = (parsed as { error?: { code?: string; message?: string; field?: string } }).error;
    throw new SlipwayError(
      res.status as ErrorStatus,
      error?.code ?? 'runner_error',
      error?.message ?? `the runner answered ${res.status}`,
      error?.field,
    );
  }
}
