import { describe, expect, it } from 'vitest';
import { LocalPlacement, niceFor } from './placement.js';
import { placementContract } from './testing/placement-contract.js';

placementContract('local', () => new LocalPlacement());

describe('CPU weight on the local backend', () => {
  it('is the nice value of the nearest CFS weight', () => {
    expect(niceFor(1024)).toBe(0);
    // The kernel's table: nice 5 weighs 335, nice -5 weighs 3121.
    expect(niceFor(335)).toBe(5);
    expect(niceFor(3121)).toBe(-5);
    expect(niceFor(2)).toBe(19);
    expect(niceFor(262_144)).toBe(-20);
  });
});
