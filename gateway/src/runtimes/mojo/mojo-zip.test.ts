import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { UnusableArtifactError } from '../../errors.js';
import { onnxRuntimeFactory } from '../onnx/index.js';
import { pmmlRuntimeFactory } from '../pmml/index.js';
import { looksLikeMojo } from './index.js';
import {
  DEFAULT_MOJO_ZIP_LIMITS,
  inspectMojoZip,
  mojoZipLimits,
  parseModelIni,
} from './mojo-zip.js';
import { mojoFixturePath } from './testing/fixtures.js';
import { mojoZipBomb } from './testing/zip-bomb.js';

const ini = (category = 'Binomial') =>
  new TextEncoder().encode(
    `[info]\nh2o_version = 3.46.0.11\nmojo_version = 1.40\nalgo = gbm\ncategory = ${category}\n\n[columns]\nx\n`,
  );

const MiB = 1024 * 1024;

async function refusal(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UnusableArtifactError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('inspectMojoZip', () => {
  it('reads the [info] of a real MOJO', async () => {
    const info = await inspectMojoZip(await readFile(mojoFixturePath('drf_multinomial.zip')));
    expect(info).toEqual({
      algo: 'drf',
      category: 'Multinomial',
      mojoVersion: '1.40',
      h2oVersion: '3.46.0.11',
    });
  });

  it('reads a MOJO from its file, as the runtime does', async () => {
    expect((await inspectMojoZip(mojoFixturePath('gbm_binomial.zip'))).algo).toBe('gbm');
  });

  it('refuses a zip with more entries than allowed, before inflating anything', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`trees/t${i}.bin`, new Uint8Array(1)]),
    );
    const bytes = zipSync({ ...files, 'model.ini': ini() });
    const limits = { maxEntries: 10, maxEntryBytes: 1e9, maxTotalBytes: 1e9 };
    expect(await refusal(() => inspectMojoZip(bytes, limits))).toMatch(/more than 10 entries/);
  });

  it('refuses entries that declare more bytes than allowed', async () => {
    const bytes = zipSync({ 'model.ini': ini(), 'trees/big.bin': new Uint8Array(100_000) });
    const one = { maxEntries: 10, maxEntryBytes: 50_000, maxTotalBytes: 1e9 };
    expect(await refusal(() => inspectMojoZip(bytes, one))).toMatch(/declares 100000 bytes/);
    const all = { maxEntries: 10, maxEntryBytes: 1e9, maxTotalBytes: 50_000 };
    expect(await refusal(() => inspectMojoZip(bytes, all))).toMatch(/in all/);
  });

  it('takes limits from the JVM heap: an entry a quarter of it, all entries half', () => {
    expect(mojoZipLimits(1024)).toMatchObject({
      maxEntryBytes: 256 * MiB,
      maxTotalBytes: 512 * MiB,
    });
    expect(mojoZipLimits(384)).toMatchObject({ maxEntryBytes: 96 * MiB, maxTotalBytes: 192 * MiB });
    expect(DEFAULT_MOJO_ZIP_LIMITS).toEqual(mojoZipLimits(1024));
  });

  it('refuses a 1 MB zip bomb whose one entry inflates to 1000 MiB, by the size it declares', async () => {
    const bomb = mojoZipBomb({ inflatedMiB: 1000 });
    expect(bomb.byteLength).toBeLessThan(1.1 * MiB);
    expect(await refusal(() => inspectMojoZip(bomb))).toMatch(
      /trees\/t00_000\.bin" declares 1048576000 bytes, more than 268435456 \(a quarter of SLIPWAY_JVM_HEAP_MB\)/,
    );
  });

  it('stops a zip bomb that understates its size while inflating it, at what it declared', async () => {
    const liar = mojoZipBomb({ inflatedMiB: 1000, declaredBytes: 1000 });
    expect(await refusal(() => inspectMojoZip(liar))).toMatch(
      /t00_000\.bin" inflates to more than the 1000 bytes it declares/,
    );
  });

  it('refuses entries the JVM could not read, and a zip with two entries of one name', async () => {
    const stored = Buffer.from(zipSync({ 'model.ini': ini() }, { level: 0 }));
    // Compression method 12 (bzip2) in the central directory: java.util.zip cannot inflate it.
    const cd = stored.indexOf(Buffer.from([0x50, 0x4b, 1, 2]));
    stored.writeUInt16LE(12, cd + 10);
    expect(await refusal(() => inspectMojoZip(stored))).toMatch(/method 12/);
    const twice = Buffer.from(zipSync({ 'model.ini': ini(), 'model.inj': ini('Regression') }));
    for (let at = twice.indexOf('model.inj'); at >= 0; at = twice.indexOf('model.inj', at + 1))
      twice.write('model.ini', at, 'latin1');
    expect(await refusal(() => inspectMojoZip(twice))).toMatch(/two entries named "model\.ini"/);
  });

  it('refuses a file that is not a zip, and one that is missing, without naming its path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-mojo-zip-'));
    try {
      await writeFile(join(dir, 'm.zip'), 'hello');
      expect(await refusal(() => inspectMojoZip(join(dir, 'm.zip')))).toMatch(/not a zip/);
      const gone = await refusal(() => inspectMojoZip(join(dir, 'gone.zip')));
      expect(gone).toMatch(/ENOENT/);
      expect(gone).not.toContain(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a model.ini that is not one', async () => {
    expect(
      await refusal(() => inspectMojoZip(zipSync({ 'model.ini': new Uint8Array(10) }))),
    ).toMatch(/no algo/);
    // Only the root model.ini counts.
    expect(await refusal(() => inspectMojoZip(zipSync({ 'sub/model.ini': ini() })))).toMatch(
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
    for (const other of [onnxRuntimeFactory(), pmmlRuntimeFactory])
      expect(other.detect({ head: mojo, filename: 'glm.zip' })).toBe(false);
  });
});
