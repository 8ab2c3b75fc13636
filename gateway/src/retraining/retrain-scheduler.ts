import type { RetrainingRepository } from '../db/retraining-repository.js';
import { nextScheduled } from './policy.js';
import type { RetrainService } from './retrain-service.js';

/**
 * Starts the retraining runs that schedules call for: on each tick, a deployment whose cron
 * expression came due since its last firing (or since the policy was set) gets one run, however
 * many firings a stopped gateway missed. Several gateways may tick: the one that marks the
 * firing in the database starts the run.
 */
export class RetrainScheduler {
  constructor(
    private readonly deps: {
      retraining: RetrainingRepository;
      service: RetrainService;
      onError?: (err: unknown) => void;
    },
  ) {}

  /** Starts the runs due at `now`; answers the deployments it started one for. */
  async tick(now = new Date()): Promise<string[]> {
    const started: string[] = [];
    for (const s of await this.deps.retraining.scheduled()) {
      const schedule = s.policy.schedule!;
      const since = s.lastScheduledAt ?? now;
      const due = nextScheduled(schedule, since);
      if (!due || due > now) {
        // A policy set before this column was kept starts counting now.
        if (!s.lastScheduledAt) await this.deps.retraining.claimSchedule(s.name, null, now);
        continue;
      }
      if (!(await this.deps.retraining.claimSchedule(s.name, s.lastScheduledAt, now))) continue;
      try {
        await this.deps.service.trigger(
          s.name,
          'schedule',
          `cron "${schedule.cron}" (${schedule.timeZone}), due ${due.toISOString()}`,
        );
        started.push(s.name);
      } catch (err) {
        this.deps.onError?.(err);
      }
    }
    return started;
  }
}
