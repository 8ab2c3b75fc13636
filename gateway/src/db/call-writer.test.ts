import { afterEach, describe, expect, it } from 'vitest';
import {
  openTestDatabase,
  testDatabaseKinds,
  type TestDatabase,
} from '../../test/support/databases.js';
import type { LoggedCall } from '../monitoring/loggable-row.js';
import { predictedCount } from '../monitoring/compact-answers.js';
import { countOf, type ValueSummary } from '../monitoring/summaries/value-summary.js';
import { CallWriter } from './call-writer.js';
import { expireMonitoring, MonitoringRepository } from './monitoring-repository.js';

const HOUR = 3_600_000;
/** Call ids are UUIDs: one per name used here. */
const ids = new Map<string, string>();
const idOf = (name: string) => {
  if (!ids.has(name)) ids.set(name, crypto.randomUUID());
  return ids.get(name)!;
};

/** A call of `n` records at `time`, with feature `x` = 0..n-1 and the predictions' ids. */
function call(name: string, time: Date, n: number, { list = false } = {}): LoggedCall {
  const id = idOf(name);
  return {
    id,
    deploymentName: 'm',
    version: 1,
    time,
    latencyMs: 1,
    status: 200,
    protocol: 'records',
    input: null,
    output: null,
    error: null,
    ignoredFields: null,
    monitored: {
      // As columns, as the data plane makes them; or as the list of the rows written before.
      predictions: list
        ? Array.from({ length: n }, (_, i) => ({
            id: `${id}:${i}`,
            predicted: i % 2,
            scores: null,
          }))
        : {
            index: Array.from({ length: n }, (_, i) => i),
            predicted: Array.from({ length: n }, (_, i) => i % 2),
            classes: null,
            scores: null,
          },
      features: {
        x: { kind: 'numeric', values: Array.from({ length: n }, (_, i) => i) },
        c: {
          kind: 'categorical',
          values: Array.from({ length: n }, (_, i) => (i % 2 ? 'a' : 'b')),
        },
      },
    },
  };
}

describe.each(testDatabaseKinds)('CallWriter and retention on %s', (kind) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  it('counts a call in its hour once, also when a replay writes it again', async () => {
    database = await openTestDatabase(kind);
    const writer = new CallWriter(database.db);
    const repo = new MonitoringRepository(database.db);
    const now = new Date();
    await writer.insertMany([call('a', now, 3, { list: true }), call('b', now, 2)]);
    // A crash between the insert and the journal's removal: the segment is written again.
    await writer.insertMany([call('b', now, 2), call('c', now, 1)]);
    const rollups = await repo.rollups('m', {
      from: new Date(now.getTime() - HOUR),
      to: new Date(now.getTime() + HOUR),
    });
    const x = rollups.find((r) => r.feature === 'x')!.summary as ValueSummary;
    expect(countOf(x)).toBe(6);
    expect(x).toEqual({ k: 'n', v: [0, 1, 2], c: [3, 2, 1], m: 0 });
    const c = rollups.find((r) => r.feature === 'c')!.summary;
    expect(c).toEqual({ k: 'c', v: ['b', 'a'], c: [4, 2], o: 0, m: 0 });
    // The predictions ride in their call's row (no output kept here): one value per call.
    const calls = await repo.answeredCalls('m', [idOf('a'), idOf('b'), idOf('c'), idOf('d')]);
    const count = (a: (typeof calls)[number]['answers']) =>
      Array.isArray(a) ? a.length : a && predictedCount(a.predicted);
    expect(calls.map((c) => count(c.answers)).sort()).toEqual([1, 2, 3]);
  });

  it('counts every call when several writers (gateways) merge into the same hour at once', async () => {
    database = await openTestDatabase(kind);
    // Two writers, as two gateways on one database; on Postgres each batch is its own
    // connection's transaction, so the merges race for the same rollup rows.
    const writers = [new CallWriter(database.db), new CallWriter(database.db)];
    const now = new Date();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        writers[i % 2]!.insertMany([call(`race-${i}-a`, now, 3), call(`race-${i}-b`, now, 1)]),
      ),
    );
    const rollups = await new MonitoringRepository(database.db).rollups('m', {
      from: new Date(now.getTime() - HOUR),
      to: new Date(now.getTime() + HOUR),
    });
    expect(rollups.find((r) => r.feature === 'x')!.summary).toEqual({
      k: 'n',
      v: [0, 1, 2],
      c: [16, 8, 8],
      m: 0,
    });
  });

  it('expires calls, predictions and rollups older than the retention', async () => {
    database = await openTestDatabase(kind);
    const writer = new CallWriter(database.db);
    const repo = new MonitoringRepository(database.db);
    const now = Date.now();
    const old = new Date(now - 40 * 24 * HOUR);
    await writer.insertMany([call('old', old, 2), call('new', new Date(now), 2)]);
    // Prediction rows, as feedback makes them when labels come.
    const prediction = (name: string, i: number, time: Date) => ({
      id: `${idOf(name)}:${i}`,
      deploymentName: 'm',
      version: 1,
      time,
      predicted: 1,
      scores: null,
    });
    await repo.adoptPredictions([
      prediction('old', 0, old),
      prediction('old', 1, old),
      prediction('new', 0, new Date(now)),
    ]);
    const gone = await expireMonitoring(database.db, new Date(now - 30 * 24 * HOUR));
    expect(gone).toEqual({ invocations: 1, predictions: 2, rollups: 2, qualityRollups: 0 });
    expect(await repo.predictionsByIds('m', [`${idOf('old')}:0`, `${idOf('new')}:0`])).toEqual([
      expect.objectContaining({ id: `${idOf('new')}:0` }),
    ]);
    const left = await repo.rollups('m', { from: new Date(0), to: new Date(now + HOUR) });
    expect(left.map((r) => r.feature).sort()).toEqual(['c', 'x']);
  });
});
