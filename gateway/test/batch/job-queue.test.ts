import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchRepository } from '../../src/db/batch-repository.js';
import { deployments } from '../../src/db/schema.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/databases.js';
import { waitFor } from '../../src/workers/testing/processes.js';

describe.each(testDatabaseKinds)('the job queue on %s', (kind) => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  async function queue(jobs: number) {
    db = await openTestDatabase(kind);
    await db.db.insert(deployments).values({ name: 'd', pool: 'cpu', liveVersion: 1 });
    const repo = new BatchRepository(db.db);
    const ids: string[] = [];
    for (let i = 0; i < jobs; i++) {
      const id = randomUUID();
      ids.push(id);
      await repo.insert({
        id,
        deploymentName: 'd',
        version: 1,
        state: 'queued',
        inputKind: 'path',
        inputName: 'x.csv',
        inputPath: '/x.csv',
        inputFormat: 'csv',
        options: {},
      });
    }
    return { repo, ids };
  }

  it('gives each job to one claimer, even when they claim at once', async () => {
    const { repo, ids } = await queue(6);
    const claimed = await Promise.all(
      Array.from({ length: 8 }, (_, i) => repo.claim(`g${i}`, 60_000)),
    );
    const taken = claimed.filter((j) => j !== undefined).map((j) => j.id);
    expect(taken.sort()).toEqual([...ids].sort());
    expect(claimed.filter((j) => j === undefined)).toHaveLength(2);
  });

  it('hands a job over once its holder stops renewing, and the old holder can no longer move it on', async () => {
    const { repo, ids } = await queue(1);
    const first = await repo.claim('a/1', 50);
    expect(first?.id).toBe(ids[0]);
    // Not while the lease holds, and never to the claimer that runs it already.
    expect(await repo.claim('b/1', 60_000, [ids[0]!])).toBeUndefined();
    let second: Awaited<ReturnType<BatchRepository['claim']>>;
    await waitFor('the lease to run out', async () => {
      second = await repo.claim('b/1', 60_000);
      return second !== undefined;
    });
    expect(second!.id).toBe(ids[0]);
    const at = {
      rowsDone: 10,
      errors: 0,
      bytesDone: 1,
      outputBytes: 1,
      errorsBytes: 0,
      outputColumns: null,
    };
    expect(await repo.checkpoint(ids[0]!, 'a/1', at, 60_000)).toBe(false);
    expect(await repo.checkpoint(ids[0]!, 'b/1', at, 60_000)).toBe(true);
    expect(await repo.renew(ids[0]!, 'a/1', 60_000)).toBe(false);

    // Cancelled: its holder's next checkpoint fails, and it is never claimed again.
    expect((await repo.cancel(ids[0]!))?.state).toBe('cancelled');
    expect(await repo.checkpoint(ids[0]!, 'b/1', at, 60_000)).toBe(false);
    expect(await repo.claim('c/1', 60_000)).toBeUndefined();
    expect(await repo.cancel(ids[0]!)).toBeUndefined();
  });
});
