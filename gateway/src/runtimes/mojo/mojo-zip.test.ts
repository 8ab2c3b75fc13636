import { readFile } from 'node:fs/promises';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { UnusableArtifactError } from '../../errors.js';
import { onnxRuntimeFactory } from '../onnx/index.js';
import { pmmlRuntimeFactory } from '../pmml/index.js';
import { looksLikeMojo } from './index.js';
import { inspectMojoZip, parseModelIni } from './mojo-zip.js';
import { mojoFixturePath } from './testing/fixtures.js';

const ini = (category = 'Binomial') =>
  new TextEncoder().encode(
    `[info]\nh2o_version = 3.46.0.11\nmojo_version = 1.40\nalgo = gbm\ncategory = ${category}\n\n[columns]\nx\n`,
  );

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UnusableArtifactError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('inspectMojoZip', () => {
  it('reads the [info] of a real MOJO', async () => {
    const info = inspectMojoZip(await readFile(mojoFixturePath('drf_multinomial.zip')));
    expect(info).toEqual({
      algo: 'drf',
      category: 'Multinomial',
      mojoVersion: '1.40',
      h2oVersion: '3.46.0.11',
    });
  });

  it('refuses a zip with more entries than allowed, before inflating anything', () => {
    const files = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`trees/t${i}.bin`, new Uint8Array(1)]),
    );
    const bytes = zipSync({ ...files, 'model.ini': ini() });
    const limits = { maxEntries: 10, maxEntryBytes: 1e9, maxTotalBytes: 1e9 };
    expect(refusal(() => inspectMojoZip(bytes, limits))).toMatch(/more than 10 entries/);
  });

  it('refuses entries that declare more bytes than allowed (a zip bomb)', () => {
    const bytes = zipSync({ 'model.ini': ini(), 'trees/big.bin': new Uint8Array(100_000) });
    const one = { maxEntries: 10, maxEntryBytes: 50_000, maxTotalBytes: 1e9 };
    expect(refusal(() => inspectMojoZip(bytes, one))).toMatch(/declares 100000 bytes/);
    const all = { maxEntries: 10, maxEntryBytes: 1e9, maxTotalBytes: 50_000 };
    expect(refusal(() => inspectMojoZip(bytes, all))).toMatch(/in all/);
  });

  it('refuses a model.ini that is not one', () => {
    expect(refusal(() => inspectMojoZip(zipSync({ 'model.ini': new Uint8Array(10) })))).toMatch(
      /no algo/,
    );
    // Only the root model.ini counts.
    expect(refusal(() => inspectMojoZip(zipSync({ 'sub/model.ini': ini() })))).toMatch(
      /no model\.ini/,
    );
  });

  it('parses keys of [info] only', () => {
    expect(
      parseModelIni('[info]\nalgo = glm\ncategory = Regression\nmojo_version=1.00\n[x]\nalgo = no'),
    ).toEqual({ algo: 'glm', category: 'Regression', mojoVersion: '1.00', h2oVersion: undefined });
  });
});

describe('detection', () => {
  const head = async (p: string) => (await readFile(p)).subarray(0, 4096);

  it('claims a MOJO by its .zip name, or by its entries when the name says nothing', async () => {
    const mojo = await head(mojoFixturePath('gbm_binomial.zip'));
    expect(looksLikeMojo({ head: mojo, filename: 'churn.zip' })).toBe(true);
    expect(looksLikeMojo({ head: mojo })).toBe(true);
    expect(looksLikeMojo({ head: zipSync({ 'model.ini': ini() }), filename: 'm.mojo' })).toBe(true);
  });

  it('leaves other files alone, and other runtimes leave MOJOs alone', async () => {
    const onnx = await head(mojoFixturePath('../onnx/regressor_gbr.onnx'));
    expect(looksLikeMojo({ head: onnx, filename: 'm.onnx' })).toBe(false);
    expect(
      looksLikeMojo({ head: zipSync({ 'data.pkl': new Uint8Array(3) }), filename: 'x.pt' }),
    ).toBe(false);
    const mojo = await head(mojoFixturePath('glm_regression.zip'));
    for (const other of [onnxRuntimeFactory, pmmlRuntimeFactory])
      expect(other.detect({ head: mojo, filename: 'glm.zip' })).toBe(false);
  });
});
