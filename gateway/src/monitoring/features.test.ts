import { describe, expect, it } from 'vitest';
import type { Signature } from '../protocol/signature.js';
import {
  answerOf,
  featureColumns,
  monitoredFeatures,
  observeCall,
  type AnswerColumns,
} from './features.js';
import { predictionView } from './prediction-view.js';

const signature: Signature = {
  inputs: [{ name: 'x', type: 'float32', shape: [2] }],
  outputs: [
    { name: 'label', type: 'string' },
    { name: 'probabilities', type: 'json' },
  ],
};
const view = predictionView(signature, {}, 'model');
const records = [{ x: [1, 2] }, { x: [3, 4] }, { x: [5, 6] }];
const predictions = [
  { label: 'a', probabilities: { a: 0.9, b: 0.1 } },
  { label: 'b', probabilities: { a: 0.2, b: 0.8 } },
  { label: 'a', probabilities: { a: 0.6, b: 0.4 } },
];

describe("the monitor's copy of a call's predictions", () => {
  it('is columns: record indexes, predicted classes, and probabilities by class', () => {
    const call = observeCall(
      { call: 'c', index: [0, 2, 5] },
      records,
      predictions,
      monitoredFeatures(signature),
      view,
      true,
    );
    expect(call.predictions).toEqual({
      index: [0, 2, 5],
      predicted: ['a', 'b', 'a'],
      classes: ['a', 'b'],
      scores: [
        [0.9, 0.1],
        [0.2, 0.8],
        [0.6, 0.4],
      ],
    });
    expect(featureColumns(call)!['x[1]']!.values).toEqual([2, 4, 6]);
  });

  it('answers one prediction by its id: from columns (after a trip through JSON) and from the list of older rows', () => {
    const columns = JSON.parse(
      JSON.stringify(
        observeCall({ call: 'c', index: [0, 2, 5] }, records, predictions, [], view, false)
          .predictions,
      ),
    ) as AnswerColumns;
    expect(answerOf(columns, 'c:2', 2)).toEqual({ predicted: 'b', scores: { a: 0.2, b: 0.8 } });
    expect(answerOf(columns, 'c:1', 1)).toBeUndefined();
    expect(answerOf(columns, 'c', null)).toBeUndefined();

    const one = observeCall({ call: 'd', index: null }, [records[0]!], [3.5], [], view, false);
    const single = JSON.parse(JSON.stringify(one.predictions)) as AnswerColumns;
    expect(single.classes).toBeNull();
    expect(answerOf(single, 'd', null)).toEqual({ predicted: null, scores: null });
    expect(answerOf(single, 'd:0', 0)).toBeUndefined();

    const list = [{ id: 'e:1', predicted: 'x', scores: null }];
    expect(answerOf(list, 'e:1', 1)).toEqual(list[0]);
    expect(answerOf(list, 'e:0', 0)).toBeUndefined();
  });
});
