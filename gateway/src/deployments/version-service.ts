import type {
  DeploymentRecord,
  DeploymentRepository,
  VersionRecord,
} from '../db/deployment-repository.js';
import type { InvocationRepository } from '../db/invocation-repository.js';
import type { CanaryRecord, VersionRepository } from '../db/version-repository.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import type { InvocationLog } from '../monitoring/invocation-log.js';
import { lowerIsBetter, metricValue } from '../monitoring/quality/index.js';
import type { QualityService } from '../monitoring/quality-service.js';
import type { QualityMetricName } from '../protocol/monitoring.js';
import type {
  CanaryPolicy,
  CanarySide,
  CanaryView,
  GateResult,
  RetrainDecision,
  RetrainingPolicy,
  VersionEvent,
  VersionState,
  VersionTimeline,
  VersionTimelineEntry,
} from '../protocol/retraining.js';
import type { ModelHost } from '../serving/model-host.js';
import { DEFAULT_CANARY } from '../retraining/policy.js';
import { canaryPolicyProblem, canaryVerdict } from './canary-verdict.js';
import type { DeploymentService, LiveChange } from './deployment-service.js';
import type { TrafficService } from './traffic-service.js';

/** Who made a version live. */
export type PromotedBy = 'manual' | 'auto' | 'canary';

export interface VersionServiceDeps {
  repo: DeploymentRepository;
  versions: VersionRepository;
  deployments: Pick<DeploymentService, 'makeLive'>;
  traffic: Pick<TrafficService, 'setTraffic' | 'clearTraffic' | 'clearShadow'>;
  host: Pick<ModelHost, 'acquire' | 'retire'>;
  invocations: Pick<InvocationRepository, 'metrics'>;
  log: Pick<InvocationLog, 'flush'>;
  quality: Pick<QualityService, 'report'>;
  /**
   * The canary settings of the deployment's retraining policy, which a canary started without
   * them gets; without this dep, the policy's defaults.
   */
  canaryDefaults?: (
    name: string,
  ) => Promise<{ canary: CanaryPolicy; metric: QualityMetricName | null }>;
  /** A version's task, which picks the figure a canary is judged on when none is given. */
  task: (name: string, version: number) => Promise<'classification' | 'regression' | null>;
  /** Told when a deployment's versions changed (the monitor refreshes). */
  onChange?: (name: string) => void;
  now?: () => Date;
  reportError?: (err: unknown) => void;
}

/**
 * A deployment's versions through their lives: published or made by retraining (candidates),
 * promoted, tried as a canary on a share of the calls, rolled back, retired. Every change is
 * recorded as a version event with the figures it was decided on. Changes of one deployment
 * run one at a time, so that a timer's analysis and a person's promotion cannot interleave.
 */
export class VersionService {
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly now: () => Date;
  private lastStamp = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: VersionServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Each version, newest first, with its state, share of the calls, origin and events. */
  async timeline(name: string): Promise<VersionTimeline> {
    const record = await this.require(name);
    const [versions, events, canary] = await Promise.all([
      this.deps.repo.versions(name),
      this.deps.versions.events(name),
      this.deps.versions.canary(name),
    ]);
    const runIds = versions.flatMap((v) => (v.retrainRunId ? [v.retrainRunId] : []));
    const triggers = await this.deps.versions.retrainTriggers(runIds);
    const shares = new Map(record.traffic?.shares.map((s) => [s.version, s.percent]));
    const canaryVersion = canary?.status === 'running' ? canary.version : null;
    const entries = versions.map((v): VersionTimelineEntry => ({
      version: v.version,
      format: v.format,
      state: stateOf(v, record, canaryVersion),
      trafficPercent: shares.get(v.version) ?? null,
      origin: v.retrainRunId
        ? {
            kind: 'retraining',
            runId: v.retrainRunId,
            // A run is deleted only with its deployment; 'api' stands in should one be gone.
            trigger: triggers.get(v.retrainRunId) ?? 'api',
          }
        : { kind: 'upload', filename: v.filename },
      gate: (v.gate ?? null) as GateResult | null,
      createdAt: v.createdAt.toISOString(),
      events: events.filter((e) => e.version === v.version),
    }));
    return { name, versions: entries, canary: canary ? presentCanary(canary) : null };
  }

  /**
   * Makes `version` live: a candidate that passed its gate, a canary that did as well as live,
   * or any earlier version a person picks. A running canary ends (promoted when it is this
   * version). 404 for an unknown version, 409 for a retired or already live one.
   */
  promote(
    name: string,
    version: number,
    by: PromotedBy,
    detail: Record<string, unknown> = {},
  ): Promise<VersionTimeline> {
    return this.serial(name, async () => {
      await this.promoteNow(name, version, by, detail);
      return this.timeline(name);
    });
  }

  /**
   * Retires a version: it leaves the split and the shadow, is unloaded, and is never promoted
   * (publish it again to serve it). The live version cannot be retired (409).
   */
  retire(name: string, version: number): Promise<VersionTimeline> {
    return this.serial(name, async () => {
      const record = await this.require(name);
      const v = await this.requireVersion(name, version);
      if (record.liveVersion === version)
        throw new ConflictError(
          `version ${version} is the live version of deployment ${name}; make another version live before retiring it`,
          'version_live',
        );
      if (v.stage !== 'retired') {
        const canary = await this.deps.versions.canary(name);
        if (canary?.status === 'running' && canary.version === version)
          await this.rollBack(name, canary, { by: 'manual', reason: 'the canary was retired' });
        await this.unroute(name, version);
        await this.deps.repo.setStage(name, version, 'retired');
        await this.record(name, version, 'retired', { by: 'manual' });
        void this.deps.host.retire(name, version).catch(() => {});
        this.deps.onChange?.(name);
      }
      return this.timeline(name);
    });
  }

  /**
   * Sends `percent` of the calls that name no version to `version` and the rest to live, and
   * watches both: `analyzeCanary` decides. The deployment's retraining policy supplies what
   * `overrides` leaves out. `metric` is the quality figure compared when the policy asks for
   * labels (default: the policy's, else accuracy for classifiers, rmse for regressors). 409
   * when the version is live or retired, or a canary already runs.
   */
  startCanary(
    name: string,
    version: number,
    overrides: Partial<CanaryPolicy> = {},
    metric?: QualityMetricName | null,
  ): Promise<CanaryView> {
    return this.serial(name, () => this.startCanaryNow(name, version, overrides, metric));
  }

  /** The deployment's canary (running, or the last one); 404 when it never had one. */
  async canary(name: string): Promise<CanaryView> {
    await this.require(name);
    const canary = await this.deps.versions.canary(name);
    if (!canary) throw new NotFoundError(`canary of deployment ${name}`, 'no_canary');
    return presentCanary(canary);
  }

  /**
   * Measures the running canary and live since the canary started (calls, error rate, p95
   * from the invocation log; quality from the labels when the policy asks for them) and acts
   * on the verdict: wait, promote, or roll back (the split is cleared and the canary retired).
   * The analysis is stored on the canary and the decision recorded with its figures. A canary
   * that already ended is answered as it is.
   */
  analyzeCanary(name: string, now?: Date): Promise<CanaryView> {
    return this.serial(name, async () => {
      const canary = await this.requireCanary(name);
      if (canary.status !== 'running') return presentCanary(canary);
      const record = await this.require(name);
      if (record.liveVersion !== canary.liveVersion) {
        // Changed elsewhere (another gateway on the same database): the comparison is void.
        await this.rollBack(name, canary, {
          by: 'canary',
          reason: `live changed from version ${canary.liveVersion} to ${record.liveVersion}`,
        });
      } else if (!record.traffic?.shares.some((s) => s.version === canary.version && s.percent)) {
        // The split was changed by hand: the canary gets no calls and would wait for ever.
        await this.rollBack(name, canary, {
          by: 'manual',
          reason: `the traffic split no longer sends calls to version ${canary.version}`,
        });
      } else {
        await this.judge(name, canary, now ?? this.now());
      }
      return presentCanary(await this.requireCanary(name));
    });
  }

  /** Analyses every running canary (the timer's work); failures are reported, not thrown. */
  async analyzeAll(): Promise<void> {
    const names = await this.deps.versions.runningCanaries();
    await Promise.all(
      names.map((n) => this.analyzeCanary(n).catch((err: unknown) => this.deps.reportError?.(err))),
    );
  }

  /** Stops a running canary by hand: live answers every call again; the version stays as it was. */
  stopCanary(name: string): Promise<CanaryView> {
    return this.serial(name, async () => {
      const canary = await this.requireCanary(name);
      if (canary.status !== 'running')
        throw new ConflictError(
          `the canary of deployment ${name} (version ${canary.version}) already ended: ${canary.status.replace('_', ' ')}`,
          'canary_ended',
        );
      await this.rollBack(name, canary, { by: 'manual', reason: 'stopped by hand' });
      return presentCanary(await this.requireCanary(name));
    });
  }

  /** Analyses running canaries every `intervalMs` until `stop()`. */
  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.analyzeAll(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * What becomes of a retraining run's candidate once its gate is computed: the gate is
   * stored and recorded; a candidate that passed is promoted, tried as a canary or left for a
   * person, as the policy says.
   */
  candidateGated(
    name: string,
    version: number,
    gate: GateResult,
    policy: RetrainingPolicy,
  ): Promise<RetrainDecision> {
    return this.serial(name, async () => {
      await this.deps.repo.setGate(name, version, gate);
      await this.record(name, version, 'gate', { ...gate });
      this.deps.onChange?.(name);
      if (!gate.passed) return 'not_promoted';
      switch (policy.promotion) {
        case 'manual':
          return 'awaiting_promotion';
        case 'auto':
          await this.promoteNow(name, version, 'auto', { gate });
          return 'promoted';
        case 'canary':
          await this.startCanaryNow(name, version, policy.canary, policy.metric ?? gate.metric);
          return 'canary';
      }
    });
  }

  /**
   * Records a publish or a rollback (from `DeploymentService`): the new live version is no
   * longer a candidate or retired, and a running canary, compared against the version it
   * replaced, ends.
   */
  liveChanged(change: LiveChange): Promise<void> {
    const { name, version, previous } = change;
    if (previous === version) return Promise.resolve();
    return this.serial(name, async () => {
      const v = await this.deps.repo.version(name, version);
      if (v?.stage) await this.deps.repo.setStage(name, version, null);
      await this.record(name, version, change.change, { by: 'manual', previous });
      const canary = await this.deps.versions.canary(name);
      if (canary?.status === 'running')
        await this.rollBack(name, canary, {
          by: 'manual',
          reason: `version ${version} was made live by a ${change.change === 'published' ? 'publish' : 'rollback'}`,
        });
      this.deps.onChange?.(name);
    });
  }

  private async promoteNow(
    name: string,
    version: number,
    by: PromotedBy,
    detail: Record<string, unknown>,
  ): Promise<void> {
    const record = await this.require(name);
    const v = await this.requireVersion(name, version);
    if (v.stage === 'retired')
      throw new ConflictError(
        `version ${version} of deployment ${name} is retired; publish its file again to serve it`,
        'version_retired',
      );
    if (record.liveVersion === version)
      throw new ConflictError(
        `version ${version} is already the live version of deployment ${name}`,
        'already_live',
      );
    const canary = await this.deps.versions.canary(name);
    const previous = await this.deps.deployments.makeLive(name, version);
    if (v.stage === 'candidate') await this.deps.repo.setStage(name, version, null);
    if (canary?.status === 'running') {
      if (canary.version === version)
        await this.deps.versions.updateRunning(name, { status: 'promoted', endedAt: this.now() });
      else
        await this.rollBack(name, canary, {
          by,
          reason: `version ${version} was promoted instead`,
        });
    }
    await this.record(name, version, by === 'canary' ? 'canary_promoted' : 'promoted', {
      by,
      previous,
      ...detail,
    });
    this.deps.onChange?.(name);
  }

  private async startCanaryNow(
    name: string,
    version: number,
    overrides: Partial<CanaryPolicy>,
    metric: QualityMetricName | null | undefined,
  ): Promise<CanaryView> {
    const record = await this.require(name);
    const defaults = (await this.deps.canaryDefaults?.(name)) ?? {
      canary: DEFAULT_CANARY,
      metric: null,
    };
    const policy = { ...defaults.canary, ...definedFields(overrides) };
    const problem = canaryPolicyProblem(policy);
    if (problem) throw new InvalidInputError(problem.message, problem.field);
    const v = await this.requireVersion(name, version);
    if (record.liveVersion === version)
      throw new ConflictError(
        `version ${version} is the live version of deployment ${name}; a canary is another version`,
        'canary_is_live',
      );
    if (v.stage === 'retired')
      throw new ConflictError(
        `version ${version} of deployment ${name} is retired; publish its file again to try it`,
        'version_retired',
      );
    const running = await this.deps.versions.canary(name);
    if (running?.status === 'running')
      throw new ConflictError(
        `deployment ${name} already has a canary running (version ${running.version}); stop it first`,
        'canary_running',
      );
    const task = await this.deps.task(name, version).catch(() => null);
    const judgedOn = metric ?? defaults.metric ?? (task === 'regression' ? 'rmse' : 'accuracy');
    // Loaded before calls reach it, so that its first calls' latency is not the load's. A
    // version that cannot load fails its calls and is rolled back on its error rate.
    await this.deps.host.acquire(v, record.pool).catch(() => {});
    await this.deps.traffic.setTraffic(name, {
      [record.liveVersion]: 100 - policy.percent,
      [version]: policy.percent,
      ...(record.traffic?.sticky && { sticky: record.traffic.sticky }),
    });
    const canary: CanaryRecord = {
      deploymentName: name,
      version,
      liveVersion: record.liveVersion,
      percent: policy.percent,
      policy,
      metric: judgedOn,
      status: 'running',
      analysis: null,
      startedAt: this.now(),
      endedAt: null,
    };
    await this.deps.versions.putCanary(canary);
    await this.record(name, version, 'canary_started', {
      liveVersion: record.liveVersion,
      percent: policy.percent,
      metric: judgedOn,
      policy,
    });
    this.deps.onChange?.(name);
    return presentCanary(canary);
  }

  /** Measures both sides and acts on the verdict. */
  private async judge(name: string, canary: CanaryRecord, now: Date): Promise<void> {
    await this.deps.log.flush();
    const [live, tried] = await Promise.all([
      this.measure(name, canary.liveVersion, canary, now),
      this.measure(name, canary.version, canary, now),
    ]);
    const { verdict, reasons } = canaryVerdict(canary.policy, live, tried, {
      metric: canary.metric,
      lowerIsBetter: lowerIsBetter(canary.metric),
    });
    const analysis = { at: now.toISOString(), live, canary: tried, verdict, reasons };
    if (!(await this.deps.versions.updateRunning(name, { analysis }))) return;
    if (verdict === 'promote') await this.promoteNow(name, canary.version, 'canary', { analysis });
    else if (verdict === 'roll_back')
      await this.rollBack(name, { ...canary, analysis }, { by: 'canary', analysis });
    else this.deps.onChange?.(name);
  }

  /** One side's figures since the canary started; quality only when the policy wants labels. */
  private async measure(
    name: string,
    version: number,
    canary: CanaryRecord,
    now: Date,
  ): Promise<CanarySide> {
    // Inclusive of `now`: a call logged in the very millisecond of the analysis counts.
    const to = new Date(now.getTime() + 1);
    const m = await this.deps.invocations.metrics(name, canary.startedAt, to, version);
    const side: CanarySide = {
      version,
      calls: m.count,
      errorRate: m.errorRate,
      p95Ms: m.latencyMs.p95,
      labels: 0,
      quality: null,
    };
    if (canary.policy.minLabels === 0) return side;
    // Quality is kept per hour: the window starts at the hour the canary started in.
    const report = await this.deps.quality.report(name, {
      from: canary.startedAt,
      to,
      version,
      bucket: 'hour',
    });
    return {
      ...side,
      labels: report.overall?.labelled ?? 0,
      quality: metricValue(report.overall, canary.metric),
    };
  }

  /**
   * Ends a running canary as rolled back: live answers every call again. A canary the
   * analysis found worse is retired; one stopped for another reason keeps its stage.
   */
  private async rollBack(
    name: string,
    canary: CanaryRecord,
    detail: { by: PromotedBy; reason?: string; analysis?: CanaryView['analysis'] },
  ): Promise<void> {
    const ended = await this.deps.versions.updateRunning(name, {
      status: 'rolled_back',
      endedAt: this.now(),
    });
    if (!ended) return;
    await this.unroute(name, canary.version);
    if (detail.analysis) await this.deps.repo.setStage(name, canary.version, 'retired');
    await this.record(name, canary.version, 'canary_rolled_back', {
      ...detail,
      liveVersion: canary.liveVersion,
    });
    this.deps.onChange?.(name);
  }

  /** Takes a version out of the split (its share goes to live) and out of the shadow. */
  private async unroute(name: string, version: number): Promise<void> {
    const record = await this.require(name);
    const shares = record.traffic?.shares ?? [];
    const share = shares.find((s) => s.version === version);
    if (share) {
      const body: Record<string, unknown> = {};
      for (const s of shares) if (s.version !== version) body[s.version] = s.percent;
      body[record.liveVersion] =
        ((body[record.liveVersion] as number | undefined) ?? 0) + share.percent;
      if (Object.keys(body).length === 1) await this.deps.traffic.clearTraffic(name);
      else
        await this.deps.traffic.setTraffic(name, {
          ...body,
          ...(record.traffic?.sticky && { sticky: record.traffic.sticky }),
        });
    }
    if (record.shadowVersion === version) await this.deps.traffic.clearShadow(name);
  }

  private async record(
    name: string,
    version: number,
    kind: VersionEvent['kind'],
    detail: Record<string, unknown>,
  ): Promise<void> {
    await this.deps.versions.recordEvent(name, { version, kind, at: this.stamp(), detail });
  }

  /** Now, but later than every event this gateway recorded before: events keep their order. */
  private stamp(): string {
    this.lastStamp = Math.max(this.now().getTime(), this.lastStamp + 1);
    return new Date(this.lastStamp).toISOString();
  }

  /** Runs `work` after every earlier change of the deployment settled. */
  private serial<T>(name: string, work: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(name) ?? Promise.resolve();
    const next = prev.then(work);
    const settled = next.catch(() => {});
    this.chains.set(name, settled);
    void settled.then(() => {
      if (this.chains.get(name) === settled) this.chains.delete(name);
    });
    return next;
  }

  private async require(name: string): Promise<DeploymentRecord> {
    const record = await this.deps.repo.get(name);
    if (!record) throw new NotFoundError(`deployment ${name}`);
    return record;
  }

  private async requireVersion(name: string, version: number): Promise<VersionRecord> {
    const v = await this.deps.repo.version(name, version);
    if (!v) {
      await this.require(name);
      throw new NotFoundError(`version ${version} of deployment ${name}`, 'unknown_version');
    }
    return v;
  }

  private async requireCanary(name: string): Promise<CanaryRecord> {
    await this.require(name);
    const canary = await this.deps.versions.canary(name);
    if (!canary) throw new NotFoundError(`canary of deployment ${name}`, 'no_canary');
    return canary;
  }
}

function stateOf(
  v: VersionRecord,
  record: DeploymentRecord,
  canaryVersion: number | null,
): VersionState {
  if (v.version === record.liveVersion) return 'live';
  if (v.version === canaryVersion) return 'canary';
  if (v.version === record.shadowVersion) return 'shadow';
  if (v.stage === 'candidate') return 'candidate';
  if (v.stage === 'retired') return 'retired';
  return 'previous';
}

function presentCanary(c: CanaryRecord): CanaryView {
  return {
    version: c.version,
    liveVersion: c.liveVersion,
    percent: c.percent,
    startedAt: c.startedAt.toISOString(),
    policy: c.policy,
    metric: c.metric,
    status: c.status,
    analysis: c.analysis,
  };
}

/** The fields that were given: an override of `undefined` keeps the default. */
function definedFields<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
