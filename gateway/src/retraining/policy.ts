import { Cron } from 'croner';
import { InvalidInputError } from '../errors.js';
import type { QualityMetricName } from '../protocol/monitoring.js';
import type { CanaryPolicy, RetrainingPolicy } from '../protocol/retraining.js';

export const DEFAULT_CANARY: CanaryPolicy = {
  percent: 10,
  minCalls: 100,
  minLabels: 0,
  maxErrorRateIncrease: 0.01,
  maxLatencyRatio: 1.5,
  maxQualityDrop: 0,
};

/** What a deployment without a stored policy does. */
export const DEFAULT_POLICY: RetrainingPolicy = {
  promotion: 'manual',
  metric: null,
  margin: 0,
  windowHours: 168,
  holdoutFraction: 0.2,
  timeoutSeconds: 1800,
  allowSignatureChange: false,
  canary: DEFAULT_CANARY,
  schedule: null,
  parameters: {},
};

/** A policy from the fields a PUT names, over the defaults (the canary's too). */
export function withDefaults(input: Partial<RetrainingPolicy> | undefined): RetrainingPolicy {
  return {
    ...DEFAULT_POLICY,
    ...input,
    canary: { ...DEFAULT_CANARY, ...input?.canary },
  };
}

/** The metric the gate and the canary compare for a task. */
export function primaryMetric(
  policy: RetrainingPolicy,
  task: 'classification' | 'regression',
): QualityMetricName {
  return policy.metric ?? (task === 'classification' ? 'accuracy' : 'rmse');
}

/** A schedule's cron job, paused (it never fires by itself: `nextRun` is read). */
function cronOf(schedule: NonNullable<RetrainingPolicy['schedule']>): Cron {
  return new Cron(schedule.cron, { timezone: schedule.timeZone, paused: true });
}

/** Throws an `InvalidInputError` naming `schedule.cron` or `schedule.timeZone` when unusable. */
export function checkSchedule(schedule: RetrainingPolicy['schedule']): void {
  if (!schedule) return;
  try {
    Intl.DateTimeFormat('en', { timeZone: schedule.timeZone });
  } catch {
    throw new InvalidInputError(
      `schedule.timeZone: expected an IANA time zone such as Europe/Oslo (got ${JSON.stringify(schedule.timeZone)})`,
      'schedule.timeZone',
    );
  }
  try {
    cronOf(schedule).nextRun();
  } catch (err) {
    throw new InvalidInputError(
      `schedule.cron: expected a cron expression of 5 fields (or 6 with seconds): ${(err as Error).message}`,
      'schedule.cron',
    );
  }
}

/** The first time after `after` the schedule fires; null when it never does again. */
export function nextScheduled(
  schedule: NonNullable<RetrainingPolicy['schedule']>,
  after: Date,
): Date | null {
  return cronOf(schedule).nextRun(after);
}
