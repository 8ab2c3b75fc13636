/**
 * The two samples of a feature as Evidently's drift tests see them: missing values (null,
 * undefined, NaN, ±Infinity: Evidently turns infinities into NaN and drops them) left out;
 * numbers sorted, categories counted.
 */
import type { Label } from '../../protocol/monitoring.js';

/** A value as it arrives: a label, or missing. */
export type RawValue = Label | null | undefined;

function isMissing(v: RawValue): v is null | undefined {
  return v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v));
}

/** The numbers present, ascending. Throws on a value that is not a number. */
export function sortedNumbers(values: ArrayLike<RawValue>): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (isMissing(v)) continue;
    if (typeof v !== 'number') {
      throw new TypeError(`a numeric feature holds a ${typeof v}: ${JSON.stringify(v)}`);
    }
    out[n++] = v;
  }
  return out.subarray(0, n).sort();
}

/** How many distinct values an ascending array holds. */
export function distinctSorted(x: Float64Array): number {
  let count = 0;
  for (let i = 0; i < x.length; i++) if (i === 0 || x[i] !== x[i - 1]) count++;
  return count;
}

/** How many distinct values two ascending arrays hold together. */
export function distinctSortedUnion(x: Float64Array, y: Float64Array): number {
  let i = 0;
  let j = 0;
  let count = 0;
  while (i < x.length || j < y.length) {
    const v = j >= y.length || (i < x.length && x[i] <= y[j]) ? x[i] : y[j];
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    count++;
  }
  return count;
}

/** Counts per value, and how many values were present. */
export interface Counts {
  counts: Map<Label, number>;
  total: number;
}

/**
 * pandas' `value_counts` after `dropna`. Values compare as JavaScript's Map does: 1, '1' and
 * true are three categories (Python would merge 1 and True).
 */
export function countValues(values: ArrayLike<RawValue>): Counts {
  const counts = new Map<Label, number>();
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (isMissing(v)) continue;
    counts.set(v, (counts.get(v) ?? 0) + 1);
    total++;
  }
  return { counts, total };
}

const rank = (v: Label) => (typeof v === 'string' ? 1 : 0);

/**
 * Python's `sorted` on the values: numbers and booleans by value (False < True, as ints),
 * strings by code point after them (Python would refuse to compare the two kinds).
 */
export function compareLabels(a: Label, b: Label): number {
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === 'string' && typeof b === 'string') {
    const x = [...a].map((c) => c.codePointAt(0)!);
    const y = [...b].map((c) => c.codePointAt(0)!);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  }
  return Number(a) - Number(b);
}

/** Every value seen in either sample, sorted by `compareLabels`. */
export function unionOfValues(reference: Counts, current: Counts): Label[] {
  const keys = new Set<Label>([...reference.counts.keys(), ...current.counts.keys()]);
  return [...keys].sort(compareLabels);
}

/** Value counts of an ascending numeric sample. */
export function countSorted(x: Float64Array): Counts {
  const counts = new Map<Label, number>();
  for (let i = 0; i < x.length;) {
    let j = i;
    while (j < x.length && x[j] === x[i]) j++;
    // -0 and 0 are one value, as in pandas.
    counts.set(x[i] === 0 ? 0 : x[i], j - i);
    i = j;
  }
  return { counts, total: x.length };
}
