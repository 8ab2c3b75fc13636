import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordValue } from '../../../protocol/signature.js';
import type { RuntimeSpec } from '../../types.js';

/** The MOJOs make_mojo.py built with H2O, each with H2O's own in-cluster predictions. */
export const MOJO_FIXTURES = [
  'gbm_binomial',
  'drf_multinomial',
  'glm_regression',
  'xgboost_binomial',
  'stacked_ensemble',
  'automl_leader',
  'gbm_numeric_levels',
  'isolation_forest',
  'extended_isolation_forest',
  'kmeans',
  'pca',
  'coxph',
  'target_encoder',
] as const;
export type MojoFixture = (typeof MOJO_FIXTURES)[number];

/**
 * A MOJO H2O made that Slipway refuses at publish, and what the refusal names: h2o-genmodel
 * seeds a GLRM's per-row solve with a count of the rows scored before, so its answer for a row
 * depends on the calls before it (glrm.expected.json keeps H2O's answers all the same).
 */
export const REFUSED_MOJO = {
  artifact: 'glrm.zip',
  names: ['Glrm', 'DimReduction', 'rows scored before'],
} as const;

/** A fixture file's absolute path (`gbm_binomial.zip`, `gbm_binomial.expected.json`). */
export const mojoFixturePath = (file: string): string =>
  fileURLToPath(new URL(`../../../../test/fixtures/mojo/${file}`, import.meta.url));

/** What H2O answered for a fixture's records. */
export interface MojoExpected {
  producer: string;
  model: string;
  records: RecordValue[];
  predictions: Record<string, unknown>[];
  tolerance: number;
  /** The publish `config` the records need (`unknownLevels: "warn"` for unseen levels). */
  config?: Record<string, unknown>;
}

export async function readExpected(name: MojoFixture | 'glrm'): Promise<MojoExpected> {
  return JSON.parse(await readFile(mojoFixturePath(`${name}.expected.json`), 'utf8'));
}

/** A runtime spec for a MOJO file, as the gateway would make it. */
export async function mojoSpec(
  path: string,
  config: Record<string, unknown> = {},
): Promise<RuntimeSpec> {
  const bytes = await readFile(path);
  return {
    name: 'mojo-test',
    version: 1,
    artifact: {
      path,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.byteLength,
      filename: basename(path),
    },
    pool: 'cpu',
    config,
  };
}

/**
 * Where a served prediction differs from H2O's: labels exactly, numbers within `rel` relative to
 * H2O's value (`|a − b| ≤ rel·|b|`, so an H2O zero must be a zero). Empty when they agree.
 */
export function mismatches(actual: unknown, want: unknown, rel: number, path = ''): string[] {
  if (typeof want === 'number') {
    const ok = typeof actual === 'number' && Math.abs(actual - want) <= rel * Math.abs(want);
    return ok ? [] : [`${path}: ${String(actual)} vs H2O's ${want}`];
  }
  if (want !== null && typeof want === 'object') {
    if (actual === null || typeof actual !== 'object') return [`${path}: not an object`];
    const a = actual as Record<string, unknown>;
    const keys = Object.keys(want);
    if (Object.keys(a).join() !== keys.join())
      return [`${path}: keys ${Object.keys(a).join()} vs H2O's ${keys.join()}`];
    return keys.flatMap((k) =>
      mismatches(a[k], (want as Record<string, unknown>)[k], rel, `${path}.${k}`),
    );
  }
  // H2O's NA (a PCA of a row with a missing number, a CoxPH's `lp`) is answered as null.
  return actual === want
    ? []
    : [`${path}: ${JSON.stringify(actual)} vs H2O's ${JSON.stringify(want)}`];
}
