import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  openTestDatabase,
  testDatabaseKinds,
  type TestDatabase,
} from '../../test/support/databases.js';
import { InvocationJournal, REFUSED_FILE } from '../monitoring/invocation-journal.js';
import { InvocationLog } from '../monitoring/invocation-log.js';
import type { LoggedCall } from '../monitoring/loggable-row.js';
import { CallWriter } from './call-writer.js';
import { invocations } from './schema.js';

const call = (id: string): LoggedCall => ({
  id,
  deploymentName: 'm',
  version: 1,
  time: new Date(),
  latencyMs: 1,
  status: 200,
  protocol: 'records',
  input: { x: 1 },
  output: { y: 2 },
  error: null,
  ignoredFields: null,
  monitored: null,
});

describe.each(testDatabaseKinds)('the invocation log on %s', (kind) => {
  let db: TestDatabase | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sets aside a row the database refuses whatever it holds, and goes on (a restart replays the rest)', async () => {
    db = await openTestDatabase(kind);
    dir = await mkdtemp(join(tmpdir(), 'slipway-refused-'));
    const errors: unknown[] = [];
    const good = [crypto.randomUUID(), crypto.randomUUID()];
    // Journalled by one log, whose process stops before writing them…
    const first = new InvocationLog(
      new InvocationJournal(dir, { maxBytes: 1 << 20 }),
      new CallWriter(db.db),
      {
        flushMs: 60_000,
      },
    );
    await first.replay();
    await first.record(call(good[0]!));
    await first.record(call('not-a-uuid'));
    await first.record(call(good[1]!));

    // …and replayed by the next one: the start is not stopped by the row the database refuses.
    const next = new InvocationLog(
      new InvocationJournal(dir, { maxBytes: 1 << 20 }),
      new CallWriter(db.db),
      {
        flushMs: 60_000,
        onError: (err) => errors.push(err),
      },
    );
    await next.replay();
    const stored = await db.db.select({ id: invocations.id }).from(invocations);
    expect(stored.map((r) => r.id).sort()).toEqual([...good].sort());
    const refused = await readFile(join(dir, REFUSED_FILE), 'utf8');
    expect(refused).toContain('not-a-uuid');
    expect(String(errors.at(-1))).toMatch(/refuses call not-a-uuid whatever it holds/);
    // Only the refused rows' file is left: the segments are gone.
    expect(await readdir(dir)).toEqual([REFUSED_FILE]);
    await next.close();
    await first.close();
  });
});
