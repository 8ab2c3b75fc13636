import type { MonitoringRepository, ReferenceProfile } from '../db/monitoring-repository.js';
import { ConflictError } from '../errors.js';
import type { DriftReport, DriftSettings, FeatureDrift } from '../protocol/monitoring.js';
import { PREDICTION_FEATURE } from './features.js';
import type { InvocationLog } from './invocation-log.js';
import { driftTest } from './stats/index.js';
import {
  countOf,
  isExact,
  labelsOf,
  merge,
  numbersOf,
  type ValueSummary,
} from './summaries/value-summary.js';

export interface DriftQuery {
  from: Date;
  to: Date;
  version?: number;
}

/** Evidently's default: the dataset drifts when half of its features do. */
export const DEFAULT_DRIFT_SHARE = 0.5;

/**
 * Drift of live inputs (and of the prediction) against the deployment's reference, per
 * feature, with Evidently's methods and thresholds unless the deployment sets its own. The
 * live side is the hourly rollups of the window (whole hours, the one `from` falls in
 * included); the reference side its stored profile. Neither re-reads a call.
 */
export class DriftService {
  constructor(
    private readonly deps: {
      monitoring: MonitoringRepository;
      log: InvocationLog;
      /** Told of every report (the Prometheus gauges). */
      onReport?: (report: DriftReport) => void;
    },
  ) {}

  async report(name: string, q: DriftQuery): Promise<DriftReport> {
    await this.deps.log.flush();
    const [reference, settings, rollups] = await Promise.all([
      this.deps.monitoring.reference(name),
      this.deps.monitoring.settings(name),
      this.deps.monitoring.rollups(name, q),
    ]);
    const wanted = settings.referenceFromFirst ?? 0;
    if (!reference || (reference.source === 'first_calls' && reference.rows < wanted))
      throw new ConflictError(
        reference
          ? `the reference is still being taken from the first calls: ${reference.rows} of ${wanted}`
          : `deployment ${name} has no reference data: upload one (PUT /api/deployments/${name}/reference) or set referenceFromFirst`,
        'no_reference',
      );
    const current = new Map<string, ValueSummary>();
    for (const r of rollups) {
      const prev = current.get(r.feature);
      current.set(r.feature, prev ? merge(prev, r.summary) : r.summary);
    }
    const report = driftReport(name, q, reference, current, settings);
    this.deps.onReport?.(report);
    return report;
  }
}

/** The report from the two sides' summaries. Pure: the statistics of `stats/`. */
export function driftReport(
  name: string,
  q: DriftQuery,
  reference: ReferenceProfile,
  current: Map<string, ValueSummary>,
  settings: DriftSettings,
): DriftReport {
  const features: FeatureDrift[] = [];
  let prediction: FeatureDrift | null = null;
  let currentRows = 0;
  for (const [feature, ref] of Object.entries(reference.features)) {
    const cur = current.get(feature);
    if (!cur || countOf(cur) === 0 || countOf(ref) === 0) continue;
    const verdict = featureDrift(feature, ref, cur, settings);
    if (!verdict) continue;
    if (feature === PREDICTION_FEATURE) prediction = { ...verdict, name: 'prediction' };
    else {
      features.push(verdict);
      currentRows = Math.max(currentRows, verdict.currentCount);
    }
  }
  const drifted = features.filter((f) => f.drift).length;
  const share = features.length === 0 ? 0 : drifted / features.length;
  const threshold = settings.driftShare ?? DEFAULT_DRIFT_SHARE;
  return {
    name,
    ...(q.version !== undefined && { version: q.version }),
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    referenceRows: reference.rows,
    currentRows,
    driftShare: share,
    driftShareThreshold: threshold,
    datasetDrift: features.length > 0 && share >= threshold,
    features,
    prediction,
  };
}

function featureDrift(
  name: string,
  ref: ValueSummary,
  cur: ValueSummary,
  settings: DriftSettings,
): FeatureDrift | null {
  const own = settings.features?.[name === PREDICTION_FEATURE ? 'prediction' : name];
  const options = {
    method: own?.method ?? settings.method,
    threshold: own?.threshold ?? settings.threshold,
  };
  if ((ref.k === 'c') !== (cur.k === 'c')) return null;
  const result =
    ref.k === 'c' && cur.k === 'c'
      ? driftTest(labelsOf(ref), labelsOf(cur), 'categorical', options)
      : ref.k !== 'c' && cur.k !== 'c'
        ? driftTest(numbersOf(ref), numbersOf(cur), 'numeric', options)
        : null;
  if (!result) return null;
  return {
    name,
    kind: ref.k === 'c' ? 'categorical' : 'numeric',
    ...result,
    // JSON has no infinity: an infinite χ² is null, with its p-value of 0.
    statistic: Number.isFinite(result.statistic) ? result.statistic : null,
    referenceCount: countOf(ref),
    currentCount: countOf(cur),
    ...(!(isExact(ref) && isExact(cur)) && { approximate: true }),
  };
}
