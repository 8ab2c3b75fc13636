import { randomUUID } from 'node:crypto';
import type { DeploymentRecord, DeploymentRepository } from '../db/deployment-repository.js';
import { SHADOW_PROTOCOL } from '../db/invocation-repository.js';
import { DeadlineError, describeFailure, NotFoundError, NotReadyError } from '../errors.js';
import type { InvocationLog } from '../monitoring/invocation-log.js';
import type { RecordValue } from '../protocol/signature.js';
import type { ModelHost, Served } from '../serving/model-host.js';

export interface ShadowCallsDeps {
  repo: DeploymentRepository;
  host: ModelHost;
  log: InvocationLog;
  /** When false, inputs and outputs are not kept in the invocation log. */
  recordInputs: boolean;
  /** Shadow calls under way per deployment; copies beyond it are dropped (and counted). */
  maxInFlight: number;
  /** Longest a shadow call may take before it is logged as a 504 and its slot freed. */
  timeoutMs: number;
  reportError?: (err: unknown) => void;
}

/** What a deployment's shadow did since this gateway started. */
export interface ShadowStats {
  /** Copies sent to the shadow. */
  sent: number;
  /** Copies dropped because `maxInFlight` shadow calls were already under way. */
  dropped: number;
  /** Shadow calls under way now. */
  inFlight: number;
}

/**
 * Copies of live calls sent to a deployment's shadow version, in the background: the caller
 * never waits for them, a failing or slow shadow never touches the live answer, and each copy's
 * outcome is logged as its own invocation row (`protocol: 'shadow'`, the shadow's version).
 * Bounded per deployment: past `maxInFlight` copies are dropped and counted, and each copy has a
 * deadline after which it is logged as a 504 (its runtime is told to stop through its signal).
 */
export class ShadowCalls {
  private readonly stats = new Map<string, ShadowStats>();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: ShadowCallsDeps) {}

  /** Sends a copy of a successful call's validated records to `record`'s shadow, if it has one. */
  send(record: DeploymentRecord, servedVersion: number, records: RecordValue[]): void {
    const version = record.shadowVersion;
    // A call the shadow version answered itself (it is in the split) has nothing to compare.
    if (version === null || version === servedVersion) return;
    const stats = this.statsOf(record.name);
    if (stats.inFlight >= this.deps.maxInFlight) {
      stats.dropped++;
      return;
    }
    stats.sent++;
    stats.inFlight++;
    const call = this.call(record, version, records)
      .catch((err: unknown) => this.deps.reportError?.(err))
      .finally(() => {
        stats.inFlight--;
        this.pending.delete(call);
      });
    this.pending.add(call);
  }

  /** The deployment's shadow counters (zeros when it never had a shadow). */
  statsFor(name: string): ShadowStats {
    return { ...(this.stats.get(name) ?? { sent: 0, dropped: 0, inFlight: 0 }) };
  }

  /** Resolves once every shadow call under way now has been logged (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Forgets a deleted deployment's counters. */
  forget(name: string): void {
    this.stats.delete(name);
  }

  private statsOf(name: string): ShadowStats {
    let stats = this.stats.get(name);
    if (!stats) this.stats.set(name, (stats = { sent: 0, dropped: 0, inFlight: 0 }));
    return stats;
  }

  /** One copy: load the shadow if needed, predict under the deadline, log what happened. */
  private async call(record: DeploymentRecord, version: number, records: RecordValue[]) {
    const started = performance.now();
    const id = randomUUID();
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(
          new DeadlineError(`the shadow version did not answer within ${this.deps.timeoutMs} ms`),
        );
      }, this.deps.timeoutMs);
      timer.unref();
    });
    let input: unknown = records;
    let output: unknown = null;
    let outcome: ReturnType<typeof describeFailure> | { status: 200; error: null };
    try {
      const work = (async () => {
        const served = await this.load(record, version);
        if (served.runtime.kind !== 'model')
          throw new NotReadyError(`version ${version} is a notebook: notebooks are not shadowed`);
        const validated = served.validate(records);
        input = validated.records;
        const release = this.deps.host.hold(served);
        try {
          return await served.runtime.predict(validated.records, {
            requestId: id,
            timeoutMs: Math.min(served.options.timeoutMs, this.deps.timeoutMs),
            signal: abort.signal,
          });
        } finally {
          release();
        }
      })();
      // The deadline answers for a runtime that does not heed the signal; its work is left to end.
      work.catch(() => {});
      output = await Promise.race([work, deadline]);
      outcome = { status: 200, error: null };
    } catch (err) {
      outcome = describeFailure(err);
    } finally {
      clearTimeout(timer);
    }
    const keep = this.deps.recordInputs;
    await this.deps.log.record({
      id,
      deploymentName: record.name,
      version,
      time: new Date(),
      latencyMs: performance.now() - started,
      status: outcome.status,
      protocol: SHADOW_PROTOCOL,
      input: keep ? input : null,
      output: keep && outcome.error === null ? output : null,
      error: outcome.error,
      ignoredFields: null,
      // Not monitored: nobody holds its prediction ids, so no feedback can reach them.
      monitored: null,
    });
  }

  private async load(record: DeploymentRecord, version: number): Promise<Served> {
    const warm = this.deps.host.peek(record.name, version);
    if (warm) return warm;
    const v = await this.deps.repo.version(record.name, version);
    if (!v) throw new NotFoundError(`version ${version} of deployment ${record.name}`);
    return this.deps.host.acquire(v, record.pool);
  }
}
