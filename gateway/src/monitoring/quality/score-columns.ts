import type { Label } from '../../protocol/monitoring.js';
import {
  MAX_EXACT_VALUES,
  merge,
  type NumericCounts,
  type NumericSketch,
  type ValueSummary,
} from '../summaries/value-summary.js';
import { labelsReadUnder, probabilityKeys } from './class-order.js';

/** The scores of one column's rows of one actual class: exact counts, or a sketch past 4096. */
export type ScoreValues = NumericCounts | NumericSketch;

/**
 * One class's probability as the rows answered it, split by actual class. A row's score is
 * the first of `keys` that holds a finite number (as `probabilityKeys` are read); rows with
 * none count as missing (`m`).
 */
export interface ScoreColumn {
  /** The class's probability keys that some row answered, in the order they are read. */
  keys: string[];
  /** Index-aligned with the summary's classes; null for a class that was never the label. */
  byActual: (ScoreValues | null)[];
}

/** The keys of `label` that hold a score somewhere: its column's identity. */
export const columnKeys = (label: Label, present: ReadonlySet<string>) =>
  probabilityKeys(label).filter((key) => present.has(key));

const columnId = (keys: readonly string[]) => JSON.stringify(keys);

/**
 * The distinct columns `labels` need; with `readable`, also those of every label the present
 * keys could be read for: a class this window never saw may be labelled in another, and its
 * scores here (negatives, all of them) are then needed.
 */
export function columnKeySets(
  labels: readonly Label[],
  present: ReadonlySet<string>,
  readable: boolean,
): string[][] {
  const out = new Map<string, string[]>();
  for (const label of readable ? [...labels, ...[...present].flatMap(labelsReadUnder)] : labels) {
    const keys = columnKeys(label, present);
    if (keys.length > 0) out.set(columnId(keys), keys);
  }
  return [...out.values()];
}

/** Columns by their keys, to find a class's column. */
export class ColumnIndex {
  readonly present: ReadonlySet<string>;
  private readonly byId: Map<string, ScoreColumn>;

  constructor(columns: readonly ScoreColumn[]) {
    this.present = new Set(columns.flatMap((c) => c.keys));
    this.byId = new Map(columns.map((c) => [columnId(c.keys), c]));
  }

  /** The column of a class (or of the keys a wider window would read for it). */
  find(labelOrKeys: Label | readonly string[]): ScoreColumn | undefined {
    const keys = Array.isArray(labelOrKeys)
      ? labelOrKeys.filter((key) => this.present.has(key))
      : columnKeys(labelOrKeys as Label, this.present);
    return keys.length > 0 ? this.byId.get(columnId(keys)) : undefined;
  }
}

const EMPTY: NumericCounts = { k: 'n', v: [], c: [], m: 0 };

function numeric(s: ValueSummary): ScoreValues {
  if (s.k === 'c') throw new Error('scores are numeric');
  return s;
}

/**
 * Distinct values and counts of sorted scores (NaN, sorted last, counts as missing). `exact`
 * keeps every value, for a one-off computation; stored summaries become sketches past
 * `MAX_EXACT_VALUES`, as every value summary does.
 */
export function scoreValues(sorted: Float64Array, exact: boolean): ScoreValues {
  const v: number[] = [];
  const c: number[] = [];
  let m = 0;
  for (const x of sorted) {
    if (Number.isNaN(x)) m++;
    else if (v.length > 0 && v[v.length - 1] === x) c[c.length - 1]!++;
    else {
      v.push(x === 0 ? 0 : x);
      c.push(1);
    }
  }
  const counts: NumericCounts = { k: 'n', v, c, m };
  return !exact && v.length > MAX_EXACT_VALUES ? numeric(merge(counts, EMPTY)) : counts;
}

/** Rows with no score at all (an empty exact summary would reset a sketch's min and max). */
export const missingScores = (m: number): NumericCounts => ({ k: 'n', v: [], c: [], m });

/** Both windows' scores. */
export function mergeScoreValues(a: ScoreValues, b: ScoreValues): ScoreValues {
  if (a.k === 'n' && a.v.length === 0) return { ...b, m: b.m + a.m };
  if (b.k === 'n' && b.v.length === 0) return { ...a, m: a.m + b.m };
  return numeric(merge(a, b));
}

const EMPTY_SKETCH: NumericSketch = {
  k: 's',
  b: [],
  min: Number.POSITIVE_INFINITY,
  max: Number.NEGATIVE_INFINITY,
  m: 0,
};

/** The same scores in sketch buckets, so that they compare with a sketch's bucket for bucket. */
export const asSketch = (s: ScoreValues): NumericSketch =>
  s.k === 's' ? s : (numeric(merge(s, EMPTY_SKETCH)) as NumericSketch);
