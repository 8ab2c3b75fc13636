import { describe, expect, it } from 'vitest';
import { KeyUsage } from './key-usage.js';

function usage() {
  let clock = 0;
  const writes: [string, number][] = [];
  let fail = false;
  const tracker = new KeyUsage({
    now: () => clock,
    write: (id, at) => {
      writes.push([id, at.getTime()]);
      return fail ? Promise.reject(new Error('away')) : Promise.resolve();
    },
  });
  return {
    tracker,
    writes,
    advance: (ms: number) => (clock += ms),
    failWrites: (f: boolean) => (fail = f),
  };
}

describe('KeyUsage', () => {
  it('writes a key’s use at most once a minute', () => {
    const u = usage();
    u.tracker.used('a');
    u.tracker.used('a');
    u.tracker.used('b');
    u.advance(59_999);
    u.tracker.used('a');
    u.advance(1);
    u.tracker.used('a');
    expect(u.writes).toEqual([
      ['a', 0],
      ['b', 0],
      ['a', 60_000],
    ]);
  });

  it('writes again on the next use after a failed write, and after forget', async () => {
    const u = usage();
    u.failWrites(true);
    u.tracker.used('a');
    await Promise.resolve();
    await Promise.resolve();
    u.failWrites(false);
    u.tracker.used('a');
    u.tracker.forget('a');
    u.tracker.used('a');
    expect(u.writes.map(([id]) => id)).toEqual(['a', 'a', 'a']);
  });
});
