import { describe, expect, it } from 'vitest';
import { boundHeapGrowth } from './heap-growth.js';

describe('boundHeapGrowth', () => {
  it("leaves an operator's own setting alone, on the command line or in NODE_OPTIONS", () => {
    expect(boundHeapGrowth(['--heap-growing-percent=20'], '')).toBe(false);
    expect(boundHeapGrowth([], '--max-old-space-size=512 --heap_growing_percent=80')).toBe(false);
  });

  it('bounds the growth otherwise', () => {
    expect(boundHeapGrowth(['--enable-source-maps'], '--max-old-space-size=512')).toBe(true);
  });
});
