import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlipwayError } from '../../errors.js';
import type { RecordValue } from '../../protocol/signature.js';
import type { ModelRuntime, RuntimeFactory, RuntimeSpec } from '../types.js';

/** One model a runtime must serve, with what its producing tool answered. */
export interface RuntimeContractCase {
  factory: RuntimeFactory;
  /** The artifact file. */
  artifact: string;
  /** Format options (the publish `config`). */
  config?: Record<string, unknown>;
  records: RecordValue[];
  /** The producing tool's predictions, per record, in the runtime's `{output: value}` form. */
  predictions: Record<string, unknown>[];
  /** Relative tolerance for numbers; labels and strings compare exactly. */
  tolerance: number;
  /** A file of another format, which `detect` must not claim. */
  foreignFile: string;
}

/** Asserts a served value equals the expected one: numbers within `tol`, the rest exactly. */
export function expectClose(
  actual: unknown,
  want: unknown,
  tol: number,
  path = 'prediction',
): void {
  if (typeof want === 'number') {
    expect(typeof actual, path).toBe('number');
    expect(
      Math.abs((actual as number) - want),
      `${path}: ${String(actual)} vs ${want}`,
    ).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));
  } else if (Array.isArray(want)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, path).toBe(want.length);
    want.forEach((w, i) => expectClose((actual as unknown[])[i], w, tol, `${path}[${i}]`));
  } else if (want && typeof want === 'object') {
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(want).sort());
    for (const [k, v] of Object.entries(want))
      expectClose((actual as Record<string, unknown>)[k], v, tol, `${path}.${k}`);
  } else {
    expect(actual, path).toEqual(want);
  }
}

async function specFor(c: RuntimeContractCase, path: string): Promise<RuntimeSpec> {
  const bytes = await readFile(path);
  return {
    name: 'contract',
    version: 1,
    artifact: {
      path,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.byteLength,
      filename: basename(c.artifact),
    },
    pool: 'cpu',
    config: c.config ?? {},
  };
}

/**
 * The contract every runtime keeps (as Hono's routers share one case suite): detection,
 * idempotent load and unload, a well-formed signature, the producing tool's predictions on
 * every record, batch = singles, and a typed 422 for a corrupt artifact.
 */
export function runtimeContract(name: string, makeCase: () => Promise<RuntimeContractCase>): void {
  describe(`runtime contract: ${name}`, () => {
    let c: RuntimeContractCase;
    let runtime: ModelRuntime;
    let tmp: string;

    beforeAll(async () => {
      c = await makeCase();
      tmp = await mkdtemp(join(tmpdir(), 'slipway-contract-'));
      runtime = c.factory.create(await specFor(c, c.artifact), {});
    });
    afterAll(async () => {
      await runtime?.unload();
      await rm(tmp, { recursive: true, force: true });
    });

    it('recognises its own file and not a file of another kind', async () => {
      const head = (p: string) => readFile(p).then((b) => b.subarray(0, 4096));
      expect(
        c.factory.detect({ head: await head(c.artifact), filename: basename(c.artifact) }),
      ).toBe(true);
      expect(
        c.factory.detect({ head: await head(c.foreignFile), filename: basename(c.foreignFile) }),
      ).toBe(false);
    });

    it('loads idempotently', async () => {
      await runtime.load();
      await runtime.load();
      expect(runtime.format).toBe(c.factory.format);
    });

    it('describes named, typed inputs and outputs', () => {
      const sig = runtime.signature();
      expect(sig.inputs.length).toBeGreaterThan(0);
      expect(sig.outputs.length).toBeGreaterThan(0);
      for (const f of [...sig.inputs, ...sig.outputs]) {
        expect(f.name).toMatch(/\S/);
        expect([
          'float32',
          'float64',
          'int8',
          'int16',
          'int32',
          'int64',
          'uint8',
          'uint16',
          'uint32',
          'uint64',
          'bool',
          'string',
          'json',
        ]).toContain(f.type);
      }
      expect(Object.keys(c.records[0]!).sort()).toEqual(
        sig.inputs
          .filter((f) => f.required !== false)
          .map((f) => f.name)
          .sort(),
      );
    });

    it('answers every record as the producing tool did', async () => {
      for (let i = 0; i < c.records.length; i++) {
        const [p] = await runtime.predict([c.records[i]!], { requestId: `r${i}` });
        expectClose(p, c.predictions[i], c.tolerance, `record ${i}`);
      }
    });

    it('answers a batch as it answers the records one by one', async () => {
      const batch = await runtime.predict(c.records, { requestId: 'batch' });
      expect(batch).toHaveLength(c.records.length);
      for (let i = 0; i < c.records.length; i++) {
        const [single] = await runtime.predict([c.records[i]!], { requestId: `s${i}` });
        // Vectorised kernels may round differently for other batch sizes: float32 last bits only.
        expectClose(batch[i], single, 1e-6, `record ${i}`);
      }
    });

    it('unloads idempotently, and loads again on the next call', async () => {
      await runtime.unload();
      await runtime.unload();
      const [p] = await runtime.predict([c.records[0]!], { requestId: 'after-unload' });
      expectClose(p, c.predictions[0], c.tolerance);
    });

    it.each([
      [
        'random bytes',
        (_b: Buffer) => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)),
      ],
      ['a truncated file', (b: Buffer) => b.subarray(0, Math.floor(b.byteLength / 3))],
    ])('refuses %s with a typed 422 and a reason', async (_what, corrupt) => {
      const path = join(tmp, `corrupt-${_what.replace(/\W/g, '')}-${basename(c.artifact)}`);
      await writeFile(path, corrupt(await readFile(c.artifact)));
      const broken = c.factory.create(await specFor(c, path), {});
      const err = await broken.load().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SlipwayError);
      expect((err as SlipwayError).status).toBe(422);
      expect((err as SlipwayError).message.length).toBeGreaterThan(10);
      await broken.unload();
    });
  });
}
