import type { Label } from '../../protocol/monitoring.js';

/**
 * What a window of one feature's values looks like, small and mergeable: a rollup hour's values
 * or a reference sample's. Exact value counts while there are few distinct values; past
 * `MAX_EXACT_VALUES` a numeric summary becomes a log-bucket sketch (DDSketch's mapping: every
 * value is kept within `SKETCH_ACCURACY` of itself, relatively) and a categorical one keeps its
 * most frequent categories and counts the rest as `other`.
 */
export type ValueSummary = NumericCounts | NumericSketch | CategoricalCounts;

/** Exact: distinct values ascending, with how often each came. */
export interface NumericCounts {
  k: 'n';
  v: number[];
  c: number[];
  /** Missing values (null, NaN): left out of every statistic, as Evidently leaves them out. */
  m: number;
}

/** Approximate: bucket index → count; index 0 is zero, negative indexes mirror negative values. */
export interface NumericSketch {
  k: 's';
  b: [number, number][];
  min: number;
  max: number;
  m: number;
}

export interface CategoricalCounts {
  k: 'c';
  v: Label[];
  c: number[];
  /** Values past the kept categories (only when there were more than `MAX_CATEGORIES`). */
  o: number;
  m: number;
}

export const MAX_EXACT_VALUES = 4096;
export const MAX_CATEGORIES = 1000;
export const SKETCH_ACCURACY = 0.005;
const GAMMA = (1 + SKETCH_ACCURACY) / (1 - SKETCH_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** Values closer to zero than this share the zero bucket. */
const TINY = 1e-300;
/**
 * Added to a bucket's exponent so that every magnitude from `TINY` up has a positive index
 * (log_γ(1e-300) ≈ −69,000): the index's sign is then the value's.
 */
const OFFSET = 70_000;

export type FeatureKind = 'numeric' | 'categorical';

/** A summary of the values given (non-finite numbers and nulls count as missing). */
export function summarize(kind: FeatureKind, values: readonly unknown[]): ValueSummary {
  return summarizeParts(kind, [values]);
}

/** A value as a numeric summary reads it: a boolean as 0 or 1; not a number: NaN (missing). */
export const numberOf = (raw: unknown): number =>
  typeof raw === 'number' ? raw : typeof raw === 'boolean' ? Number(raw) : NaN;

/** `summarize` of the parts' values together (many calls' columns), without joining them. */
export function summarizeParts(
  kind: FeatureKind,
  parts: readonly ArrayLike<unknown>[],
): ValueSummary {
  return kind === 'numeric' ? summarizeNumbers(parts) : summarizeLabels(parts);
}

/**
 * Exact counts while there are at most `MAX_EXACT_VALUES` distinct values; past that, straight
 * into the sketch's buckets (what `toSketch` of the exact counts would give), so that a million
 * distinct values never make a million-entry map.
 */
function summarizeNumbers(parts: readonly ArrayLike<unknown>[]): ValueSummary {
  const counts = new Map<number, number>();
  let buckets: Map<number, number> | undefined;
  let min = Infinity;
  let max = -Infinity;
  let missing = 0;
  for (const values of parts)
    for (let i = 0; i < values.length; i++) {
      const x = numberOf(values[i]);
      if (!Number.isFinite(x)) {
        missing++;
        continue;
      }
      // -0 and 0 are one value.
      const key = x === 0 ? 0 : x;
      if (buckets) {
        const b = bucketOf(key);
        buckets.set(b, (buckets.get(b) ?? 0) + 1);
        if (key < min) min = key;
        if (key > max) max = key;
        continue;
      }
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (counts.size > MAX_EXACT_VALUES) {
        buckets = new Map();
        for (const [v, c] of counts) {
          const b = bucketOf(v);
          buckets.set(b, (buckets.get(b) ?? 0) + c);
          if (v < min) min = v;
          if (v > max) max = v;
        }
      }
    }
  if (!buckets) return fromNumberCounts(counts, missing);
  return { k: 's', b: [...buckets.entries()].sort((a, b) => a[0] - b[0]), min, max, m: missing };
}

function fromNumberCounts(counts: Map<number, number>, missing: number): ValueSummary {
  const v = [...counts.keys()].sort((a, b) => a - b);
  const exact: NumericCounts = { k: 'n', v, c: v.map((x) => counts.get(x)!), m: missing };
  return v.length > MAX_EXACT_VALUES ? toSketch(exact) : exact;
}

function summarizeLabels(parts: readonly ArrayLike<unknown>[]): CategoricalCounts {
  // One map per type (1 and "1" are two categories), keyed by the label itself: no key to make
  // per value.
  const counts = {
    string: new Map<string, { label: Label; count: number }>(),
    number: new Map<number, { label: Label; count: number }>(),
    boolean: new Map<boolean, { label: Label; count: number }>(),
  };
  let missing = 0;
  for (const values of parts)
    for (let i = 0; i < values.length; i++) {
      const raw = values[i];
      if (
        raw === null ||
        raw === undefined ||
        (typeof raw === 'number' && Number.isNaN(raw)) ||
        (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean')
      ) {
        missing++;
        continue;
      }
      const byType = counts[typeof raw as 'string'] as Map<Label, { label: Label; count: number }>;
      const slot = byType.get(raw);
      if (slot) slot.count++;
      else byType.set(raw, { label: raw, count: 1 });
    }
  const slots = [...counts.string.values(), ...counts.number.values(), ...counts.boolean.values()];
  return capCategories(slots, 0, missing);
}

/** One key per label, types kept apart: `1` and `"1"` are two categories. */
export const labelKey = (l: Label) => `${typeof l}:${String(l)}`;

function capCategories(
  slots: { label: Label; count: number }[],
  other: number,
  missing: number,
): CategoricalCounts {
  slots.sort((a, b) => b.count - a.count || compareLabels(a.label, b.label));
  const kept = slots.slice(0, MAX_CATEGORIES);
  const dropped = slots.slice(MAX_CATEGORIES).reduce((s, x) => s + x.count, 0);
  return {
    k: 'c',
    v: kept.map((s) => s.label),
    c: kept.map((s) => s.count),
    o: other + dropped,
    m: missing,
  };
}

function compareLabels(a: Label, b: Label): number {
  if (typeof a === typeof b) return a < b ? -1 : a > b ? 1 : 0;
  return typeof a < typeof b ? -1 : 1;
}

const bucketOf = (x: number) =>
  Math.abs(x) < TINY ? 0 : Math.sign(x) * (Math.ceil(Math.log(Math.abs(x)) / LOG_GAMMA) + OFFSET);

/** The value a bucket stands for: within `SKETCH_ACCURACY` of every value in it. */
function bucketValue(i: number): number {
  if (i === 0) return 0;
  const e = Math.abs(i) - OFFSET;
  return (Math.sign(i) * 2 * GAMMA ** e) / (GAMMA + 1);
}

function toSketch(s: NumericCounts | NumericSketch): NumericSketch {
  if (s.k === 's') return s;
  const buckets = new Map<number, number>();
  for (let i = 0; i < s.v.length; i++) {
    const b = bucketOf(s.v[i]!);
    buckets.set(b, (buckets.get(b) ?? 0) + s.c[i]!);
  }
  return {
    k: 's',
    b: [...buckets.entries()].sort((a, b) => a[0] - b[0]),
    min: s.v[0] ?? 0,
    max: s.v.at(-1) ?? 0,
    m: s.m,
  };
}

/** The summary of both windows' values together. */
export function merge(a: ValueSummary, b: ValueSummary): ValueSummary {
  if (a.k === 'c' || b.k === 'c') {
    if (a.k !== 'c' || b.k !== 'c')
      throw new Error('cannot merge a categorical summary with a numeric one');
    const slots = new Map<string, { label: Label; count: number }>();
    for (const s of [a, b])
      s.v.forEach((label, i) => {
        const key = labelKey(label);
        const slot = slots.get(key);
        if (slot) slot.count += s.c[i]!;
        else slots.set(key, { label, count: s.c[i]! });
      });
    return capCategories([...slots.values()], a.o + b.o, a.m + b.m);
  }
  if (a.k === 'n' && b.k === 'n') {
    const counts = new Map<number, number>();
    for (const s of [a, b]) s.v.forEach((x, i) => counts.set(x, (counts.get(x) ?? 0) + s.c[i]!));
    return fromNumberCounts(counts, a.m + b.m);
  }
  const [x, y] = [toSketch(a), toSketch(b)];
  const buckets = new Map<number, number>(x.b);
  for (const [i, c] of y.b) buckets.set(i, (buckets.get(i) ?? 0) + c);
  return {
    k: 's',
    b: [...buckets.entries()].sort((p, q) => p[0] - q[0]),
    min: Math.min(x.min, y.min),
    max: Math.max(x.max, y.max),
    m: x.m + y.m,
  };
}

/** How many values (missing ones not counted). */
export function countOf(s: ValueSummary): number {
  const sum = (c: readonly number[]) => c.reduce((t, x) => t + x, 0);
  return s.k === 's' ? s.b.reduce((t, [, c]) => t + c, 0) : sum(s.c) + (s.k === 'c' ? s.o : 0);
}

/** Whether the values can be given back exactly (no sketch, no category cut off). */
export const isExact = (s: ValueSummary) => s.k === 'n' || (s.k === 'c' && s.o === 0);

/**
 * The values themselves, in ascending order (numeric): exact for counts, the buckets' values
 * for a sketch (each within `SKETCH_ACCURACY` of the value it stands for, min and max exact).
 */
export function numbersOf(s: NumericCounts | NumericSketch): Float64Array {
  const pairs: [number, number][] =
    s.k === 'n' ? s.v.map((x, i) => [x, s.c[i]!]) : s.b.map(([i, c]) => [bucketValue(i), c]);
  const total = pairs.reduce((t, [, c]) => t + c, 0);
  const out = new Float64Array(total);
  let at = 0;
  for (const [x, c] of pairs) {
    out.fill(x, at, at + c);
    at += c;
  }
  if (s.k === 's' && total > 0) {
    // The extremes are known exactly.
    out[0] = s.min;
    out[total - 1] = s.max;
  }
  return out;
}

/** The labels themselves (categorical), the cut-off ones left out. */
export function labelsOf(s: CategoricalCounts): Label[] {
  const out: Label[] = [];
  s.v.forEach((label, i) => {
    for (let j = 0; j < s.c[i]!; j++) out.push(label);
  });
  return out;
}
