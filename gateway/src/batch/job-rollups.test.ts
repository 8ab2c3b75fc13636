import { describe, expect, it } from 'vitest';
import { summarizeParts } from '../monitoring/summaries/value-summary.js';
import { chunkRollup, JobRollups, rollupBuffers, type ChunkRollup } from './job-rollups.js';

const HOUR = 3_600_000;
const ODD: unknown[] = [1, '1', true, false, NaN, [1], { a: 1 }, '', 0];
/** A rollup as the main thread receives it from the job's thread: cloned, its bytes moved. */
const received = (r: ChunkRollup) => structuredClone(r, { transfer: rollupBuffers(r) });
/** A chunk's watched columns: a continuous number, a few integers, a label. */
const chunk = (k: number, n = 1000) => ({
  x: { kind: 'numeric' as const, values: Array.from({ length: n }, (_, i) => Math.sin(k * n + i)) },
  rooms: { kind: 'numeric' as const, values: Array.from({ length: n }, (_, i) => (i % 7) + 1) },
  city: {
    kind: 'categorical' as const,
    // Labels of every kind the summary tells apart or counts as missing.
    values: Array.from({ length: n }, (_, i) =>
      i % 5 === 0 ? null : i % 11 === 0 ? ODD[i % ODD.length] : `c${i % 3}`,
    ),
  },
});

describe("a job's drift rollups", () => {
  it('merge its chunks into what summarising all their values at once gives, per hour and feature', () => {
    const chunks = Array.from({ length: 12 }, (_, k) => chunk(k));
    const rollups = new JobRollups();
    const t = Date.UTC(2026, 11, 2, 10, 59, 0);
    // The first eight chunks in one hour, the rest in the next.
    chunks.forEach((c, k) => rollups.add(received(chunkRollup(c, k < 8 ? t : t + HOUR))));
    const deltas = rollups.take('m', 3);
    expect(deltas.map((d) => [d.hour.getTime(), d.feature])).toEqual([
      [Date.UTC(2026, 11, 2, 10), 'x'],
      [Date.UTC(2026, 11, 2, 10), 'rooms'],
      [Date.UTC(2026, 11, 2, 10), 'city'],
      [Date.UTC(2026, 11, 2, 11), 'x'],
      [Date.UTC(2026, 11, 2, 11), 'rooms'],
      [Date.UTC(2026, 11, 2, 11), 'city'],
    ]);
    for (const d of deltas) {
      expect(d).toMatchObject({ deploymentName: 'm', version: 3 });
      const own =
        d.hour.getTime() === Date.UTC(2026, 11, 2, 10) ? chunks.slice(0, 8) : chunks.slice(8);
      const name = d.feature as 'x' | 'rooms' | 'city';
      expect(d.summary).toEqual(
        summarizeParts(
          own[0]![name].kind,
          own.map((c) => c[name].values),
        ),
      );
    }
    // The continuous feature is past the exact counts: a sketch, as the log's rollups make it.
    expect(deltas[0]!.summary.k).toBe('s');
  });

  it('are taken once: what a checkpoint took is not taken again', () => {
    const rollups = new JobRollups();
    rollups.add(chunkRollup(chunk(0, 10), 0));
    rollups.add(undefined);
    expect(rollups.take('m', 1)).toHaveLength(3);
    expect(rollups.take('m', 1)).toEqual([]);
  });
});
