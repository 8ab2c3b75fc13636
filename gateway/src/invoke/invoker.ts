import { randomUUID } from 'node:crypto';
import { bearerToken, sameSecret } from '../auth/tokens.js';
import type { DeploymentRecord, DeploymentRepository } from '../db/deployment-repository.js';
import { NotFoundError, SlipwayError, UnauthorizedError } from '../errors.js';
import type { InvocationLog } from '../monitoring/invocation-log.js';
import type { RecordValue } from '../protocol/signature.js';
import type { Prediction } from '../runtimes/types.js';
import type { DeploymentCatalog } from '../serving/deployment-catalog.js';
import type { ModelHost, Served } from '../serving/model-host.js';

/** A call that passed authentication, bound to the version that answers it. */
export interface Target {
  record: DeploymentRecord;
  served: Served;
}

export interface InvokerDeps {
  catalog: DeploymentCatalog;
  repo: DeploymentRepository;
  host: ModelHost;
  log: InvocationLog;
  adminToken: string;
  /** When false, inputs and outputs are not kept in the invocation log. */
  recordInputs: boolean;
}

/** What one call produced, for the codecs to encode. */
export interface InvokeResult {
  id: string;
  ids: string[];
  version: number;
  predictions: Prediction[];
}

/**
 * The data plane without a transport: authorise, pick the version, validate, predict, log.
 * The REST adapters (records, Open Inference Protocol, MLflow) only decode and encode.
 */
export class Invoker {
  constructor(private readonly deps: InvokerDeps) {}

  /** Finds the deployment and checks the caller may invoke it. */
  async authorize(name: string, authorization: string | undefined): Promise<DeploymentRecord> {
    const record = await this.deps.catalog.get(name);
    if (record?.public) return record;
    const token = bearerToken(authorization);
    if (!token)
      throw new UnauthorizedError(
        `deployment ${name} needs a key: send "Authorization: Bearer <invoke key>"`,
      );
    if (sameSecret(token, this.deps.adminToken)) {
      if (!record) throw new NotFoundError(`deployment ${name}`);
      return record;
    }
    const owner = await this.deps.catalog.keyOwner(token);
    if (owner !== name) throw new UnauthorizedError(`the key is not valid for deployment ${name}`);
    if (!record) throw new NotFoundError(`deployment ${name}`);
    return record;
  }

  /** The live version, or `version` when given; loads it when it is not in memory. */
  async target(record: DeploymentRecord, version?: number): Promise<Target> {
    const v = version ?? record.liveVersion;
    const warm = this.deps.host.peek(record.name, v);
    if (warm) return { record, served: warm };
    const versionRecord =
      v === record.liveVersion ? record.live : await this.deps.repo.version(record.name, v);
    if (!versionRecord) throw new NotFoundError(`version ${v} of deployment ${record.name}`);
    return { record, served: await this.deps.host.acquire(versionRecord, record.pool) };
  }

  /**
   * Decodes, validates and predicts, logging the call whatever happens.
   * `rawInput` is what the log keeps as the call's input; `decode` turns it into records
   * (it runs inside so that a call with a malformed body is logged too).
   * `signal`: the caller's request; when it aborts (the client went away) the runtime drops
   * the call's work (a queued or running notebook is cancelled) and the log says 499.
   */
  async predict(
    target: Target,
    rawInput: unknown,
    decode: (input: unknown) => unknown[],
    protocol: string,
    started: number,
    { id = randomUUID(), signal }: { id?: string; signal?: AbortSignal } = {},
  ): Promise<InvokeResult> {
    const { served } = target;
    try {
      const validated: RecordValue[] = served.validate(decode(rawInput));
      const predictions = await served.runtime.predict(validated, { requestId: id, signal });
      const ids = predictions.length === 1 ? [id] : predictions.map((_, i) => `${id}:${i}`);
      this.logCall(id, target, protocol, started, 200, rawInput, predictions, null);
      return { id, ids, version: served.version, predictions };
    } catch (err) {
      // nginx's 499: nobody is left to answer, and the call's failure is not the model's.
      const closed = signal?.aborted === true;
      const status = closed ? 499 : err instanceof SlipwayError ? err.status : 500;
      const error = closed
        ? { code: 'client_closed', message: 'the caller closed the connection before the answer' }
        : err instanceof SlipwayError
          ? { code: err.code, message: err.message }
          : { code: 'internal', message: 'internal error' };
      this.logCall(id, target, protocol, started, status, rawInput, null, error);
      throw err;
    }
  }

  private logCall(
    id: string,
    target: Target,
    protocol: string,
    started: number,
    status: number,
    input: unknown,
    output: unknown,
    error: { code: string; message: string } | null,
  ): void {
    const keep = this.deps.recordInputs;
    this.deps.log.record({
      id,
      deploymentName: target.record.name,
      version: target.served.version,
      time: new Date(),
      latencyMs: performance.now() - started,
      status,
      protocol,
      input: keep ? input : null,
      output: keep ? output : null,
      error,
    });
  }
}
