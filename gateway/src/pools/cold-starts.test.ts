import { describe, expect, it } from 'vitest';
import { ColdStartTally } from './cold-starts.js';

describe('ColdStartTally', () => {
  it('counts cold starts per deployment, with the wait percentiles of the latest ones', () => {
    const tally = new ColdStartTally(() => Date.parse('2026-11-29T10:00:00Z'));
    expect(tally.of('a')).toEqual({ count: 0, p50Ms: null, p95Ms: null, lastAt: null });
    for (const ms of [300, 100, 200]) tally.record('a', ms);
    // A start whose wait is unknown (a notebook's kernel) still counts.
    tally.record('a', undefined);
    tally.record('b', 5);
    expect(tally.of('a')).toEqual({
      count: 4,
      p50Ms: 200,
      p95Ms: 300,
      lastAt: '2026-11-29T10:00:00.000Z',
    });
    expect(tally.of('b').count).toBe(1);
    tally.forget('a');
    expect(tally.of('a').count).toBe(0);
  });

  it('keeps the last hundred waits only', () => {
    const tally = new ColdStartTally();
    for (let i = 0; i < 150; i++) tally.record('a', i < 50 ? 10_000 : 1);
    expect(tally.of('a')).toMatchObject({ count: 150, p95Ms: 1 });
  });
});
