import { describe, expect, it } from 'vitest';
import { knownJson } from '../codecs/known-json.js';
import { decodeMessage } from './worker-protocol.js';

describe('decodeMessage', () => {
  it("keeps a Node worker's result text, for the log to take as it came", () => {
    const result = [{ label: 'a"b', scores: { x: 0.1, y: [1e-7, -0] } }, null];
    const line = JSON.stringify({ id: 12, result });
    const msg = decodeMessage(line);
    expect(msg).toEqual({ id: 12, result: JSON.parse(JSON.stringify(result)) });
    const parsed = (msg as { result: unknown }).result;
    expect(knownJson(parsed)).toBe(JSON.stringify(result));
    expect(JSON.parse(knownJson(parsed)!)).toEqual(parsed);
  });

  it('keeps no text for another layout, a scalar result or an error', () => {
    const spaced = decodeMessage('{"id": 3, "result": [1, 2]}') as { result: unknown };
    expect(spaced.result).toEqual([1, 2]);
    expect(knownJson(spaced.result)).toBeUndefined();
    const scalar = decodeMessage('{"id":4,"result":7}') as { result: unknown };
    expect(scalar.result).toBe(7);
    expect(decodeMessage('{"id":5,"error":{"type":"X","message":"m"}}')).toMatchObject({
      id: 5,
      error: { type: 'X', message: 'm' },
    });
  });
});
