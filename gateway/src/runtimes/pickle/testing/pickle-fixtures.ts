import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeSpec } from '../../types.js';

/** The folder make_pickle.py writes: models and their `<name>.expected.json`. */
export const PICKLE_FIXTURES = fileURLToPath(
  new URL('../../../../test/fixtures/pickle/', import.meta.url),
);

/**
 * The folder make_ecosystem.py writes: XGBoost, LightGBM and statsmodels models (with the
 * `requirements` they are served with), custom transformers, pickles that fail or warn.
 */
export const ECOSYSTEM_FIXTURES = `${PICKLE_FIXTURES}ecosystem/`;

/** One fixture: the model file and its library's own answers for its records. */
export interface PickleFixture {
  name: string;
  /** Absolute path of the model file. */
  file: string;
  /**
   * How the script wrote it: `pickle`, `joblib`, `joblib-zlib`, `cloudpickle`, or a library's
   * own format (`xgboost-json`, `xgboost-ubj`, `lightgbm-text`).
   */
  writer: string;
  model: string;
  records: Record<string, unknown>[];
  predictions: Record<string, unknown>[];
  tolerance: number;
  /** The publish `config` (snippets, signature, requirements) the model is served with. */
  config: Record<string, unknown>;
  /** The scikit-learn version that made the file, when it is not the worker's. */
  sklearn?: string;
}

/** Every fixture of `dir` (default make_pickle.py's), by name, sorted. */
export function pickleFixtures(dir = PICKLE_FIXTURES): PickleFixture[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.expected.json'))
    .sort()
    .map((f) => {
      const e = JSON.parse(readFileSync(`${dir}${f}`, 'utf8'));
      return {
        name: f.replace(/\.expected\.json$/, ''),
        file: `${dir}${e.file}`,
        writer: e.format,
        model: e.model,
        records: e.records,
        predictions: e.predictions,
        tolerance: e.tolerance,
        config: e.config ?? {},
        sklearn: e.sklearn,
      };
    });
}

/** The fixture named `name` in `dir`; throws when there is none. */
export function pickleFixture(name: string, dir = PICKLE_FIXTURES): PickleFixture {
  const f = pickleFixtures(dir).find((x) => x.name === name);
  if (!f) throw new Error(`no pickle fixture ${name}`);
  return f;
}

/** A runtime spec for a model file, as the model host would make it. */
export function specFor(file: string, config: Record<string, unknown> = {}): RuntimeSpec {
  return {
    name: basename(file).replace(/\W+/g, '-').toLowerCase(),
    version: 1,
    artifact: { path: file, sha256: 'test', size: statSync(file).size, filename: basename(file) },
    pool: 'cpu',
    config,
  };
}

/**
 * Asserts numbers agree within `tol` relative to the expected value (exactly equal when it
 * is 0), and everything else exactly, at every key; returns what differs (empty when none).
 */
export function mismatches(actual: unknown, want: unknown, tol: number, path = ''): string[] {
  if (typeof want === 'number') {
    if (typeof actual !== 'number') return [`${path}: ${JSON.stringify(actual)} vs ${want}`];
    return Math.abs(actual - want) <= tol * Math.abs(want) ? [] : [`${path}: ${actual} vs ${want}`];
  }
  if (want && typeof want === 'object' && !Array.isArray(want)) {
    if (!actual || typeof actual !== 'object') return [`${path}: not an object`];
    const a = actual as Record<string, unknown>;
    const keys = new Set([...Object.keys(a), ...Object.keys(want)]);
    return [...keys].flatMap((k) =>
      mismatches(a[k], (want as Record<string, unknown>)[k], tol, `${path}.${k}`),
    );
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(actual) || actual.length !== want.length) return [`${path}: length`];
    return want.flatMap((w, i) => mismatches(actual[i], w, tol, `${path}[${i}]`));
  }
  return JSON.stringify(actual) === JSON.stringify(want)
    ? []
    : [`${path}: ${JSON.stringify(actual)} vs ${JSON.stringify(want)}`];
}
