import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../../errors.js';
import { expectClose, runtimeContract, type RefusedArtifact } from '../testing/contract.js';
import { compilePmml, type PmmlModel } from './document.js';
import { pmmlRuntimeFactory } from './index.js';

/**
 * Conformance: every committed fixture (exported by sklearn2pmml or nyoka, or hand-written after
 * the PMML 4.4 specification; see test/fixtures/pmml/make_pmml.py and make_pmml_more.py) scores
 * every row as its producer did (scikit-learn; for a hand-written document, JPMML-Evaluator, or
 * scikit-learn where the document wraps an export, as hand_anomaly_*), within the fixture's
 * tolerance (1e-9 relative unless the export itself rounds, explained in `tolerance_why`), and as
 * the reference evaluator (pypmml, or JPMML-Evaluator where `reference_evaluator` names it) did
 * on the same file, to 1e-9. Labels compare exactly.
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
  /** The evaluator that answered `reference`; pypmml when absent. */
  reference_evaluator?: string;
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
    // Outlier detectors, nearest neighbours, association rules, clustering with missing values.
    for (const needed of [
      's2p_isolation_forest',
      's2p_one_class_svm',
      's2p_knn_classifier',
      's2p_knn_regressor',
      'hand_anomaly_iforest',
      'hand_anomaly_ocsvm',
      'hand_anomaly_cluster',
      'hand_association_spec',
      'hand_association_rules',
      'hand_cluster_missing_weights',
    ])
      expect(fixtures).toContain(needed);
  });

  describe.each(fixtures)('%s', (name) => {
    const e = JSON.parse(readFileSync(`${dir}${name}.expected.json`, 'utf8')) as Expected;
    // Compiled inside each test, so a document refused at compile fails its tests one by one.
    let compiled: PmmlModel | undefined;
    const load = () => (compiled ??= compilePmml(readFileSync(`${dir}${name}.pmml`)));

    it(`answers every row as ${e.producer}'s ${e.model} did`, () => {
      expect(e.records.length).toBeGreaterThanOrEqual(20);
      if (e.tolerance > 1e-9)
        expect(e.tolerance_why, 'a looser tolerance must say why').toBeTruthy();
      e.records.forEach((record, i) => {
        expectClose(load().score(record), e.predictions[i], e.tolerance, `${name} row ${i}`);
      });
    });

    const reference = e.reference_evaluator ?? 'pypmml';
    it(`answers every row as the reference evaluator (${reference}) did on the same file`, () => {
      let compared = 0;
      e.records.forEach((record, i) => {
        const got = load().score(record);
        for (const [k, want] of Object.entries(e.reference[i]!)) {
          // pypmml names some answers its own way (predicted_<target>); JPMML's answers are
          // recorded under Slipway's names (jpmml_reference.py), every one of them.
          if (!(k in got) && reference === 'pypmml') continue;
          expectClose(got[k], want, REFERENCE_TOLERANCE, `${name} row ${i} ${k}`);
          compared++;
        }
      });
      // Only sklearn2pmml's target column is missing from pypmml's answer; something is compared.
      expect(compared).toBeGreaterThan(0);
    });

    it('refuses (400, naming the field) a category outside a returnInvalid field', () => {
      const strict = load().signature.inputs.filter((f) => f.values);
      for (const f of strict) {
        const record = { ...e.records[0]!, [f.name]: 'no-such-category' };
        let err: unknown;
        try {
          load().score(record);
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
      const sig = load().signature;
      const names = sig.inputs.map((f) => f.name);
      for (const r of e.records) for (const k of Object.keys(r)) expect(names).toContain(k);
      for (const f of sig.inputs) {
        // Scalars, but for an AssociationModel's basket: an array of items.
        expect(f.shape).toEqual(Array.isArray(e.records[0]![f.name]) ? [null] : []);
        if (f.required !== false) expect(Object.keys(e.records[0]!)).toContain(f.name);
      }
      expect(sig.outputs.map((o) => o.name).sort()).toEqual(Object.keys(e.predictions[0]!).sort());
    });
  });
});

// Documents Slipway refuses (test/fixtures/pmml/refused/, made by make_pmml.py with what
// JPMML-Evaluator does with them): each names the element the refusal must name, and the text
// whose line it must give.
interface RefusedEntry {
  element: string;
  at: string;
  /** JPMML-Evaluator's refusal, or its answer (an error's text) per record. */
  jpmml: string | (Record<string, unknown> | string)[];
}
const refusedDir = `${dir}refused/`;
const manifest = JSON.parse(readFileSync(`${refusedDir}refused.json`, 'utf8')) as Record<
  string,
  RefusedEntry
>;
const refused: RefusedArtifact[] = Object.entries(manifest).map(([name, m]) => {
  const text = readFileSync(`${refusedDir}${name}.pmml`, 'utf8');
  const at = text.indexOf(m.at);
  if (at < 0) throw new Error(`refused/${name}.pmml does not hold ${m.at}`);
  const line = text.slice(0, at).split('\n').length;
  return { artifact: `${refusedDir}${name}.pmml`, names: [m.element, `line ${line}`] };
});

describe('PMML documents refused at publish', () => {
  it('are ones the reference evaluator cannot score either', () => {
    expect(Object.keys(manifest).length).toBeGreaterThan(0);
    for (const [name, m] of Object.entries(manifest)) {
      const fails =
        typeof m.jpmml === 'string' || m.jpmml.some((answer) => typeof answer === 'string');
      expect(fails, `JPMML-Evaluator scores every record of refused/${name}.pmml`).toBe(true);
    }
  });
});

// The runtime contract shared by every format, on every fixture: each answers every record as
// its producer did; the refused documents are refused at load (one case carries them).
const foreign = fileURLToPath(
  new URL('../../../test/fixtures/onnx/regressor_gbr.onnx', import.meta.url),
);
fixtures.forEach((name, i) => {
  runtimeContract(
    `pmml ${name}`,
    async () => {
      const e = JSON.parse(readFileSync(`${dir}${name}.expected.json`, 'utf8')) as Expected;
      return {
        factory: pmmlRuntimeFactory,
        artifact: `${dir}${name}.pmml`,
        records: e.records,
        predictions: e.predictions,
        tolerance: e.tolerance,
        foreignFile: foreign,
      };
    },
    i === 0 ? refused : [],
  );
});
