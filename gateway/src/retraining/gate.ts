import { randomUUID } from 'node:crypto';
import {
  classificationMetrics,
  type ClassificationRow,
  type RegressionRow,
  lowerIsBetter,
  metricValue,
  regressionMetrics,
} from '../monitoring/quality/index.js';
import type { QualityMetricName, QualityMetrics } from '../protocol/monitoring.js';
import type { GateResult } from '../protocol/retraining.js';
import type { Served } from '../serving/model-host.js';
import type { LabelledExample } from './labelled-examples.js';

/** Records per predict call while scoring. */
const CHUNK = 500;

/**
 * Quality of a loaded model version on labelled examples: each record validated against the
 * version's signature and scored by its runtime, its answer read by the version's prediction
 * view (as the monitor reads a live call). Rows whose answer has no prediction are left out.
 */
export async function scoreVersion(
  served: Served,
  examples: readonly LabelledExample[],
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<QualityMetrics | null> {
  const { runtime, monitor } = served;
  if (runtime.kind !== 'model') throw new Error(`version ${served.version} is not a model`);
  const task = monitor.view.task;
  if (task === null || examples.length === 0) return null;
  const classified: ClassificationRow[] = [];
  const regressed: RegressionRow[] = [];
  for (let i = 0; i < examples.length; i += CHUNK) {
    const part = examples.slice(i, i + CHUNK);
    const { records } = served.validate(part.map((e) => e.record));
    const answers = await runtime.predict(records, {
      requestId: randomUUID(),
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
    });
    answers.forEach((answer, j) => {
      const { predicted, scores } = monitor.view.observe(answer);
      const actual = part[j]!.actual;
      if (predicted === null) return;
      if (task === 'classification')
        classified.push({ actual, predicted, ...(scores && { probabilities: scores }) });
      else if (typeof actual === 'number' && typeof predicted === 'number')
        regressed.push({ actual, predicted });
    });
  }
  if (task === 'classification')
    return classified.length > 0 ? classificationMetrics(classified) : null;
  return regressed.length > 0 ? regressionMetrics(regressed) : null;
}

/**
 * The gate's verdict from both versions' metrics on the same held-back examples: the
 * candidate passes when it beats live by more than `margin` on `metric`.
 */
export function gateResult(args: {
  metric: QualityMetricName;
  margin: number;
  liveVersion: number;
  live: QualityMetrics | null;
  candidate: QualityMetrics | null;
  n: number;
  at: Date;
}): GateResult {
  const lower = lowerIsBetter(args.metric);
  const live = metricValue(args.live, args.metric);
  const candidate = metricValue(args.candidate, args.metric);
  const improvement =
    live === null || candidate === null ? null : lower ? live - candidate : candidate - live;
  const reason =
    args.n === 0
      ? 'no held-back labelled predictions with logged inputs in the window'
      : candidate === null
        ? `the candidate's ${args.metric} could not be measured on the held-back labels`
        : live === null
          ? `live's ${args.metric} could not be measured on the held-back labels`
          : improvement! > args.margin
            ? null
            : `the candidate does not beat live by more than ${args.margin} (${args.metric} ${fmt(candidate)} against ${fmt(live)})`;
  return {
    metric: args.metric,
    lowerIsBetter: lower,
    liveVersion: args.liveVersion,
    live,
    candidate,
    improvement,
    margin: args.margin,
    n: args.n,
    passed: reason === null,
    reason,
    evaluatedAt: args.at.toISOString(),
  };
}

const fmt = (x: number) => Number(x.toPrecision(6)).toString();
