import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from './json-text.js';

describe('nestsDeeperThan', () => {
  it('counts arrays and objects, at their deepest point', () => {
    expect(nestsDeeperThan('1', 0)).toBe(false);
    expect(nestsDeeperThan('[]', 0)).toBe(true);
    expect(nestsDeeperThan('{"a": [1, {"b": [2]}], "c": []}', 4)).toBe(false);
    expect(nestsDeeperThan('{"a": [1, {"b": [2]}], "c": []}', 3)).toBe(true);
    expect(nestsDeeperThan('[[], [], [[]]]', 2)).toBe(true);
    expect(nestsDeeperThan('[[], [], []]', 2)).toBe(false);
  });

  it('skips strings, whatever they hold, escaped quotes and backslashes included', () => {
    expect(nestsDeeperThan(JSON.stringify(['[[[[{{{{']), 1)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify(['"[[[', '\\', '\\"[[', '\\\\']), 1)).toBe(false);
    expect(nestsDeeperThan(`["\\\\", [[1]]]`, 2)).toBe(true);
    expect(nestsDeeperThan(`["\\"", [1]]`, 1)).toBe(true);
  });

  it('leaves malformed text to JSON.parse', () => {
    expect(nestsDeeperThan('["unterminated [[[[', 1)).toBe(false);
    expect(nestsDeeperThan(']]]]', 0)).toBe(false);
  });

  it('walks 100,000 levels without recursing', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(nestsDeeperThan(deep, 99_999)).toBe(true);
    expect(nestsDeeperThan(deep, 100_000)).toBe(false);
  });
});
