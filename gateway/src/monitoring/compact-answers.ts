import type { Label } from '../protocol/monitoring.js';
import { isPacked, packScores, packedRow, packedRowCount } from './packed-scores.js';
import type { PackedScores } from './packed-scores.js';

/**
 * A call's record indexes as runs of consecutive ones, `[first, count, first, count, …]` in
 * order: a batch chunk's are `0…n-1` less its refused rows, a few numbers however many rows.
 */
export interface IndexRuns {
  runs: number[];
}

/** The record indexes of a monitor copy: a list, runs, or null (one record, the call's id). */
export type AnswerIndex = number[] | IndexRuns | null;

/** Predicted values: one each (JSON), or packed when each is a number (a regression's). */
export type PredictedValues = (Label | null)[] | PackedScores;

/** `indexes` (ascending) as runs. */
export function indexRuns(indexes: readonly number[]): IndexRuns {
  const runs: number[] = [];
  for (let k = 0; k < indexes.length;) {
    const first = indexes[k]!;
    let count = 1;
    while (k + count < indexes.length && indexes[k + count] === first + count) count++;
    runs.push(first, count);
    k += count;
  }
  return { runs };
}

/** The record indexes as a list; null for one record. */
export function indexList(index: AnswerIndex): number[] | null {
  if (index === null || Array.isArray(index)) return index;
  const list: number[] = [];
  for (let r = 0; r < index.runs.length; r += 2)
    for (let i = 0; i < index.runs[r + 1]!; i++) list.push(index.runs[r]! + i);
  return list;
}

/** Where record `i` is among the predictions; -1 when none is its. */
export function positionOf(index: number[] | IndexRuns, i: number): number {
  if (Array.isArray(index)) return index.indexOf(i);
  const { runs } = index;
  for (let r = 0, before = 0; r < runs.length; before += runs[r + 1]!, r += 2)
    if (i >= runs[r]! && i < runs[r]! + runs[r + 1]!) return before + i - runs[r]!;
  return -1;
}

/**
 * The predicted values packed (`PackedScores`, one number a row) when each is a number or
 * null: a regression's, 8 bytes (or 4) instead of up to 24 characters of digits, none of them
 * made. A number that is not finite reads back as null, as JSON writes it; so does -0 as 0.
 * Labels that are not all numbers stay a list.
 */
export function packPredicted(predicted: readonly (Label | null)[]): PredictedValues {
  if (!predicted.every((p) => p === null || typeof p === 'number'))
    return predicted as (Label | null)[];
  const packed = packScores(predicted.length, 1, (r) => {
    const x = predicted[r];
    return typeof x === 'number' ? x + 0 : NaN;
  });
  return packed ?? (predicted as (Label | null)[]);
}

/** How many values there are. */
export const predictedCount = (predicted: PredictedValues): number =>
  isPacked(predicted) ? packedRowCount(predicted, 1) : predicted.length;

/** The n-th predicted value; undefined past the last. */
export function predictedAt(predicted: PredictedValues, n: number): Label | null | undefined {
  if (n >= predictedCount(predicted)) return undefined;
  if (!isPacked(predicted)) return predicted[n] ?? null;
  return packedRow(predicted, 1, n)?.[0] ?? null;
}
