import type { CanaryPolicy, CanarySide, CanaryView } from '../protocol/retraining.js';

/**
 * A canary slower than live by less than this is not rolled back for latency, whatever the
 * ratio: a sub-millisecond model's p95 jitters by more than any sensible ratio.
 */
export const LATENCY_SLACK_MS = 5;

export type CanaryVerdict = NonNullable<CanaryView['analysis']>['verdict'];

const percent = (rate: number) => `${Number((rate * 100).toPrecision(3))}%`;
const figure = (n: number) => String(Number(n.toPrecision(4)));

/**
 * What a canary's figures say: `wait` until it has answered `minCalls` calls (and, when quality
 * counts, both sides have `minLabels` labels); then `roll_back` when it fails more, is slower
 * or is worse than live beyond the policy's limits, else `promote`. The reasons say which
 * figures decided, in words.
 */
export function canaryVerdict(
  policy: CanaryPolicy,
  live: CanarySide,
  canary: CanarySide,
  quality: { metric: string; lowerIsBetter: boolean },
): { verdict: CanaryVerdict; reasons: string[] } {
  const waiting: string[] = [];
  if (canary.calls < policy.minCalls)
    waiting.push(`the canary answered ${canary.calls} of the ${policy.minCalls} calls needed`);
  if (policy.minLabels > 0)
    for (const [side, name] of [
      [canary, 'the canary'],
      [live, 'live'],
    ] as const)
      if (side.labels < policy.minLabels)
        waiting.push(`${name} has ${side.labels} of the ${policy.minLabels} labels needed`);
  if (waiting.length > 0) return { verdict: 'wait', reasons: waiting };

  const worse: string[] = [];
  const fine: string[] = [];
  const errors = `error rate ${percent(canary.errorRate)} against live's ${percent(live.errorRate)} (allowed: +${percent(policy.maxErrorRateIncrease)})`;
  (canary.errorRate > live.errorRate + policy.maxErrorRateIncrease ? worse : fine).push(errors);
  if (canary.p95Ms !== null && live.p95Ms !== null) {
    const slow =
      canary.p95Ms > live.p95Ms * policy.maxLatencyRatio &&
      canary.p95Ms - live.p95Ms > LATENCY_SLACK_MS;
    (slow ? worse : fine).push(
      `p95 ${figure(canary.p95Ms)} ms against live's ${figure(live.p95Ms)} ms (allowed: ×${figure(policy.maxLatencyRatio)})`,
    );
  }
  if (policy.minLabels > 0) {
    if (canary.quality === null || live.quality === null) {
      fine.push(`${quality.metric} could not be compared (no figure for one side)`);
    } else {
      const drop = quality.lowerIsBetter
        ? canary.quality - live.quality
        : live.quality - canary.quality;
      (drop > policy.maxQualityDrop ? worse : fine).push(
        `${quality.metric} ${figure(canary.quality)} against live's ${figure(live.quality)} (allowed drop: ${figure(policy.maxQualityDrop)})`,
      );
    }
  }
  return worse.length > 0
    ? { verdict: 'roll_back', reasons: worse }
    : { verdict: 'promote', reasons: fine };
}

/** Checks a canary policy's fields; the first problem is named (400 by the caller). */
export function canaryPolicyProblem(p: CanaryPolicy): { field: string; message: string } | null {
  const checks: [keyof CanaryPolicy, boolean, string][] = [
    [
      'percent',
      Number.isInteger(p.percent) && p.percent >= 1 && p.percent <= 99,
      'a whole percent from 1 to 99',
    ],
    [
      'minCalls',
      Number.isInteger(p.minCalls) && p.minCalls >= 1 && p.minCalls <= 1_000_000_000,
      'a whole number of calls, at least 1',
    ],
    [
      'minLabels',
      Number.isInteger(p.minLabels) && p.minLabels >= 0 && p.minLabels <= 1_000_000_000,
      'a whole number of labels, 0 or more',
    ],
    [
      'maxErrorRateIncrease',
      Number.isFinite(p.maxErrorRateIncrease) &&
        p.maxErrorRateIncrease >= 0 &&
        p.maxErrorRateIncrease <= 1,
      'a share from 0 to 1',
    ],
    [
      'maxLatencyRatio',
      Number.isFinite(p.maxLatencyRatio) && p.maxLatencyRatio >= 1,
      'a ratio of 1 or more',
    ],
    [
      'maxQualityDrop',
      Number.isFinite(p.maxQualityDrop) && p.maxQualityDrop >= 0,
      'a figure of 0 or more',
    ],
  ];
  for (const [field, ok, expected] of checks)
    if (!ok)
      return { field, message: `${field}: expected ${expected}, got ${JSON.stringify(p[field])}` };
  return null;
}
