// Benchmark of the PMML evaluator: Slipway's native TypeScript evaluator (the built gateway's
// PmmlRuntime) beside the JVM evaluators — JPMML-Evaluator, the reference kept by sklearn2pmml's
// authors, and PMML4S, the engine behind pypmml — on the same PMML files and rows, batch and one
// record at a time. The sides take turns over several rounds and the report gives medians; every
// JVM evaluator's answers are compared with ours row by row.
// Usage: npm run build --workspace gateway && npm run bench:pmml --workspace gateway
//        [-- --rounds 5 --seconds 3 --warmup 5 --rows 1000 --models a,b --engines jpmml
//            --out FILE]
// --models and --engines run a subset (fixture names, jpmml/pmml4s); --out writes the section to
// FILE instead of bench/RESULTS.md.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildJvmBench, compareAnswers, runJvmBench } from './pmml/jvm.mjs';
import { formatSection, pmmlSection } from './pmml/section.mjs';
import { prepareModel, timeSlipway, warmUp } from './pmml/slipway-side.mjs';
import { writeSection } from './report.mjs';

const text = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const arg = (name, fallback) => (text(name) === undefined ? fallback : Number(text(name)));
const list = (name) => text(name)?.split(',');
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
  {
    fixture: 's2p_isolation_forest',
    label: 'isolation forest',
    about: 'IsolationForest, 10 trees of 64 samples (MiningModel without a target field)',
    dataset: 'iris',
    // pypmml/PMML4S 1.5.8 cannot load a model without a target field (NullPointerException).
    skip: ['pmml4s'],
  },
  {
    fixture: 's2p_one_class_svm',
    label: 'one-class SVM',
    about: 'OneClassSVM, RBF kernel, behind a scaler',
    dataset: 'iris',
    skip: ['pmml4s'],
  },
  {
    fixture: 's2p_knn_classifier',
    label: 'kNN classifier',
    about: 'KNeighborsClassifier, k = 5 of 150 instances, euclidean, with the neighbours’ ids',
    dataset: 'iris',
  },
  {
    fixture: 's2p_knn_regressor',
    label: 'kNN regressor',
    about:
      'KNeighborsRegressor, k = 4 of 400 instances, cityBlock, distance-weighted, behind imputers, scaler, one-hot',
    dataset: 'houses',
  },
  {
    fixture: 's2p_ruleset',
    label: 'rule set',
    about:
      'RuleSetModel as sklearn2pmml writes it (its own records, repeated: its fields bound the values)',
    dataset: 'fixture',
  },
  {
    fixture: 'hand_grm_general_linear',
    label: 'general linear (GRM)',
    about:
      'GeneralRegressionModel generalLinear, a factor with an interaction and a squared covariate',
    dataset: 'fixture',
  },
  {
    fixture: 'hand_grm_ordinal_multinomial',
    label: 'ordinal logit (GRM)',
    about: 'GeneralRegressionModel ordinalMultinomial, cumulative logit',
    dataset: 'fixture',
  },
  {
    fixture: 'r_glm_binomial_logit',
    label: 'GLM logit (R)',
    about: 'glm(binomial) exported by the R pmml package: GeneralRegressionModel generalizedLinear',
    dataset: 'fixture',
  },
  {
    fixture: 'r_coxph',
    label: 'Cox regression (R)',
    about: 'coxph exported by the R pmml package: GeneralRegressionModel CoxRegression',
    dataset: 'fixture',
  },
  {
    fixture: 'hand_association_rules',
    label: 'association rules',
    about: 'AssociationModel, 7 rules, 23 rule-feature outputs, baskets of items',
    dataset: 'fixture',
    skip: ['pmml4s'],
  },
];
const wantedModels = list('models');
const wantedEngines = list('engines');
const ENGINES = Object.fromEntries(
  Object.entries({ jpmml: 'JPMML', pmml4s: 'PMML4S' }).filter(
    ([e]) => !wantedEngines || wantedEngines.includes(e),
  ),
);

const models = [];
for (const m of MODELS)
  if (!wantedModels || wantedModels.includes(m.fixture))
    models.push(await prepareModel(m, settings.nRows));
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
          models: models
            .filter((m) => !m.skip?.includes(engine))
            .map((m) => ({
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
            return t ? `${s} ${rate(t.batch)}/${rate(t.oneByOne)}` : `${s} —`;
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
    if (!c) continue;
    console.log(
      `${side} ${m.fixture}: ${c.mismatchedRows} of ${m.rows.length} rows differ (${c.compared} values compared)`,
    );
    for (const e of c.examples) console.log('  e.g.', JSON.stringify(e));
  }

const markdown = await formatSection(
  pmmlSection({ models, runs, engines, checks, settings, buildSeconds }),
);
if (text('out')) await writeFile(text('out'), markdown);
else await writeSection('pmml', markdown);
console.log(markdown);
