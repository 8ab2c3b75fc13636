// Benchmark of the PMML evaluator: Slipway's native TypeScript evaluator (the built gateway's
// PmmlRuntime) beside the JVM evaluators — JPMML-Evaluator, the reference kept by sklearn2pmml's
// authors, and PMML4S, the engine behind pypmml — on the same PMML files and rows, batch and one
// record at a time. The sides take turns over several rounds and the report gives medians; every
// JVM evaluator's answers are compared with ours row by row.
// Usage: npm run build --workspace gateway && npm run bench:pmml --workspace gateway
//        [-- --rounds 5 --seconds 3 --warmup 5 --rows 1000]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildJvmBench, compareAnswers, runJvmBench } from './pmml/jvm.mjs';
import { formatSection, pmmlSection } from './pmml/section.mjs';
import { prepareModel, timeSlipway, warmUp } from './pmml/slipway-side.mjs';
import { writeSection } from './report.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const settings = {
  rounds: arg('rounds', 5),
  seconds: arg('seconds', 3),
  warmup: arg('warmup', 5),
  nRows: arg('rows', 1000),
};

const MODELS = [
  {
    fixture: 's2p_gbm_regressor_100',
    label: 'GBM, 100 trees',
    about: 'GradientBoostingRegressor, 100 trees of depth 3, behind imputers, scaler, one-hot',
    dataset: 'houses',
  },
  {
    fixture: 's2p_logistic',
    label: 'logistic regression',
    about: 'LogisticRegression (binary, probabilities), behind imputers, scaler, one-hot',
    dataset: 'churn',
  },
];
const ENGINES = { jpmml: 'JPMML', pmml4s: 'PMML4S' };

const models = [];
for (const m of MODELS) models.push(await prepareModel(m, settings.nRows));
const { buildSeconds, classpath } = await buildJvmBench();
const work = await mkdtemp(join(tmpdir(), 'slipway-bench-pmml-'));

// Our warm-up, once: this process stays up, where each JVM run is a fresh process that warms up.
for (const m of models) m.warmupSeconds = await warmUp(m, settings.warmup);

const sides = {
  slipway: async () => timeSlipway(models, settings.seconds),
  ...Object.fromEntries(
    Object.keys(ENGINES).map((engine) => [
      engine,
      async () => {
        const plan = {
          engine,
          warmupSeconds: settings.warmup,
          seconds: settings.seconds,
          models: models.map((m) => ({
            name: m.fixture,
            pmml: m.path,
            fields: m.fields,
            rows: m.rows,
          })),
        };
        return runJvmBench(classpath, plan, work);
      },
    ]),
  ),
};

const runs = [];
const engines = {};
const checks = {};
const order = Object.keys(sides);
try {
  for (let r = 0; r < settings.rounds; r++) {
    // Rotate who goes first, so a slow spell on the shared machine does not always hit one side.
    const round = {};
    for (let k = 0; k < order.length; k++) {
      const side = order[(k + r) % order.length];
      const answer = await sides[side]();
      if (side === 'slipway') {
        round.slipway = answer;
        continue;
      }
      engines[side] = { name: ENGINES[side], full: answer.evaluator, java: answer.java };
      round[side] = {};
      for (const jm of answer.models) {
        const { predictions, batch: b, oneByOne: o, loadMs, warmupSeconds } = jm;
        round[side][jm.name] = { batch: b, oneByOne: o, loadMs, warmupSeconds };
        checks[side] ??= {};
        const model = models.find((m) => m.fixture === jm.name);
        checks[side][jm.name] ??= compareAnswers(side, model, predictions);
      }
    }
    runs.push(round);
    const line = models
      .map((m) =>
        order
          .map((s) => {
            const t = round[s][m.fixture];
            const rate = (x) => Math.round(x.records / x.seconds);
            return `${s} ${rate(t.batch)}/${rate(t.oneByOne)}`;
          })
          .join(' '),
      )
      .join(' | ');
    console.log(`round ${r + 1}/${settings.rounds} (records/s batch/one-by-one): ${line}`);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

for (const side of Object.keys(checks))
  for (const m of models) {
    const c = checks[side][m.fixture];
    console.log(
      `${side} ${m.fixture}: ${c.mismatchedRows} of ${m.rows.length} rows differ (${c.compared} values compared)`,
    );
    for (const e of c.examples) console.log('  e.g.', JSON.stringify(e));
  }

const markdown = await formatSection(
  pmmlSection({ models, runs, engines, checks, settings, buildSeconds }),
);
await writeSection('pmml', markdown);
console.log(markdown);
