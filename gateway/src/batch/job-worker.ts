import type { BatchRepository } from '../db/batch-repository.js';
import type { JobRunner, RunEnd } from './job-runner.js';

export interface JobWorkerDeps {
  repo: BatchRepository;
  runner: JobRunner;
  /** This gateway, as the holder of the jobs it runs (each claim holds as `<owner>/<n>`). */
  owner: string;
  /** Jobs this gateway runs at once; 0 runs none (another gateway does). */
  atOnce: number;
  leaseMs: number;
  /** How often it looks for a job to take (also when a job is created here: `poke`). */
  pollMs?: number;
  /** A job this gateway ran has ended (its webhook, its copy to a schedule's folder). */
  onEnd?: (id: string, end: RunEnd) => Promise<void>;
  reportError?: (err: unknown) => void;
}

/**
 * Takes jobs from the queue and runs them, `atOnce` at a time: the jobs waiting, and those a
 * stopped gateway held whose lease ran out. Closing stops the runs under way and hands their
 * jobs back to the queue, where they go on from their last checkpoint.
 */
export class JobWorker {
  private readonly running = new Map<
    string,
    { stop: AbortController; done: Promise<void>; holder: string }
  >();
  private claims = 0;
  private timer: NodeJS.Timeout | undefined;
  private filling: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly deps: JobWorkerDeps) {}

  start(): void {
    if (this.deps.atOnce === 0) return;
    this.timer = setInterval(() => this.poke(), this.deps.pollMs ?? 1000);
    this.timer.unref();
    this.poke();
  }

  /** Looks for jobs to take now. */
  poke(): void {
    if (this.closed || this.deps.atOnce === 0) return;
    if (this.filling) {
      this.again = true;
      return;
    }
    this.filling = this.fill()
      .catch((err: unknown) => this.deps.reportError?.(err))
      .finally(() => {
        this.filling = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /** Stops the job's run here, if this gateway runs it (it was cancelled). */
  stop(id: string): void {
    this.running.get(id)?.stop.abort(new Error('the job was cancelled'));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.filling;
    const held = [...this.running.entries()];
    for (const [, { stop }] of held) stop.abort(new Error('the gateway is closing'));
    await Promise.all(held.map(([, r]) => r.done));
    for (const [id, { holder }] of held) await this.deps.repo.release(id, holder);
  }

  private async fill(): Promise<void> {
    while (!this.closed && this.running.size < this.deps.atOnce) {
      // Each claim holds the job under a name of its own: a run that lost its lease (it was
      // late to renew, and another run took the job) cannot move the job's checkpoint on.
      const holder = `${this.deps.owner}/${++this.claims}`;
      const job = await this.deps.repo.claim(holder, this.deps.leaseMs, [...this.running.keys()]);
      if (!job) return;
      const stop = new AbortController();
      const done = this.deps.runner
        .run(job, holder, stop.signal)
        .then((end) => (stop.signal.aborted ? undefined : this.deps.onEnd?.(job.id, end)))
        .catch((err: unknown) => this.deps.reportError?.(err))
        .finally(() => {
          this.running.delete(job.id);
          this.poke();
        });
      this.running.set(job.id, { stop, done, holder });
    }
  }
}
