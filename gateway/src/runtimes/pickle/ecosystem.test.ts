import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_PYTHON, testPython } from '../../workers/testing/python.js';
import { pickleRuntimeFactory } from './index.js';
import type { PickleRuntime } from './pickle-runtime.js';
import {
  ECOSYSTEM_FIXTURES,
  mismatches,
  pickleFixture,
  pickleFixtures,
  specFor,
  type PickleFixture,
} from './testing/pickle-fixtures.js';

/**
 * Models from beyond scikit-learn's estimators, each served by a real worker and checked
 * against its own library's answers: XGBoost and LightGBM (pickled scikit-learn API objects,
 * and Boosters in XGBoost's JSON and UBJSON and LightGBM's text formats), statsmodels results
 * (a formula OLS, an array Logit), pipelines with custom transformers saved with cloudpickle,
 * and a pickle made by scikit-learn 1.5, with and without that version pinned.
 *
 * The libraries come from each fixture's `config.requirements`, as a publisher's would: a venv
 * per set layered on the worker's, made under `<repo>/.venv-worker/models` (beside the worker's
 * own venv) and kept, so that only the first run downloads them (xgboost-cpu, lightgbm,
 * statsmodels; scikit-learn 1.5.2 for the pin).
 */
const python = await testPython();
const fixtures = pickleFixtures(ECOSYSTEM_FIXTURES);
const venvRoot = fileURLToPath(new URL('../../../../.venv-worker', import.meta.url));
const LIBRARIES = ['xgboost', 'lightgbm', 'statsmodels'];

describe.skipIf(!python)(
  python ? 'models of the Python ecosystem' : `models of the Python ecosystem: ${NO_PYTHON}`,
  () => {
    const runtimes = new Map<string, PickleRuntime>();
    const factory = pickleRuntimeFactory({ configured: python, venvRoot });
    const open = async (f: PickleFixture, config = f.config) => {
      const runtime = factory.create(specFor(f.file, config)) as PickleRuntime;
      await runtime.load();
      return runtime;
    };

    beforeAll(async () => {
      // Two at a time: each model has a worker process of its own; the first of each set of
      // requirements makes its venv while the others wait on its lock.
      const queue = [...fixtures];
      const next = async (): Promise<void> => {
        const f = queue.shift();
        if (!f) return;
        runtimes.set(f.name, await open(f));
        return next();
      };
      await Promise.all([next(), next()]);
    }, 600_000);
    afterAll(async () => {
      await Promise.all([...runtimes.values()].map((r) => r.unload()));
    });

    it('has each library pickled and, for the boosters, in their own formats', () => {
      const writers = new Set(fixtures.map((f) => f.writer));
      for (const w of [
        'pickle',
        'joblib',
        'cloudpickle',
        'xgboost-json',
        'xgboost-ubj',
        'lightgbm-text',
      ])
        expect(writers).toContain(w);
      for (const lib of LIBRARIES)
        expect(
          fixtures.some((f) => JSON.stringify(f.config).includes(lib)),
          lib,
        ).toBe(true);
    });

    it.each(fixtures.map((f) => [f.name, f] as const))(
      '%s answers every row as its library did',
      async (_name, f) => {
        const runtime = runtimes.get(f.name)!;
        const answers = await runtime.predict(f.records, { requestId: f.name });
        const wrong = answers.flatMap((a, i) =>
          mismatches(a, f.predictions[i], f.tolerance, `row ${i}`),
        );
        expect(wrong).toEqual([]);
      },
    );

    it('reads named inputs off boosters and formulas, and classes off the objective', () => {
      const names = (n: string) =>
        runtimes
          .get(n)!
          .signature()
          .inputs.map((i) => i.name);
      expect(names('xgb_multiclass_ubj')).toEqual([
        'sepal_length',
        'sepal_width',
        'petal_length',
        'petal_width',
      ]);
      expect(names('lgbm_binary_txt')).toEqual(names('xgb_multiclass_ubj'));
      // Fitted on an array: XGBoost keeps no names.
      expect(runtimes.get('xgb_binary_json')!.signature().inputs).toEqual([
        { name: 'features', type: 'float64', shape: [4] },
      ]);
      const ols = runtimes.get('statsmodels_ols')!.signature().inputs;
      expect(ols.map((i) => i.name)).toEqual(['area', 'rooms', 'year', 'district']);
      // patsy refuses a level it did not see: the gateway refuses it first.
      expect(ols[3]).toMatchObject({ type: 'string', values: ['east', 'north', 'south', 'west'] });
      expect(names('statsmodels_logit')).toEqual(['sepal_length', 'sepal_width']);
      expect(runtimes.get('lgbm_multiclass_txt')!.signature().outputs).toEqual([
        { name: 'label', type: 'int64', shape: [], values: [0, 1, 2] },
        { name: 'probabilities', type: 'float64', shape: [3], values: [0, 1, 2] },
      ]);
    });

    it('warns of a pickle from another scikit-learn, naming both versions and the pin', () => {
      const f = pickleFixture('sklearn_1_5', ECOSYSTEM_FIXTURES);
      const notes = runtimes.get('sklearn_1_5')!.warnings();
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatch(
        /pickled with scikit-learn 1\.5\.2 and is served with scikit-learn 1\.6\.\d/,
      );
      expect(notes[0]).toContain(`config.requirements: ["scikit-learn==${f.sklearn}"]`);
    });

    it('serves that pickle with the pinned scikit-learn, which then has nothing to warn of', async () => {
      const f = pickleFixture('sklearn_1_5', ECOSYSTEM_FIXTURES);
      const pinned = await open(f, { requirements: [`scikit-learn==${f.sklearn}`] });
      runtimes.set('sklearn_1_5 pinned', pinned);
      // scikit-learn warns whenever the versions differ: no warning, the same version.
      expect(pinned.warnings()).toEqual([]);
      const answers = await pinned.predict(f.records, { requestId: 'pinned' });
      expect(
        answers.flatMap((a, i) => mismatches(a, f.predictions[i], f.tolerance, `row ${i}`)),
      ).toEqual([]);
      // And the worker says so itself (the same requirements: the same venv).
      const version = await open(f, {
        requirements: [`scikit-learn==${f.sklearn}`],
        predict:
          'import sklearn\n\ndef predict(model, data):\n    return [sklearn.__version__] * len(data)\n',
      });
      runtimes.set('sklearn_1_5 version', version);
      expect(await version.predict(f.records.slice(0, 1), { requestId: 'version' })).toEqual([
        { prediction: f.sklearn },
      ]);
    }, 300_000);
  },
);
