import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ClassificationMetrics,
  DriftReport,
  FeatureDrift,
  QualityReport,
} from '../src/protocol/monitoring.js';
import { devPython } from './support/python-dev.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';
import { seededRandom as random } from './support/seeded-random.js';

/**
 * The monitoring loop end to end against its oracles: calls through the gateway, labels
 * through /feedback, a reference through PUT /reference; then the quality report against
 * scikit-learn and the drift report against scipy and Evidently, on the same data, in the dev
 * venv (src/monitoring/quality/oracle.py, src/monitoring/stats/oracle.py).
 */
const QUALITY_ORACLE = fileURLToPath(
  new URL('../src/monitoring/quality/oracle.py', import.meta.url),
);
const STATS_ORACLE = fileURLToPath(new URL('../src/monitoring/stats/oracle.py', import.meta.url));
const MODEL = new URL('./fixtures/onnx/mixed_columns.onnx', import.meta.url);

interface Row {
  age: number;
  income: number;
  city: string;
  plan: string;
}

/** Rows of the churn model's inputs; `shift` moves ages up and makes Paris rarer. */
function rows(seed: number, n: number, shift: number): Row[] {
  const rand = random(seed);
  const cities = shift
    ? ['paris', 'lyon', 'nice', 'lille', 'lille', 'nice']
    : ['paris', 'lyon', 'nice', 'lille'];
  return Array.from({ length: n }, () => ({
    age: Math.round(18 + rand() * 60 + shift * 12),
    income: Math.round(20000 + rand() * 60000) / 10,
    city: cities[Math.floor(rand() * cities.length)]!,
    plan: rand() < 0.5 ? 'basic' : 'pro',
  }));
}

async function oracle<T>(python: string, script: string, input: unknown): Promise<T> {
  const child = spawn(python, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  child.stdin.end(JSON.stringify(input));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${script} failed (${code}): ${err}`);
  return JSON.parse(out) as T;
}

const close = (ours: number | null, theirs: number | null | string) => {
  if (theirs === null || typeof theirs === 'string')
    return expect(ours).toBe(theirs === null ? null : Number(theirs));
  expect(Math.abs(ours! - theirs)).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(theirs), 1e-5));
};

let gw: TestGateway;
let python: string;
type Prediction = { output_label: string; output_probability: Record<string, number> };

/** One deployment's data: reference and current inputs, with the model's answers. */
interface Scenario {
  name: string;
  reference: Row[];
  current: Row[];
  referencePredictions: string[];
  predictions: Prediction[];
  key: string;
  ids: string[];
}

/**
 * Two scenarios: a reference of 600 rows (Evidently tests: KS, chi-square, z) and one of 1,500
 * (normed Wasserstein, Jensen–Shannon).
 */
const scenarios: Scenario[] = [];
let actual: string[];

async function invoke(name: string, key: string, records: Row[]) {
  const res = await gw.app.request(`/fn/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(records),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { ids: string[]; predictions: Prediction[] };
}

async function publish(name: string) {
  const res = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm({ name }, { bytes: await readFile(MODEL), filename: 'churn.onnx' }),
  });
  expect(res.status).toBe(201);
  return (await res.json()).invokeKey as string;
}

async function scenario(name: string, reference: Row[], current: Row[]): Promise<Scenario> {
  // The reference's predictions come from the same model, on another deployment.
  const refKey = await publish(`${name}-ref`);
  const referencePredictions: string[] = [];
  for (let i = 0; i < reference.length; i += 1000)
    referencePredictions.push(
      ...(await invoke(`${name}-ref`, refKey, reference.slice(i, i + 1000))).predictions.map(
        (p) => p.output_label,
      ),
    );
  const csv = [
    'age,income,city,plan,prediction',
    ...reference.map(
      (r, i) => `${r.age},${r.income},${r.city},${r.plan},${referencePredictions[i]}`,
    ),
  ].join('\n');
  const key = await publish(name);
  const ref = await gw.admin(`/api/deployments/${name}/reference`, {
    method: 'PUT',
    headers: { 'content-type': 'text/csv' },
    body: csv,
  });
  expect(ref.status).toBe(200);
  // The test gateway takes 1,000 records a call.
  const answered = { ids: [] as string[], predictions: [] as Prediction[] };
  for (let i = 0; i < current.length; i += 1000) {
    const part = await invoke(name, key, current.slice(i, i + 1000));
    answered.ids.push(...part.ids);
    answered.predictions.push(...part.predictions);
  }
  return {
    name,
    reference,
    current,
    referencePredictions,
    predictions: answered.predictions,
    key,
    ids: answered.ids,
  };
}

beforeAll(async () => {
  python = await devPython();
  gw = await startTestGateway();
  scenarios.push(await scenario('churn', rows(1, 600, 0), rows(2, 800, 1)));
  scenarios.push(await scenario('churn-large', rows(4, 1500, 0), rows(5, 2000, 1)));
  const [{ predictions, key, ids, current }] = scenarios as [Scenario];
  // Labels: the model is right about three times in four.
  const rand = random(3);
  actual = predictions.map((p) =>
    rand() < 0.75 ? p.output_label : p.output_label === 'stay' ? 'churn' : 'stay',
  );
  const fb = await gw.app.request('/fn/churn/feedback', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(ids.map((id, i) => ({ id, actual: actual[i] }))),
  });
  expect(await fb.json()).toMatchObject({ accepted: current.length, rejected: 0 });
}, 600_000);

afterAll(async () => {
  await gw?.stop();
});

describe('monitoring against scikit-learn, scipy and Evidently', () => {
  it('reports quality as scikit-learn computes it', async () => {
    const { predictions, current } = scenarios[0]!;
    const report: QualityReport = await (await gw.admin('/api/deployments/churn/quality')).json();
    const ours = report.overall as ClassificationMetrics;
    const { results } = await oracle<{ results: ClassificationMetrics[] }>(python, QUALITY_ORACLE, {
      cases: [
        {
          kind: 'classification',
          actual,
          predicted: predictions.map((p) => p.output_label),
          probaKeys: ['churn', 'stay'],
          proba: predictions.map((p) => [p.output_probability.churn, p.output_probability.stay]),
        },
      ],
    });
    const sk = results[0]!;
    expect(ours.labelled).toBe(current.length);
    expect(ours.classes).toEqual(sk.classes);
    expect(ours.confusionMatrix).toEqual(sk.confusionMatrix);
    close(ours.accuracy, sk.accuracy);
    close(ours.rocAuc, sk.rocAuc);
    close(ours.logLoss, sk.logLoss);
    for (const k of ['precision', 'recall', 'f1'] as const) close(ours.macro[k], sk.macro[k]);
    ours.perClass.forEach((c, i) => {
      const theirs = sk.perClass[i]!;
      expect(c.class).toBe(theirs.class);
      expect(c.support).toBe(theirs.support);
      for (const k of ['precision', 'recall', 'f1'] as const) close(c[k], theirs[k]);
    });
  });

  it.each([0, 1])(
    'reports drift with scipy’s statistics and Evidently’s verdicts (scenario %i)',
    async (n) => {
      const { name, reference, current, referencePredictions, predictions } = scenarios[n]!;
      const report: DriftReport = await (await gw.admin(`/api/deployments/${name}/drift`)).json();
      const kind = (name: string) =>
        name === 'age' || name === 'income' ? 'numeric' : 'categorical';
      const names = ['age', 'income', 'city', 'plan'] as const;
      const column = (name: (typeof names)[number]) => ({
        name,
        kind: kind(name),
        reference: reference.map((r) => r[name]),
        current: current.map((r) => r[name]),
      });
      const predictionColumn = {
        name: 'prediction',
        kind: 'categorical',
        reference: referencePredictions,
        current: predictions.map((p) => p.output_label),
      };
      const out = await oracle<{
        cases: Record<string, unknown>[];
        datasets: {
          columns: Record<string, { method: string; drift: boolean; score: number }>;
          dataset_drift: boolean;
          share: number;
        }[];
      }>(python, STATS_ORACLE, {
        cases: [...names.map(column), predictionColumn].map(
          ({ kind: k, reference: r, current: c }) => ({
            kind: k,
            reference: r,
            current: c,
          }),
        ),
        datasets: [{ columns: names.map(column) }, { columns: [predictionColumn] }],
      });
      const [features, prediction] = out.datasets;
      expect(report.features.map((f) => f.name)).toEqual([...names]);
      expect(report.datasetDrift).toBe(features!.dataset_drift);
      close(report.driftShare, features!.share);
      const check = (
        f: FeatureDrift,
        evidently: { method: string; drift: boolean; score: number },
        scipy: Record<string, unknown>,
      ) => {
        expect(f.method).toBe(evidently.method);
        expect(f.drift).toBe(evidently.drift);
        close(f.pValue ?? f.statistic, evidently.score);
        close(f.psi, scipy.psi as number);
        if (f.method === 'ks') {
          const [d, p] = scipy.ks as [number, number];
          close(f.statistic, d);
          close(f.pValue, p);
        }
        if (f.method === 'chisquare') {
          const [x, p] = scipy.chisquare as [number, number];
          close(f.statistic, x);
          close(f.pValue, p);
        }
      };
      report.features.forEach((f, i) => check(f, features!.columns[f.name]!, out.cases[i]!));
      expect(report.prediction).not.toBeNull();
      check(report.prediction!, prediction!.columns.prediction!, out.cases[4]!);
      // The shift shows: age drifted, plan did not.
      expect(report.features.find((f) => f.name === 'age')!.drift).toBe(true);
      expect(report.features.find((f) => f.name === 'plan')!.drift).toBe(false);
    },
  );
});
