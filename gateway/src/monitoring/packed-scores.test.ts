import { describe, expect, it } from 'vitest';
import { answerOf, type AnswerColumns } from './features.js';
import { packScores, packedRow, type PackedScores } from './packed-scores.js';

const pack = (rows: number[][]) =>
  packScores(rows.length, rows[0]?.length ?? 0, (r, j) => rows[r]![j]!);
/** Through JSON, as the log stores it. */
const stored = (p: PackedScores | null) => JSON.parse(JSON.stringify(p)) as PackedScores;

describe('packed scores', () => {
  it('keeps float32 numbers as float32 and reads back the very same numbers', () => {
    const rows = [
      [Math.fround(0.1), Math.fround(0.7), Math.fround(0.2)],
      [0, 1, 0],
    ];
    const p = stored(pack(rows));
    expect(p.type).toBe('float32');
    expect(Buffer.from(p.base64, 'base64')).toHaveLength(2 * 3 * 4);
    expect(Array.from(packedRow(p, 3, 0)!)).toEqual(rows[0]);
    expect(Array.from(packedRow(p, 3, 1)!)).toEqual(rows[1]);
  });

  it('keeps numbers float32 cannot hold as float64', () => {
    const rows = [
      [0.1, 0.9],
      [0.25, 0.75],
    ];
    const p = stored(pack(rows));
    expect(p.type).toBe('float64');
    expect(Array.from(packedRow(p, 2, 0)!)).toEqual([0.1, 0.9]);
    expect(Array.from(packedRow(p, 2, 1)!)).toEqual([0.25, 0.75]);
  });

  it('has no scores for a row with a number that is not finite, and none at all when no row has', () => {
    const p = stored(
      pack([
        [0.5, NaN],
        [0.5, 0.5],
        [Infinity, 0],
      ]),
    );
    expect(packedRow(p, 2, 0)).toBeNull();
    expect(Array.from(packedRow(p, 2, 1)!)).toEqual([0.5, 0.5]);
    expect(packedRow(p, 2, 2)).toBeNull();
    expect(packedRow(p, 2, 3)).toBeNull();
    expect(pack([[NaN], [-Infinity]])).toBeNull();
  });

  it('answers feedback as the same scores written as JSON rows do', () => {
    const rows = [
      [Math.fround(0.3), Math.fround(0.7)],
      [0.5, NaN],
    ];
    const base = { index: [4, 9], predicted: ['b', 'a'], classes: ['a', 'b'] };
    const json: AnswerColumns = { ...base, scores: [rows[0]!, null] };
    const packed: AnswerColumns = { ...base, scores: stored(pack(rows)) };
    for (const i of [4, 9, 5])
      expect(answerOf(packed, `c:${i}`, i)).toEqual(answerOf(json, `c:${i}`, i));
    expect(answerOf(packed, 'c:4', 4)).toEqual({
      predicted: 'b',
      scores: { a: Math.fround(0.3), b: Math.fround(0.7) },
    });
  });
});
