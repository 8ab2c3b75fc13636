import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { failure } from '../../../test/support/failure.js';
import { looksLikePickle, parsePickleConfig } from './index.js';
import { ECOSYSTEM_FIXTURES, mismatches } from './testing/pickle-fixtures.js';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('looksLikePickle', () => {
  it('claims .pkl, .pickle and .joblib names, whatever the bytes', () => {
    for (const filename of ['m.pkl', 'M.PICKLE', 'model.joblib', 'x.cloudpickle.pkl'])
      expect(looksLikePickle({ head: bytes(0x78, 0x9c), filename })).toBe(true);
  });

  it('claims pickle protocol 2 to 5 headers under any name', () => {
    for (const v of [2, 3, 4, 5])
      expect(looksLikePickle({ head: bytes(0x80, v, 0x95), filename: 'model.bin' })).toBe(true);
  });

  it('claims XGBoost JSON and UBJSON and LightGBM text models by content, whatever the name', () => {
    for (const file of ['xgb_regressor.model', 'xgb_multiclass.ubj', 'lgbm_binary.txt']) {
      const head = new Uint8Array(readFileSync(`${ECOSYSTEM_FIXTURES}${file}`)).subarray(0, 4096);
      expect(looksLikePickle({ head, filename: 'model.bin' }), file).toBe(true);
      expect(looksLikePickle({ head }), file).toBe(true);
    }
    expect(looksLikePickle({ head: bytes(0x7b, 0x7d), filename: 'model.ubj' })).toBe(true);
  });

  it('leaves other JSON and text alone', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    expect(looksLikePickle({ head: text('{"learners": 3}'), filename: 'm.json' })).toBe(false);
    expect(looksLikePickle({ head: text('{"model": {"learner": 1}}') })).toBe(false);
    expect(looksLikePickle({ head: text('tree\nbranches=2\n'), filename: 'm.txt' })).toBe(false);
  });

  it('leaves other files alone', () => {
    expect(looksLikePickle({ head: bytes(0x80, 0x06), filename: 'm.bin' })).toBe(false);
    expect(looksLikePickle({ head: bytes(0x80, 0x01) })).toBe(false);
    expect(looksLikePickle({ head: new TextEncoder().encode('{"cells": []}') })).toBe(false);
    expect(looksLikePickle({ head: bytes(0x08, 0x07), filename: 'model.onnx' })).toBe(false);
  });
});

describe('parsePickleConfig', () => {
  it('fills the defaults', () => {
    const c = parsePickleConfig({});
    expect(c.requirements).toEqual([]);
    expect(c.memoryMb).toBeUndefined();
  });

  it('takes requirements as a list or as requirements.txt text, without comments', () => {
    expect(parsePickleConfig({ requirements: ['xgboost==2.1.3'] }).requirements).toEqual([
      'xgboost==2.1.3',
    ]);
    expect(
      parsePickleConfig({ requirements: '# pinned\nlightgbm>=4\n\nscipy  # for sparse\n' })
        .requirements,
    ).toEqual(['lightgbm>=4', 'scipy']);
  });

  it('refuses pip options among the requirements, naming the field', () => {
    const err = failure(() => parsePickleConfig({ requirements: ['--index-url=http://x'] }));
    expect(err.status).toBe(400);
    expect(err.field).toBe('config.requirements.0');
  });

  it('needs declared inputs with a preprocess snippet', () => {
    const err = failure(() => parsePickleConfig({ preprocess: 'def preprocess(r):\n  return r' }));
    expect(err.status).toBe(400);
    expect(err.field).toBe('config.signature.inputs');
    const ok = parsePickleConfig({
      preprocess: 'def preprocess(r):\n  return r',
      signature: { inputs: [{ name: 'text', type: 'string' }] },
    });
    expect(ok.signature?.inputs?.[0]?.name).toBe('text');
  });

  it('refuses a signature field of an unknown type with 400 naming it', () => {
    const err = failure(() =>
      parsePickleConfig({ signature: { inputs: [{ name: 'x', type: 'float' }] } }),
    );
    expect(err.field).toBe('config.signature.inputs.0.type');
  });
});

describe('mismatches (the conformance check)', () => {
  it('finds a number off by more than the relative tolerance, a wrong label, a missing key', () => {
    expect(mismatches({ p: 0.5 }, { p: 0.5 + 1e-12 }, 1e-9)).toEqual([]);
    expect(mismatches({ p: 0.5 }, { p: 0.5 * (1 + 1e-8) }, 1e-9)).toHaveLength(1);
    expect(mismatches({ p: 1e-12 }, { p: 0 }, 1e-9)).toHaveLength(1);
    expect(mismatches({ label: 'a' }, { label: 'b' }, 1e-9)).toHaveLength(1);
    expect(mismatches({ label: 'a' }, { label: 'a', p: 1 }, 1e-9)).toHaveLength(1);
    expect(mismatches({ label: 'a', extra: 1 }, { label: 'a' }, 1e-9)).toHaveLength(1);
  });
});
