import { describe, expect, it } from 'vitest';
import type { InvocationRow } from '../db/invocation-repository.js';
import { InvocationLog } from './invocation-log.js';

const row = (i: number): InvocationRow => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  deploymentName: 'm',
  version: 1,
  time: new Date(),
  latencyMs: 1,
  status: 200,
  protocol: 'records',
  input: null,
  output: null,
  error: null,
});

describe('InvocationLog', () => {
  it('writes full batches at once and the rest after flushMs, as multi-row inserts', async () => {
    const batches: number[] = [];
    const log = new InvocationLog(
      { insertMany: async (r) => void batches.push(r.length) },
      { flushMs: 20, batchSize: 10 },
    );
    for (let i = 0; i < 25; i++) log.record(row(i));
    await new Promise((r) => setTimeout(r, 60));
    expect(batches).toEqual([10, 10, 5]);
  });

  it('keeps rows when the database fails and writes them on a later flush', async () => {
    let fail = true;
    const written: InvocationRow[] = [];
    const errors: unknown[] = [];
    const log = new InvocationLog(
      {
        insertMany: async (r) => {
          if (fail) throw new Error('db down');
          written.push(...r);
        },
      },
      { flushMs: 1000, batchSize: 100, onError: (e) => errors.push(e) },
    );
    log.record(row(1));
    log.record(row(2));
    await log.flush();
    expect(errors).toHaveLength(1);
    expect(written).toHaveLength(0);
    fail = false;
    log.record(row(3));
    await log.flush();
    expect(written.map((r) => r.id.slice(-1))).toEqual(['1', '2', '3']);
  });

  it('drops the oldest rows beyond maxBuffered and says how many', async () => {
    const dropped: number[] = [];
    const log = new InvocationLog(
      {
        insertMany: async () => {
          throw new Error('db down');
        },
      },
      { flushMs: 1000, batchSize: 100, maxBuffered: 3, onError: (_e, n) => dropped.push(n) },
    );
    for (let i = 0; i < 5; i++) log.record(row(i));
    await log.flush();
    expect(dropped).toEqual([2]);
  });

  it('flushes on close and ignores rows after it', async () => {
    const written: InvocationRow[] = [];
    const log = new InvocationLog(
      { insertMany: async (r) => void written.push(...r) },
      { flushMs: 10_000 },
    );
    log.record(row(1));
    await log.close();
    log.record(row(2));
    await log.flush();
    expect(written).toHaveLength(1);
  });
});
