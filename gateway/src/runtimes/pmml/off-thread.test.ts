import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../../errors.js';
import { pmmlRuntimeFactory } from './index.js';
import { parseOffThread } from './off-thread.js';
import { DEFAULT_LIMITS, parseXml } from './xml.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../../test/fixtures/pmml/${name}`, import.meta.url));

async function runtimeFor(name: string, config: Record<string, unknown> = {}) {
  const path = fixture(name);
  const size = (await readFile(path)).byteLength;
  return pmmlRuntimeFactory.create({
    name: 't',
    version: 1,
    artifact: { path, sha256: 'x', size, filename: name },
    pool: 'cpu',
    config,
  });
}

describe('PMML parsing off the event loop', () => {
  it('parses on another thread, into the tree this thread would have made', async () => {
    const path = fixture('s2p_gbm_regressor_100.pmml');
    const parsed = await parseOffThread({ path, limits: DEFAULT_LIMITS });
    expect(parsed.threadId).not.toBe(threadId);
    expect(parsed.root).toEqual(parseXml(readFileSync(path)));
  });

  it('loads a model parsed there, and scores it here as the producing tool did', async () => {
    const rt = await runtimeFor('s2p_gbm_regressor_100.pmml');
    await rt.load();
    const expected = JSON.parse(
      await readFile(fixture('s2p_gbm_regressor_100.expected.json'), 'utf8'),
    ) as { records: Record<string, unknown>[]; predictions: { price: number }[] };
    const got = await rt.predict(expected.records, { requestId: 'r' });
    got.forEach((p, i) =>
      expect((p as { price: number }).price).toBeCloseTo(expected.predictions[i]!.price, 9),
    );
  });

  it('keeps the type, status and message of a refusal made there', async () => {
    const rt = await runtimeFor('s2p_logistic.pmml', { maxDepth: 3 });
    const err = await rt.load().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SlipwayError);
    expect((err as SlipwayError).status).toBe(422);
    expect((err as SlipwayError).message).toMatch(
      /deeper than the limit of 3 \(config\.maxDepth\)/,
    );
  });

  it('answers a file it cannot read with a 422', async () => {
    const err = await parseOffThread({
      path: fixture('no-such.pmml'),
      limits: DEFAULT_LIMITS,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as SlipwayError).status).toBe(422);
    expect((err as SlipwayError).message).toMatch(/cannot read the artifact/);
  });
});
