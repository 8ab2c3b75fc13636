import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { NO_PYTHON, testPython } from '../../../workers/testing/python.js';
import type { RuntimeContractCase } from '../../testing/contract.js';
import { pickleRuntimeFactory } from '../index.js';
import { PICKLE_FIXTURES, pickleFixture } from './pickle-fixtures.js';

/**
 * One of each writer (pickle, zlib joblib, cloudpickle) and of the snippets; every fixture is
 * checked against scikit-learn in conformance.test.ts, so a few suffice here (each is a worker).
 */
const CONTRACT_FIXTURES = ['decision_tree', 'logistic', 'cloudpickle_lambda', 'snippet_iris_mm'];

/**
 * The pickle runtime's cases for the shared contract suite, served by real Python workers.
 * Without the worker's venv there are none, and a skipped suite says why.
 */
export async function pickleContractCases(): Promise<
  [string, () => Promise<RuntimeContractCase>][]
> {
  const python = await testPython();
  if (!python) {
    describe.skip(`runtime contract: pickle — ${NO_PYTHON}`, () => it('needs Python', () => {}));
    return [];
  }
  // Only made when a case has requirements; none of these do.
  const factory = pickleRuntimeFactory({
    configured: python,
    venvRoot: join(tmpdir(), 'slipway-contract-python'),
  });
  return CONTRACT_FIXTURES.map((name) => [
    `pickle ${name}`,
    async () => {
      const f = pickleFixture(name);
      return {
        factory,
        artifact: f.file,
        config: f.config,
        records: f.records,
        predictions: f.predictions,
        tolerance: f.tolerance,
        foreignFile: `${PICKLE_FIXTURES}../toy/sum.toy.json`,
      };
    },
  ]);
}
