import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../../errors.js';
import { expectClose, runtimeContract } from '../testing/contract.js';
import { compilePmml } from './document.js';
import { pmmlRuntimeFactory } from './index.js';

/**
 * Conformance: every committed fixture (exported by sklearn2pmml or nyoka, see
 * test/fixtures/pmml/make_pmml.py) scores every row as scikit-learn did, within the fixture's
 * tolerance (1e-9 relative unless the export itself rounds, explained in `tolerance_why`), and as
 * the reference evaluator (pypmml) did on the same file, to 1e-9. Labels compare exactly.
 */

const dir = fileURLToPath(new URL('../../../test/fixtures/pmml/', import.meta.url));
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.pmml'))
  .map((f) => f.slice(0, -'.pmml'.length))
  .sort();

interface Expected {
  producer: string;
  model: string;
  records: Record<string, unknown>[];
  predictions: Record<string, unknown>[];
  reference: Record<string, unknown>[];
  tolerance: number;
  tolerance_why?: string;
}

const REFERENCE_TOLERANCE = 1e-9;

describe('PMML conformance with the producing tools', () => {
  it('has the fixtures the issue asks for', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(25);
    for (const needed of [
      'decision_tree',
      'random_forest',
      'gbm_classifier',
      'gbm_regressor',
      'logistic',
      'linear_regression',
      'mlp',
      'gaussian_nb',
      'svc',
      'kmeans',
    ])
      for (const producer of ['s2p', 'nyoka']) expect(fixtures).toContain(`${producer}_${needed}`);
  });

  describe.each(fixtures)('%s', (name) => {
    const e = JSON.parse(readFileSync(`${dir}${name}.expected.json`, 'utf8')) as Expected;
    const model = compilePmml(readFileSync(`${dir}${name}.pmml`));

    it(`answers every row as scikit-learn's ${e.model} did`, () => {
      expect(e.records.length).toBeGreaterThanOrEqual(20);
      if (e.tolerance > 1e-9)
        expect(e.tolerance_why, 'a looser tolerance must say why').toBeTruthy();
      e.records.forEach((record, i) => {
        expectClose(model.score(record), e.predictions[i], e.tolerance, `${name} row ${i}`);
      });
    });

    it('answers every row as the reference evaluator (pypmml) did on the same file', () => {
      let compared = 0;
      e.records.forEach((record, i) => {
        const got = model.score(record);
        for (const [k, want] of Object.entries(e.reference[i]!)) {
          if (!(k in got)) continue;
          expectClose(got[k], want, REFERENCE_TOLERANCE, `${name} row ${i} ${k}`);
          compared++;
        }
      });
      // Only sklearn2pmml's target column is missing from pypmml's answer; something is compared.
      expect(compared).toBeGreaterThan(0);
    });

    it('refuses (400, naming the field) a category outside a returnInvalid field', () => {
      const strict = model.signature.inputs.filter((f) => f.values);
      for (const f of strict) {
        const record = { ...e.records[0]!, [f.name]: 'no-such-category' };
        let err: unknown;
        try {
          model.score(record);
        } catch (x) {
          err = x;
        }
        expect(err, f.name).toBeInstanceOf(SlipwayError);
        expect((err as SlipwayError).status).toBe(400);
        expect((err as SlipwayError).field).toBe(f.name);
      }
      if (name === 's2p_linear_strict') expect(strict.map((f) => f.name)).toEqual(['district']);
    });

    it('declares a signature matching its records and answers', () => {
      const sig = model.signature;
      const names = sig.inputs.map((f) => f.name);
      for (const r of e.records) for (const k of Object.keys(r)) expect(names).toContain(k);
      for (const f of sig.inputs) {
        expect(f.shape).toEqual([]);
        if (f.required !== false) expect(Object.keys(e.records[0]!)).toContain(f.name);
      }
      expect(sig.outputs.map((o) => o.name).sort()).toEqual(Object.keys(e.predictions[0]!).sort());
    });
  });
});

// The runtime contract shared by every format, on fixtures whose inputs are all required (the
// suite reads the required inputs off the first record).
const foreign = fileURLToPath(
  new URL('../../../test/fixtures/onnx/regressor_gbr.onnx', import.meta.url),
);
for (const name of ['s2p_gbm_multiclass', 'nyoka_random_forest', 's2p_mlp']) {
  runtimeContract(`pmml ${name}`, async () => {
    const e = JSON.parse(readFileSync(`${dir}${name}.expected.json`, 'utf8')) as Expected;
    return {
      factory: pmmlRuntimeFactory,
      artifact: `${dir}${name}.pmml`,
      records: e.records,
      predictions: e.predictions,
      tolerance: e.tolerance,
      foreignFile: foreign,
    };
  });
}
