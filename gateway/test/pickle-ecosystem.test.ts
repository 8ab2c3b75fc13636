import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ECOSYSTEM_FIXTURES,
  mismatches,
  pickleFixture,
  type PickleFixture,
} from '../src/runtimes/pickle/testing/pickle-fixtures.js';
import { testPython } from './support/python.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

/**
 * Models beyond scikit-learn's own, through the API: what a publisher reads when a pickle needs
 * a class of their notebook (422, and how to fix it), the warning of a pickle made by another
 * scikit-learn (in the publish answer, which the extension shows), a cloudpickled pipeline with
 * a custom transformer, and XGBoost and LightGBM files in their own formats, known by content.
 * (Every ecosystem fixture is checked against its library in src/runtimes/pickle/ecosystem.test.ts.)
 */
const python = await testPython();
const fixture = (name: string) => pickleFixture(name, ECOSYSTEM_FIXTURES);
// One set for both boosters' deployments: one venv, made once (xgboost-cpu 5.6 MB, lightgbm 3.5 MB).
const BOOSTERS = ['xgboost-cpu==3.2.0', 'lightgbm==4.7.0'];

describe.skipIf(!python)('models of the Python ecosystem through the gateway', () => {
  let gw: TestGateway;
  const keys: Record<string, string> = {};

  const publish = async (
    name: string,
    file: string,
    filename: string,
    config: Record<string, unknown> = {},
  ) =>
    gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm(
        { name, ...(Object.keys(config).length ? { config: JSON.stringify(config) } : {}) },
        { bytes: await readFile(file), filename },
      ),
    });
  const published = async (res: Response) => {
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.format).toBe('pickle');
    keys[body.name] = body.invokeKey;
    return body;
  };
  const answersAsItsLibrary = async (name: string, f: PickleFixture) => {
    const res = await gw.app.request(`/fn/${name}`, {
      method: 'POST',
      body: JSON.stringify(f.records),
      headers: { authorization: `Bearer ${keys[name]}`, 'content-type': 'application/json' },
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    const wrong = (body.predictions as unknown[]).flatMap((p, i) => {
      const want = f.predictions[i]!;
      const only = Object.keys(want);
      // A model with a single output answers the bare value.
      const got =
        only.length === 1 && (typeof p !== 'object' || p === null) ? { [only[0]!]: p } : p;
      return mismatches(got, want, f.tolerance, `row ${i}`);
    });
    expect(wrong).toEqual([]);
  };

  beforeAll(async () => {
    gw = await startTestGateway({ config: { python } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('refuses a pickle that needs a class of its notebook with 422 saying how to fix it', async () => {
    const before = await readdir(join(gw.dataDir, 'artifacts'));
    const res = await publish(
      'needs-main',
      `${ECOSYSTEM_FIXTURES}needs_main_class.pkl`,
      'needs_main_class.pkl',
    );
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(422);
    const message: string = body.error.message;
    expect(message).toContain('the class Doubler from module __main__');
    expect(message).toContain('cloudpickle.dump(model, f)');
    expect(message).toContain('config.requirements');
    expect(message).not.toContain("Can't get attribute");
    expect((await gw.admin('/api/deployments/needs-main')).status).toBe(404);
    expect(await readdir(join(gw.dataDir, 'artifacts'))).toEqual(before);
  });

  it('refuses a pickle that needs a module the worker lacks with 422 naming it and both fixes', async () => {
    const res = await publish('needs-module', `${ECOSYSTEM_FIXTURES}needs_module.pkl`, 'm.pkl');
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(422);
    expect(body.error.message).toContain("the Python module 'my_transformers'");
    expect(body.error.message).toContain('cloudpickle.register_pickle_by_value(my_transformers)');
    expect(body.error.message).toContain('config.requirements');
  });

  it('publishes a pickle of another scikit-learn with a warning naming both versions and the pin', async () => {
    const f = fixture('sklearn_1_5');
    const body = await published(await publish('old-sklearn', f.file, 'model.pkl'));
    expect(body.warnings).toHaveLength(1);
    expect(body.warnings[0]).toMatch(
      /pickled with scikit-learn 1\.5\.2 and is served with scikit-learn 1\.6\.\d/,
    );
    expect(body.warnings[0]).toContain(`config.requirements: ["scikit-learn==${f.sklearn}"]`);
    await answersAsItsLibrary('old-sklearn', f);
  });

  it('serves a cloudpickled pipeline with a custom transformer as scikit-learn did', async () => {
    const f = fixture('custom_transformer');
    const body = await published(await publish('custom-transformer', f.file, 'pipe.pkl'));
    expect(body.warnings).toBeUndefined();
    await answersAsItsLibrary('custom-transformer', f);
  });

  it('knows XGBoost and LightGBM files by content and names the package they need', async () => {
    for (const [file, filename, words] of [
      ['xgb_multiclass.ubj', 'model.bin', 'an XGBoost model (UBJSON)'],
      ['xgb_regressor.model', 'model.json', 'an XGBoost model (JSON)'],
      ['lgbm_binary.txt', 'model.txt', 'a LightGBM model (text)'],
    ] as const) {
      const res = await publish('no-library', `${ECOSYSTEM_FIXTURES}${file}`, filename);
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(body.error.message).toContain(`the file is ${words}, which needs the Python package`);
      expect(body.error.message).toContain('config.requirements');
    }
  });

  it('serves XGBoost JSON and UBJSON and LightGBM text models with their libraries in config.requirements', async () => {
    // The gateway stores a file without its name: XGBoost must not need the extension.
    for (const [name, fixtureName, filename] of [
      ['xgb-json', 'xgb_regressor_json', 'model.json'],
      ['xgb-ubj', 'xgb_multiclass_ubj', 'model.ubj'],
      ['lgbm-txt', 'lgbm_binary_txt', 'model.txt'],
    ] as const) {
      const f = fixture(fixtureName);
      await published(await publish(name, f.file, filename, { requirements: BOOSTERS }));
      await answersAsItsLibrary(name, f);
    }
  }, 300_000);
});
