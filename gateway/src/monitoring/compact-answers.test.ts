import { describe, expect, it } from 'vitest';
import type { Label } from '../protocol/monitoring.js';
import {
  indexList,
  indexRuns,
  packPredicted,
  positionOf,
  predictedAt,
  predictedCount,
} from './compact-answers.js';
import { answerOf, compactAnswers, type AnswerColumns, type StoredAnswers } from './features.js';
import { packScores } from './packed-scores.js';

/** Through JSON, as the log stores it. */
const stored = <T>(value: T) => JSON.parse(JSON.stringify(value)) as T;

describe('index runs', () => {
  it.each([[[]], [[0, 1, 2, 3, 4]], [[0, 2, 3, 4, 9]], [[5]], [[1, 3, 5, 6, 7, 8, 12]]])(
    'keep the indexes %j and where each is',
    (indexes: number[]) => {
      const runs = stored(indexRuns(indexes));
      expect(indexList(runs)).toEqual(indexes);
      for (let i = 0; i < 14; i++) expect(positionOf(runs, i)).toBe(indexes.indexOf(i));
    },
  );

  it('are a few numbers for a chunk of consecutive rows', () => {
    const chunk = Array.from({ length: 1000 }, (_, i) => i).filter((i) => i !== 500);
    expect(indexRuns(chunk).runs).toEqual([0, 500, 501, 499]);
  });
});

describe('packed predicted values', () => {
  it('read back as their JSON list reads, for numbers JSON cannot carry too', () => {
    const values: (Label | null)[] = [1.5, 0.1, -0, NaN, Infinity, null, 3, -2.25e-300, 7e21];
    const packed = stored(packPredicted(values));
    expect(Array.isArray(packed)).toBe(false);
    const plain = stored(values);
    expect(predictedCount(packed)).toBe(values.length);
    for (let n = 0; n < values.length; n++) expect(predictedAt(packed, n)).toEqual(plain[n]);
    expect(predictedAt(packed, values.length)).toBeUndefined();
  });

  it('are float32 when every number is one', () => {
    const packed = packPredicted([1, 2.5, 0.75]);
    expect(packed).toMatchObject({ type: 'float32' });
    expect(predictedCount(stored(packed))).toBe(3);
  });

  it('stay a list for labels, and when no number is finite', () => {
    expect(packPredicted(['a', 'b'])).toEqual(['a', 'b']);
    expect(packPredicted([1, 'b', true])).toEqual([1, 'b', true]);
    expect(packPredicted([null, NaN])).toEqual([null, NaN]);
    expect(predictedAt([1, null], 1)).toBeNull();
    expect(predictedAt([1, null], 2)).toBeUndefined();
  });

  it('take under half the text of the same numbers as JSON', () => {
    const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1e5);
    const copy: AnswerColumns = {
      index: values.map((_, i) => i),
      predicted: values,
      classes: null,
      scores: null,
    };
    expect(JSON.stringify(compactAnswers(copy)).length).toBeLessThan(
      JSON.stringify(copy).length / 2,
    );
  });
});

describe('a compact copy', () => {
  const index = [0, 1, 2, 4, 5];
  const copies: [string, AnswerColumns][] = [
    [
      'a regression',
      { index, predicted: [1.25, 0.1, null, -3, 1e-7], classes: null, scores: null },
    ],
    [
      'a classifier with packed scores',
      {
        index,
        predicted: ['a', 'b', 'a', null, 'b'],
        classes: ['a', 'b'],
        scores: packScores(5, 2, (r, j) => (j === 0 ? r / 10 : 1 - r / 10)),
      },
    ],
    ['one record', { index: null, predicted: [2.5], classes: null, scores: null }],
  ];

  it.each(copies)('answers every prediction as the full copy does: %s', (_, copy) => {
    const compact = stored(compactAnswers(copy)) as StoredAnswers;
    const full = stored(copy);
    for (const i of [null, 0, 1, 2, 3, 4, 5, 6]) {
      const id = i === null ? 'c' : `c:${i}`;
      expect(answerOf(compact, id, i)).toEqual(answerOf(full, id, i));
    }
    if (copy.index) expect(answerOf(compact, 'c:4', 4)).toBeDefined();
  });
});
