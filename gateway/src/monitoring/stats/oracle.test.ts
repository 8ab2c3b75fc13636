/**
 * scipy and Evidently as the oracle (oracle.py, in the Python dev venv): seeded random samples
 * on both sides of Evidently's 1000-value switch and of ks_2samp's exact/asymptotic switch
 * (10,000), with ties, shifts, identical samples and missing values. Every statistic and
 * p-value must agree to 1e-9 relative (1e-14 absolute for values that small: p-values taken
 * as 1 − cdf carry that much absolute rounding in scipy itself); methods, verdicts and the
 * dataset verdict must be the same.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { devPython } from '../../../test/support/python-dev.js';
import type { DriftMethod, FeatureKind, Label } from '../../protocol/monitoring.js';
import { chi2Contingency } from './chisquare.js';
import { datasetDrift, driftTest, type DriftVerdict } from './drift-test.js';
import { kstwoSf } from './kolmogorov.js';
import { ks2samp } from './ks.js';
import type { RawValue } from './samples.js';
import { chiSquareSf } from './special-functions.js';
import { wassersteinDistance } from './wasserstein.js';
import { seededRandom } from '../../../test/support/seeded-random.js';

const ORACLE = fileURLToPath(new URL('./oracle.py', import.meta.url));
const REL = 1e-9;
const ABS = 1e-14;

/** Seeded uniforms and normals, so that every run tests the same samples. */
function generator(seed: number) {
  const uniform = seededRandom(seed);
  const normal = () => {
    const u = 1 - uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
  return { uniform, normal };
}

interface Sample {
  name: string;
  kind: FeatureKind;
  reference: RawValue[];
  current: RawValue[];
}

const rng = generator(20240601);
const normals = (n: number, shift = 0, scale = 1) =>
  Array.from({ length: n }, () => rng.normal() * scale + shift);
const rounded = (xs: number[], step: number) => xs.map((x) => Math.round(x / step) * step);
const pick = <T>(n: number, values: T[], weights: number[]): T[] => {
  const total = weights.reduce((s, w) => s + w, 0);
  return Array.from({ length: n }, () => {
    let u = rng.uniform() * total;
    for (let i = 0; i < values.length; i++) if ((u -= weights[i]) < 0) return values[i];
    return values[values.length - 1];
  });
};
const withMissing = (xs: RawValue[], share: number): RawValue[] =>
  xs.map((x) => (rng.uniform() < share ? (rng.uniform() < 0.5 ? null : NaN) : x));

const identical = normals(700);
const samples: Sample[] = [
  // Numeric, exact KS branch, reference ≤ 1000.
  { name: 'tiny', kind: 'numeric', reference: normals(8), current: normals(13, 1) },
  { name: 'shifted', kind: 'numeric', reference: normals(200), current: normals(150, 0.4) },
  { name: 'identical', kind: 'numeric', reference: identical, current: identical },
  { name: 'equal sizes', kind: 'numeric', reference: normals(500), current: normals(500, 0.1) },
  {
    name: 'ties',
    kind: 'numeric',
    reference: rounded(normals(1000), 0.25),
    current: rounded(normals(800, 0.1), 0.25),
  },
  {
    name: 'missing values',
    kind: 'numeric',
    reference: withMissing(normals(900), 0.05),
    current: withMissing(normals(600, 0.2, 1.3), 0.1),
  },
  {
    name: 'twelve values',
    kind: 'numeric',
    reference: pick(600, [...Array(12).keys()], Array(12).fill(1)),
    current: pick(
      400,
      [...Array(12).keys()],
      [...Array(12).keys()].map((i) => i + 1),
    ),
  },
  {
    name: 'three values',
    kind: 'numeric',
    reference: pick(500, [0, 1, 2], [1, 1, 1]),
    current: pick(300, [0, 1, 2], [1, 1, 1.4]),
  },
  {
    name: 'binary numeric',
    kind: 'numeric',
    reference: pick(400, [0, 1], [3, 1]),
    current: pick(300, [0, 1], [2, 1]),
  },
  // Numeric, reference above 1000: normed Wasserstein; KS still computed for the oracle.
  {
    name: 'just above 1000',
    kind: 'numeric',
    reference: normals(1001),
    current: normals(900, 0.05),
  },
  {
    name: 'exact at 10,000',
    kind: 'numeric',
    reference: normals(10000),
    current: normals(9999, 0.03),
  },
  { name: 'asymptotic', kind: 'numeric', reference: normals(10001), current: normals(5000, 0.05) },
  {
    name: 'asymptotic, small n',
    kind: 'numeric',
    reference: normals(20000),
    current: normals(30, 0.6),
  },
  {
    name: 'asymptotic, n ≤ 140',
    kind: 'numeric',
    reference: normals(15000),
    current: normals(120, 0.1),
  },
  {
    name: 'large, drifted',
    kind: 'numeric',
    reference: normals(60000),
    current: normals(50000, 0.02),
  },
  { name: 'large, calm', kind: 'numeric', reference: normals(40000), current: normals(40000) },
  {
    name: 'large, ties',
    kind: 'numeric',
    reference: rounded(normals(30000), 0.1),
    current: rounded(normals(25000, 0, 1.05), 0.1),
  },
  {
    name: 'few values, large',
    kind: 'numeric',
    reference: pick(3000, [1, 2, 3, 4], [1, 2, 3, 4]),
    current: pick(2000, [1, 2, 3, 4], [1, 2, 3, 5]),
  },
  // Categorical.
  {
    name: 'four categories',
    kind: 'categorical',
    reference: pick(400, ['a', 'b', 'c', 'd'], [4, 3, 2, 1]),
    current: pick(300, ['a', 'b', 'c', 'd'], [3, 3, 2, 2]),
  },
  {
    name: 'new category',
    kind: 'categorical',
    reference: pick(300, ['a', 'b', 'c'], [1, 1, 1]),
    current: pick(300, ['a', 'b', 'c', 'e'], [1, 1, 1, 0.2]),
  },
  {
    name: 'binary',
    kind: 'categorical',
    reference: pick(500, ['yes', 'no'], [1, 1]),
    current: pick(350, ['yes', 'no'], [1.3, 1]),
  },
  {
    name: 'booleans with missing',
    kind: 'categorical',
    reference: withMissing(pick(400, [true, false], [1, 2]), 0.05),
    current: pick(400, [true, false], [1, 1]),
  },
  {
    name: 'one value',
    kind: 'categorical',
    reference: Array(50).fill('x'),
    current: Array(40).fill('x'),
  },
  {
    name: 'many categories, large',
    kind: 'categorical',
    reference: pick(5000, ['p', 'q', 'r', 's', 't', 'u'], [6, 5, 4, 3, 2, 1]),
    current: pick(4000, ['p', 'q', 'r', 's', 't', 'u'], [5, 5, 4, 3, 2, 2]),
  },
  {
    name: 'integer categories',
    kind: 'categorical',
    reference: pick(200, [1, 2, 3, 7], [1, 1, 1, 1]),
    current: pick(200, [1, 2, 3, 7], [2, 1, 1, 1]),
  },
];

/** Datasets for the report: columns of one length per side, as a DataFrame needs. */
function dataset(rows: [number, number], columns: Omit<Sample, 'name'>[]): Sample[] {
  return columns.map((c, i) => ({
    name: `f${i}`,
    kind: c.kind,
    reference: c.reference.slice(0, rows[0]),
    current: c.current.slice(0, rows[1]),
  }));
}
const datasets: Sample[][] = [
  dataset(
    [300, 250],
    [
      { kind: 'numeric', reference: normals(300), current: normals(250, 0.5) },
      { kind: 'numeric', reference: normals(300), current: normals(250) },
      {
        kind: 'categorical',
        reference: pick(300, ['a', 'b', 'c'], [1, 1, 1]),
        current: pick(250, ['a', 'b', 'c'], [2, 1, 1]),
      },
      {
        kind: 'categorical',
        reference: pick(300, ['m', 'f'], [1, 1]),
        current: pick(250, ['m', 'f'], [1, 1]),
      },
      {
        kind: 'numeric',
        reference: withMissing(pick(300, [0, 1, 2, 3], [1, 1, 1, 1]), 0.05),
        current: pick(250, [0, 1, 2, 3], [1, 1, 1, 3]),
      },
    ],
  ),
  dataset(
    [3000, 2500],
    [
      { kind: 'numeric', reference: normals(3000), current: normals(2500, 0.3) },
      { kind: 'numeric', reference: normals(3000), current: normals(2500, 0.01) },
      {
        kind: 'categorical',
        reference: pick(3000, ['a', 'b', 'c'], [1, 1, 1]),
        current: pick(2500, ['a', 'b', 'c'], [1, 1, 1]),
      },
      {
        kind: 'numeric',
        reference: pick(3000, [1, 2, 3], [1, 1, 1]),
        current: pick(2500, [1, 2, 3], [1, 1, 2]),
      },
    ],
  ),
];

interface CaseAnswer {
  ks?: [number, number];
  ks_evidently_p?: number;
  wasserstein?: number;
  wasserstein_normed?: number;
  edges?: number[];
  chisquare?: [number | string, number | string];
  chisquare_evidently_p?: number | string;
  z_evidently_p?: number;
  z?: number;
  jensenshannon: number;
  jensenshannon_scipy: number;
  psi: number;
  shares?: [number[], number[]];
  shares_by_value?: [Label, number, number][];
}
interface DatasetAnswer {
  columns: Record<
    string,
    { method: DriftMethod; threshold: number; score: number; drift: boolean }
  >;
  drifted: number;
  share: number;
  dataset_drift: boolean;
  preset: {
    count: number;
    share: number;
    columns: Record<string, { method: DriftMethod; threshold: number; score: number }>;
  };
}
interface Answer {
  versions: { scipy: string; evidently: string };
  cases: CaseAnswer[];
  tables: [number, number, number][];
  kstwo: number[];
  chi2: number[];
  datasets: DatasetAnswer[];
}

const tables = [
  [
    [10, 20],
    [30, 25],
  ],
  [
    [3, 0],
    [1, 7],
  ],
  [
    [120, 90, 40],
    [110, 95, 60],
    [30, 20, 25],
  ],
];
const kstwoPoints: [number, number][] = [
  [0.001, 1000000],
  [0.002, 400000],
  [0.004, 200000],
  [0.01, 50000],
  [0.02, 12000],
  [0.05, 1000],
  [0.2, 141],
  [0.09, 141],
  [0.3, 50],
  [0.15, 40],
  [0.05, 40],
  [0.6, 20],
  [0.011, 100001],
  [0.0035, 250000],
];
const chi2Points: [number, number][] = [
  [0.5, 1],
  [3.84, 1],
  [30, 25],
  [45, 30],
  [150, 140],
  [1000, 999],
  [2, 5],
  [0.01, 0.5 * 2],
  [80, 20],
];

function runOracle(python: string, request: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [ORACLE], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as Answer)
        : reject(new Error(`oracle.py failed (${code}):\n${err}`)),
    );
    child.stdin.end(JSON.stringify(request));
  });
}

const toNumber = (x: number | string) =>
  typeof x === 'string' ? Number(x.replace('inf', 'Infinity')) : x;

/** Relative 1e-9, or absolute 1e-14 for values that small; NaN and infinities must match. */
function expectClose(actual: number, expected: number | string, what: string) {
  const e = toNumber(expected);
  if (!Number.isFinite(e) || !Number.isFinite(actual)) {
    expect(actual, what).toBe(e);
    return;
  }
  const diff = Math.abs(actual - e);
  expect(diff <= REL * Math.abs(e) || diff <= ABS, `${what}: ${actual} vs scipy ${e}`).toBe(true);
}

const clean = (xs: RawValue[]) =>
  xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));

let answer: Answer;
beforeAll(async () => {
  const python = await devPython();
  answer = await runOracle(python, {
    cases: samples.map(({ kind, reference, current }) => ({
      kind,
      reference: reference.map((x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x)),
      current: current.map((x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x)),
    })),
    tables,
    kstwo: kstwoPoints,
    chi2: chi2Points,
    datasets: datasets.map((columns) => ({
      columns: columns.map((c) => ({
        ...c,
        reference: c.reference.map((x) =>
          typeof x === 'number' && !Number.isFinite(x) ? null : x,
        ),
        current: c.current.map((x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x)),
      })),
    })),
  });
}, 900_000);

describe('the oracle', () => {
  it('is the scipy and Evidently this port was matched against', () => {
    expect(answer.versions.evidently).toBe('0.7.23');
    expect(answer.versions.scipy.split('.').slice(0, 2).join('.')).toBe('1.17');
  });
});

describe.each(samples.map((s, i) => [s.name, s, i] as const))('%s', (_name, sample, i) => {
  const verdict = (method: DriftMethod): DriftVerdict =>
    driftTest(sample.reference, sample.current, sample.kind, { method });

  it('numeric statistics match scipy', () => {
    const a = answer.cases[i];
    if (sample.kind !== 'numeric') return;
    const ref = clean(sample.reference);
    const cur = clean(sample.current);
    const ks = ks2samp(ref, cur);
    expectClose(ks.statistic, a.ks![0], 'ks statistic');
    expectClose(ks.pValue, a.ks![1], 'ks p-value');
    expectClose(verdict('ks').pValue!, a.ks_evidently_p!, 'Evidently ks');
    expectClose(wassersteinDistance(ref, cur), a.wasserstein!, 'wasserstein');
    expectClose(verdict('wasserstein').statistic, a.wasserstein_normed!, 'normed wasserstein');
  });

  it('binned shares, Jensen–Shannon and PSI match Evidently', () => {
    const a = answer.cases[i];
    const js = verdict('jensenshannon');
    expectClose(js.statistic, a.jensenshannon, 'jensenshannon');
    expectClose(js.statistic, a.jensenshannon_scipy, 'scipy jensenshannon');
    expectClose(verdict('psi').statistic, a.psi, 'psi');
    expectClose(js.psi, a.psi, 'psi beside another method');
    const h = js.histogram;
    if (a.edges) {
      expect(h.edges!.length).toBe(a.edges.length);
      h.edges!.forEach((e, k) => expectClose(e, a.edges![k], `edge ${k}`));
      h.reference.forEach((s, k) => expectClose(s, a.shares![0][k], `reference share ${k}`));
      h.current.forEach((s, k) => expectClose(s, a.shares![1][k], `current share ${k}`));
    } else {
      const byValue = new Map(a.shares_by_value!.map(([k, r, c]) => [k, [r, c]]));
      expect(h.categories!.length).toBe(byValue.size);
      h.categories!.forEach((k, j) => {
        const [r, c] = byValue.get(k)!;
        expectClose(h.reference[j], r, `reference share of ${k}`);
        expectClose(h.current[j], c, `current share of ${k}`);
      });
    }
  });

  it('chi-square and z match scipy and Evidently', () => {
    const a = answer.cases[i];
    if (a.chisquare) {
      const chi = verdict('chisquare');
      expectClose(chi.statistic, a.chisquare[0], 'chi-square statistic');
      expectClose(chi.pValue!, a.chisquare[1], 'chi-square p-value');
      expectClose(chi.pValue!, a.chisquare_evidently_p!, 'Evidently chi-square');
    }
    if (a.z_evidently_p !== undefined) {
      const z = verdict('z');
      expectClose(z.pValue!, a.z_evidently_p, 'Evidently z p-value');
      if (a.z !== undefined) expectClose(Math.abs(z.statistic), Math.abs(a.z), '|z|');
    }
  });
});

describe('special functions against scipy', () => {
  it('kstwo.sf in every method region', () => {
    kstwoPoints.forEach(([x, n], k) =>
      expectClose(kstwoSf(x, n), answer.kstwo[k], `kstwo.sf(${x}, ${n})`),
    );
  });

  it('chi2.sf', () => {
    chi2Points.forEach(([x, df], k) =>
      expectClose(chiSquareSf(x, df), answer.chi2[k], `chi2.sf(${x}, ${df})`),
    );
  });

  it('chi2_contingency', () => {
    tables.forEach((t, k) => {
      const r = chi2Contingency(t);
      expectClose(r.statistic, answer.tables[k][0], 'statistic');
      expectClose(r.pValue, answer.tables[k][1], 'p-value');
      expect(r.dof).toBe(answer.tables[k][2]);
    });
  });
});

describe.each(datasets.map((d, i) => [i, d] as const))(
  "Evidently's report, dataset %i",
  (i, columns) => {
    it('chooses the same method, score and verdict per column, and the same dataset verdict', () => {
      const a = answer.datasets[i];
      const verdicts = columns.map((c) => {
        const v = driftTest(c.reference, c.current, c.kind);
        const expected = a.columns[c.name];
        expect(v.method, c.name).toBe(expected.method);
        expect(v.threshold, c.name).toBe(expected.threshold);
        expectClose(v.pValue ?? v.statistic, expected.score, `${c.name} score`);
        expect(v.drift, c.name).toBe(expected.drift);
        const preset = a.preset.columns[c.name];
        expect(v.method, `${c.name} (DataDriftPreset)`).toBe(preset.method);
        expectClose(v.pValue ?? v.statistic, preset.score, `${c.name} score (DataDriftPreset)`);
        return v;
      });
      const d = datasetDrift(verdicts);
      expect(d.driftedCount).toBe(a.drifted);
      expect(d.driftedCount).toBe(a.preset.count);
      expectClose(d.driftShare, a.share, 'drift share');
      expect(d.datasetDrift).toBe(a.dataset_drift);
    });

    it('has drifted and calm columns, so that the verdicts are tested both ways', () => {
      const drifts = Object.values(answer.datasets[i].columns).map((c) => c.drift);
      expect(drifts).toContain(true);
      expect(drifts).toContain(false);
    });
  },
);
