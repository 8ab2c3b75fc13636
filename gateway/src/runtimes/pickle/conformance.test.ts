import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_PYTHON, testPython } from '../../workers/testing/python.js';
import { pickleRuntimeFactory } from './index.js';
import type { PickleRuntime } from './pickle-runtime.js';
import { mismatches, pickleFixtures, specFor } from './testing/pickle-fixtures.js';

/**
 * Conformance: every fixture that make_pickle.py wrote, served by the pickle runtime (a real
 * Python worker per model), answers every row as scikit-learn did: labels exactly, numbers
 * within 1e-9 relative.
 */
const python = await testPython();
const fixtures = pickleFixtures();

describe.skipIf(!python)(
  python ? 'pickle conformance with scikit-learn' : `pickle conformance: ${NO_PYTHON}`,
  () => {
    let venvRoot: string;
    const runtimes = new Map<string, PickleRuntime>();

    beforeAll(async () => {
      venvRoot = await mkdtemp(join(tmpdir(), 'slipway-pickle-conf-'));
      const factory = pickleRuntimeFactory({ configured: python, venvRoot });
      // Two at a time: each model has a worker process of its own.
      const queue = [...fixtures];
      const next = async (): Promise<void> => {
        const f = queue.shift();
        if (!f) return;
        const runtime = factory.create(specFor(f.file, f.config)) as PickleRuntime;
        runtimes.set(f.name, runtime);
        await runtime.load();
        return next();
      };
      await Promise.all([next(), next()]);
    }, 180_000);
    afterAll(async () => {
      await Promise.all([...runtimes.values()].map((r) => r.unload()));
      await rm(venvRoot, { recursive: true, force: true });
    });

    it('has fixtures of every writer: pickle, joblib (plain and compressed), cloudpickle', () => {
      expect(new Set(fixtures.map((f) => f.writer))).toEqual(
        new Set(['pickle', 'joblib', 'joblib-zlib', 'cloudpickle']),
      );
      expect(fixtures.length).toBeGreaterThanOrEqual(15);
    });

    it.each(fixtures.map((f) => [f.name, f] as const))(
      '%s answers every row as scikit-learn did',
      async (_name, f) => {
        expect(f.tolerance).toBeLessThanOrEqual(1e-9);
        const runtime = runtimes.get(f.name)!;
        const answers = await runtime.predict(f.records, { requestId: f.name });
        expect(answers).toHaveLength(f.records.length);
        const wrong = answers.flatMap((a, i) =>
          mismatches(a, f.predictions[i], f.tolerance, `row ${i}`),
        );
        expect(wrong).toEqual([]);
      },
    );
  },
);
