import { and, eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { runs } from './schema.js';

export type RunRow = typeof runs.$inferSelect;

/** Notebook runs. */
export class RunRepository {
  constructor(private readonly db: Db) {}

  async start(r: {
    id: string;
    deploymentName: string;
    version: number;
    parameters: unknown;
    warnings?: string[];
    callbackUrl?: string;
  }): Promise<void> {
    await this.db
      .insert(runs)
      .values({ ...r, status: 'running', callbackUrl: r.callbackUrl ?? null });
  }

  async finish(
    id: string,
    r: {
      status: 'succeeded' | 'failed';
      outputs?: unknown;
      error?: { code: string; message: string } | null;
      cold?: boolean;
      durationMs?: number;
    },
  ): Promise<void> {
    await this.db
      .update(runs)
      .set({
        status: r.status,
        outputs: r.outputs ?? null,
        error: r.error ?? null,
        cold: r.cold ?? null,
        durationMs: r.durationMs ?? null,
        finishedAt: new Date(),
      })
      .where(eq(runs.id, id));
  }

  async setCallbackStatus(id: string, status: string): Promise<void> {
    await this.db.update(runs).set({ callbackStatus: status }).where(eq(runs.id, id));
  }

  async get(name: string, id: string): Promise<RunRow | undefined> {
    const [row] = await this.db
      .select()
      .from(runs)
      .where(and(eq(runs.deploymentName, name), eq(runs.id, id)));
    return row;
  }

  /** Runs a stopped gateway left unfinished can never finish: mark them failed at start-up. */
  async failInterrupted(): Promise<number> {
    const rows = await this.db
      .update(runs)
      .set({
        status: 'failed',
        error: { code: 'interrupted', message: 'the gateway stopped during the run' },
        finishedAt: new Date(),
      })
      .where(eq(runs.status, 'running'))
      .returning({ id: runs.id });
    return rows.length;
  }
}
