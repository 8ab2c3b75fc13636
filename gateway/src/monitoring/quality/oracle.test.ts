import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClassificationMetrics, Label } from '../../protocol/monitoring.js';
import { NO_PYTHON, testPython } from '../../workers/testing/python.js';
import { classificationMetrics, type ClassificationRow } from './classification.js';
import { regressionMetrics, type RegressionRow } from './regression.js';
import {
  mergeQuality,
  metricsFromSummary,
  summarizeQuality,
  type QualitySummary,
} from './quality-summary.js';
import { seededRandom as random } from '../../../test/support/seeded-random.js';

/**
 * Every figure of classificationMetrics and regressionMetrics against scikit-learn 1.6 in the
 * worker's venv (oracle.py), on seeded random data: numbers within 1e-9 relative
 * (|ours − sklearn| ≤ 1e-9·|sklearn|, and exactly equal where sklearn answers 0), classes,
 * counts and nulls exactly. The same figures again from the rows dealt into windows, each
 * summarised, and the summaries merged (as hourly summaries are): to the same tolerance, but
 * ROC AUC within 0.005 where the summaries had to sketch the scores (the large cases).
 */
const python = await testPython();
const ORACLE = fileURLToPath(new URL('./oracle.py', import.meta.url));
const TOLERANCE = 1e-9;

interface ClassificationCase {
  kind: 'classification';
  actual: Label[];
  predicted: Label[];
  probaKeys: string[] | null;
  proba: (number[] | null)[] | null;
}
interface RegressionCase {
  kind: 'regression';
  actual: number[];
  predicted: number[];
}
type OracleCase = ClassificationCase | RegressionCase;

interface ClassifierOptions {
  seed: number;
  rows: number;
  classes: Label[];
  /** Classes that never appear as the label (only predicted) or never predicted. */
  neverLabelled?: Label[];
  neverPredicted?: Label[];
  /** Probabilities from a few fixed rows, so scores tie often. */
  ties?: boolean;
  /** Rows (by index) answered without probabilities. */
  withoutProbabilities?: (i: number) => boolean;
}

/** A noisy classifier: it mostly favours the true class; predicted is its most probable class. */
function classifierCase(o: ClassifierOptions): ClassificationCase {
  const rand = random(o.seed);
  const k = o.classes.length;
  const labelable = o.classes.filter((c) => !o.neverLabelled?.includes(c));
  const fixed = Array.from({ length: 4 }, () => normalise(o.classes.map(() => rand() + 0.05)));
  const actual: Label[] = [];
  const predicted: Label[] = [];
  const proba: (number[] | null)[] = [];
  for (let i = 0; i < o.rows; i++) {
    const y = labelable[Math.floor(rand() * labelable.length)]!;
    const truth = o.classes.indexOf(y);
    const p = o.ties
      ? fixed[Math.floor(rand() * fixed.length)]!
      : normalise(o.classes.map((_, j) => rand() + (j === truth ? rand() * 1.5 : 0)));
    let best = -1;
    for (let j = 0; j < k; j++) {
      if (o.neverPredicted?.includes(o.classes[j]!)) continue;
      if (best < 0 || p[j]! > p[best]!) best = j;
    }
    actual.push(y);
    predicted.push(o.classes[best]!);
    proba.push(o.withoutProbabilities?.(i) ? null : p);
  }
  return { kind: 'classification', actual, predicted, probaKeys: o.classes.map(String), proba };
}

/** A certain model: probability 1 for its prediction, 0 for the rest (log_loss clips both). */
function certainCase(seed: number, rows: number, classes: Label[]): ClassificationCase {
  const rand = random(seed);
  const pick = () => Math.floor(rand() * classes.length);
  const actual: Label[] = [];
  const predicted: Label[] = [];
  const proba: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const y = pick();
    const p = rand() < 0.7 ? y : pick();
    actual.push(classes[y]!);
    predicted.push(classes[p]!);
    proba.push(classes.map((_, j) => (j === p ? 1 : 0)));
  }
  return { kind: 'classification', actual, predicted, probaKeys: classes.map(String), proba };
}

function normalise(xs: number[]): number[] {
  const sum = xs.reduce((s, x) => s + x, 0);
  return xs.map((x) => x / sum);
}

function regressionCase(
  seed: number,
  rows: number,
  actualAt: (r: () => number, i: number) => number,
  noise = 1,
): RegressionCase {
  const rand = random(seed);
  const actual = Array.from({ length: rows }, (_, i) => actualAt(rand, i));
  const predicted = actual.map((y) => y + (rand() - 0.5) * noise);
  return { kind: 'regression', actual, predicted };
}

const CASES: [string, OracleCase][] = [
  ['binary, string classes', classifierCase({ seed: 1, rows: 2000, classes: ['yes', 'No'] })],
  // 10 after 3: numbers sort numerically, so 10 is the positive class.
  ['binary, integer classes', classifierCase({ seed: 2, rows: 2000, classes: [10, 3] })],
  ['multiclass, 3 classes', classifierCase({ seed: 3, rows: 3000, classes: ['a', 'b', 'c'] })],
  [
    'multiclass, 5 integer classes',
    classifierCase({ seed: 4, rows: 5000, classes: [0, 1, 2, 3, 4] }),
  ],
  [
    'a class never predicted',
    classifierCase({ seed: 5, rows: 1000, classes: ['x', 'y', 'z'], neverPredicted: ['z'] }),
  ],
  [
    'a class never labelled',
    classifierCase({ seed: 6, rows: 1000, classes: [1, 2, 3, 4], neverLabelled: [3] }),
  ],
  [
    'binary, one class labelled',
    classifierCase({ seed: 7, rows: 300, classes: ['neg', 'pos'], neverLabelled: ['neg'] }),
  ],
  ['binary, tied scores', classifierCase({ seed: 8, rows: 2000, classes: [0, 1], ties: true })],
  [
    'multiclass, tied scores',
    classifierCase({ seed: 9, rows: 2000, classes: ['p', 'q', 'r', 's'], ties: true }),
  ],
  [
    'probabilities missing on some rows',
    classifierCase({
      seed: 10,
      rows: 500,
      classes: ['a', 'b', 'c'],
      withoutProbabilities: (i) => i % 7 === 3,
    }),
  ],
  [
    'strings ordered by code point',
    classifierCase({ seed: 11, rows: 800, classes: ['é', '😀', '\uffff', 'Z', 'a', 'ab'] }),
  ],
  ['probabilities of exactly 0 and 1', certainCase(15, 500, ['a', 'b', 'c'])],
  ['binary, probabilities of exactly 0 and 1', certainCase(16, 500, [0, 1])],
  ['one row', classifierCase({ seed: 12, rows: 1, classes: ['a', 'b'] })],
  [
    '100,000 rows, 4 classes',
    classifierCase({ seed: 13, rows: 100_000, classes: ['w', 'x', 'y', 'z'] }),
  ],
  ['1,000,000 rows, binary', classifierCase({ seed: 14, rows: 1_000_000, classes: [0, 1] })],
  ['regression', regressionCase(20, 1000, (r) => r() * 100 - 50, 10)],
  ['regression, zeros in y_true', regressionCase(21, 500, (r, i) => (i % 5 === 0 ? 0 : r() * 10))],
  ['regression, constant y_true', regressionCase(22, 200, () => 7)],
  [
    'regression, constant y_true predicted exactly',
    { kind: 'regression', actual: [2.5, 2.5, 2.5, 2.5], predicted: [2.5, 2.5, 2.5, 2.5] },
  ],
  ['regression, one row', { kind: 'regression', actual: [3], predicted: [5] }],
  ['regression, 100,000 rows', regressionCase(23, 100_000, (r) => r() * 1e3, 50)],
  // A large offset: a plain running sum of a million such terms drifts.
  ['regression, 1,000,000 rows', regressionCase(24, 1_000_000, (r) => 1e6 + r() * 1e3, 20)],
];

function regressionRows(c: RegressionCase): RegressionRow[] {
  return c.actual.map((actual, i) => ({ actual, predicted: c.predicted[i]! }));
}

function classificationRows(c: ClassificationCase): ClassificationRow[] {
  return c.actual.map((actual, i) => {
    const p = c.proba?.[i];
    return {
      actual,
      predicted: c.predicted[i]!,
      ...(p && { probabilities: Object.fromEntries(c.probaKeys!.map((key, j) => [key, p[j]!])) }),
    };
  });
}

function ours(c: OracleCase) {
  return c.kind === 'regression'
    ? regressionMetrics(regressionRows(c))
    : classificationMetrics(classificationRows(c));
}

/** Rows dealt at random into 2..8 windows (hours), each summarised, then merged. */
function viaSummaries(c: OracleCase, seed: number) {
  const rand = random(seed);
  const windows = 2 + Math.floor(rand() * 7);
  const deal = <T>(rows: T[]) => {
    const parts: T[][] = Array.from({ length: windows }, () => []);
    for (const r of rows) parts[Math.floor(rand() * windows)]!.push(r);
    return parts;
  };
  const summaries: QualitySummary[] =
    c.kind === 'regression'
      ? deal(regressionRows(c)).map((rows) => summarizeQuality(rows, 'regression'))
      : deal(classificationRows(c)).map((rows) => summarizeQuality(rows, 'classification'));
  return metricsFromSummary(summaries.reduce((a, b) => mergeQuality(a, b)));
}

/** Where two answers differ: numbers beyond the tolerance, anything else not equal. */
function mismatches(got: unknown, want: unknown, path: string): string[] {
  if (typeof got === 'number' && typeof want === 'number') {
    const ok = got === want || Math.abs(got - want) <= TOLERANCE * Math.abs(want);
    return ok ? [] : [`${path}: ${got} against scikit-learn's ${want}`];
  }
  if (Array.isArray(want) && Array.isArray(got) && got.length === want.length)
    return want.flatMap((w, i) => mismatches(got[i], w, `${path}[${i}]`));
  if (want && got && typeof want === 'object' && typeof got === 'object') {
    const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
    return [...keys].flatMap((key) =>
      mismatches(
        (got as Record<string, unknown>)[key],
        (want as Record<string, unknown>)[key],
        `${path}.${key}`,
      ),
    );
  }
  return Object.is(got, want)
    ? []
    : [`${path}: ${JSON.stringify(got)} against ${JSON.stringify(want)}`];
}

async function runOracle(interpreter: string, cases: OracleCase[]): Promise<unknown[]> {
  const child = spawn(interpreter, [ORACLE], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.end(JSON.stringify({ cases }));
  const code = await exit;
  if (code !== 0) throw new Error(`oracle.py exited ${code}: ${Buffer.concat(err).toString()}`);
  return (JSON.parse(Buffer.concat(out).toString()) as { results: unknown[] }).results;
}

describe.skipIf(!python)(
  python ? 'quality metrics against scikit-learn' : `quality metrics: ${NO_PYTHON}`,
  () => {
    const expected = new Map<string, unknown>();

    beforeAll(async () => {
      const results = await runOracle(
        python!,
        CASES.map(([, c]) => c),
      );
      CASES.forEach(([name], i) => expected.set(name, results[i]));
    }, 180_000);

    it.each(CASES)('%s: every figure as scikit-learn computes it', (name, c) => {
      const want = expected.get(name);
      expect(want).toBeDefined();
      expect(mismatches(ours(c), want, name)).toEqual([]);
    });

    it.each(CASES.map(([name, c], i) => [name, c, i] as const))(
      '%s: merged window summaries give the same figures',
      (name, c, i) => {
        const want = expected.get(name) as Record<string, unknown>;
        const { metrics, approximate } = viaSummaries(c, 100 + i);
        if (c.actual.length <= 5000) expect(approximate).toEqual([]);
        if (!approximate.includes('rocAuc')) {
          expect(mismatches(metrics, want, name)).toEqual([]);
          return;
        }
        const { rocAuc, ...rest } = metrics as ClassificationMetrics;
        expect(Math.abs(rocAuc! - (want.rocAuc as number))).toBeLessThanOrEqual(0.005);
        expect(mismatches({ ...rest, rocAuc: null }, { ...want, rocAuc: null }, name)).toEqual([]);
      },
    );

    it('covers the edges: nulls, a never-labelled class, exact zeros', () => {
      const want = (name: string) => expected.get(name) as Record<string, unknown>;
      expect(want('binary, one class labelled').rocAuc).toBeNull();
      expect(want('binary, one class labelled').logLoss).toEqual(expect.any(Number));
      expect(want('probabilities missing on some rows').rocAuc).toBeNull();
      expect(want('a class never labelled').rocAuc).toEqual(expect.any(Number));
      expect(want('regression, one row').r2).toBeNull();
      expect(want('regression, constant y_true').r2).toBe(0);
      expect(want('regression, constant y_true predicted exactly').r2).toBe(1);
      expect(want('regression, zeros in y_true').mape).toBeGreaterThan(1e12);
    });
  },
);
