import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeSpec } from '../../types.js';

/** The folder make_pickle.py writes: models and their `<name>.expected.json`. */
export const PICKLE_FIXTURES = fileURLToPath(
  new URL('../../../../test/fixtures/pickle/', import.meta.url),
);

/** One fixture: the model file and scikit-learn's own answers for its records. */
export interface PickleFixture {
  name: string;
  /** Absolute path of the model file. */
  file: string;
  /** `pickle`, `joblib`, `joblib-zlib` or `cloudpickle`: how the script wrote it. */
  writer: string;
  model: string;
  records: Record<string, unknown>[];
  predictions: Record<string, unknown>[];
  tolerance: number;
  /** The publish `config` (snippets, signature) the model is served with. */
  config: Record<string, unknown>;
}

/** Every fixture, by name, sorted. */
export function pickleFixtures(): PickleFixture[] {
  return readdirSync(PICKLE_FIXTURES)
    .filter((f) => f.endsWith('.expected.json'))
    .sort()
    .map((f) => {
      const e = JSON.parse(readFileSync(`${PICKLE_FIXTURES}${f}`, 'utf8'));
      return {
        name: f.replace(/\.expected\.json$/, ''),
        file: `${PICKLE_FIXTURES}${e.file}`,
        writer: e.format,
        model: e.model,
        records: e.records,
        predictions: e.predictions,
        tolerance: e.tolerance,
        config: e.config ?? {},
      };
    });
}

/** The fixture named `name`; throws when there is none. */
export function pickleFixture(name: string): PickleFixture {
  const f = pickleFixtures().find((x) => x.name === name);
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
