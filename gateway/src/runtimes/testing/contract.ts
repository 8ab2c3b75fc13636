import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnusableArtifactError } from '../../errors.js';
import { VALUE_TYPES, type RecordValue, type Signature } from '../../protocol/signature.js';
import type { ModelRuntime, RuntimeFactory, RuntimeSpec } from '../types.js';

/** One model a runtime must serve, with what its producing tool answered. */
export interface RuntimeContractCase {
  factory: RuntimeFactory<ModelRuntime>;
  /** The artifact file. */
  artifact: string;
  /** Format options (the publish `config`). */
  config?: Record<string, unknown>;
  records: RecordValue[];
  /** The producing tool's predictions, per record, in the runtime's `{output: value}` form. */
  predictions: Record<string, unknown>[];
  /**
   * Tolerance for numbers, relative to the expected value and absolute below 1 (see
   * `expectClose`); labels and strings compare exactly.
   */
  tolerance: number;
  /** A file of another format, which `detect` must not claim. */
  foreignFile: string;
}

/**
 * Asserts a served value equals the expected one: numbers within `tol × max(1, |expected|)`
 * (relative for large values, absolute for probabilities), the rest exactly.
 */
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
    expect(actual !== null && typeof actual === 'object', `${path} is an object`).toBe(true);
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(want).sort());
    for (const [k, v] of Object.entries(want))
      expectClose((actual as Record<string, unknown>)[k], v, tol, `${path}.${k}`);
  } else {
    expect(actual, path).toEqual(want);
  }
}

/**
 * A case from an artifact and its `<name>.expected.json` (`{records, predictions, tolerance}`,
 * the form every fixture generator in `test/fixtures/` writes).
 */
export async function caseFromFiles(files: {
  factory: RuntimeFactory<ModelRuntime>;
  artifact: string;
  expected: string;
  foreignFile: string;
  config?: Record<string, unknown>;
}): Promise<RuntimeContractCase> {
  const { expected, ...rest } = files;
  const { records, predictions, tolerance } = JSON.parse(await readFile(expected, 'utf8'));
  return { ...rest, records, predictions, tolerance };
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
 * An artifact of the runtime's format that it must refuse: what it holds cannot be scored as
 * written (or is not implemented), so a publish answers 422 naming it, and no call ever answers.
 */
export interface RefusedArtifact {
  artifact: string;
  /** What the refusal's message must name: the element or feature, where it is (`line 14`). */
  names: string[];
}

/** Whether `factory` claims the file at `path`, seeing what a publish sees: its head and name. */
export async function detects(factory: RuntimeFactory, path: string): Promise<boolean> {
  const head = (await readFile(path)).subarray(0, 4096);
  return factory.detect({ head, filename: basename(path) });
}

/**
 * Asserts a prediction is a plain `{output: value}` object naming only declared outputs, and
 * that an output declaring class labels (`values`) is keyed by exactly those labels.
 */
export function expectPredictionShape(p: unknown, sig: Signature, path = 'prediction'): void {
  expect(
    p !== null && typeof p === 'object' && Object.getPrototypeOf(p) === Object.prototype,
    `${path} is a plain object`,
  ).toBe(true);
  const declared = new Map(sig.outputs.map((o) => [o.name, o]));
  for (const [name, value] of Object.entries(p as object)) {
    const spec = declared.get(name);
    expect(spec, `${path}.${name} is a declared output`).toBeDefined();
    if (spec?.values && value && typeof value === 'object' && !Array.isArray(value))
      expect(Object.keys(value), `${path}.${name} keyed by its labels`).toEqual(
        spec.values.map(String),
      );
  }
}

/**
 * The contract every runtime keeps (as Hono's routers share one case suite): detection,
 * idempotent load and unload, a well-formed signature, the producing tool's predictions on
 * every record as plain `{output: value}` objects, batch = singles, concurrent calls = calls in
 * turn, and a typed 422 (`UnusableArtifactError`) with a reason for a corrupt artifact.
 *
 * After `unload`, `predict` loads the model again (the choice for every runtime: a host that
 * scales a deployment to zero keeps serving it on the next call, a cold start later).
 *
 * Conformance: an answer that differs from the producing tool's on any record fails, and every
 * `refused` artifact (what the runtime does not score) is refused at load — a 422 naming what it
 * cannot use — and never answers a call, so a model is never served with a wrong answer.
 */
export function runtimeContract(
  name: string,
  makeCase: () => Promise<RuntimeContractCase>,
  refused: readonly RefusedArtifact[] = [],
): void {
  describe(`runtime contract: ${name}`, () => {
    let c: RuntimeContractCase;
    let runtime: ModelRuntime;
    let tmp: string;

    beforeAll(async () => {
      c = await makeCase();
      tmp = await mkdtemp(join(tmpdir(), 'slipway-contract-'));
      runtime = c.factory.create(await specFor(c, c.artifact));
    });
    afterAll(async () => {
      await runtime?.unload();
      await rm(tmp, { recursive: true, force: true });
    });

    it('recognises its own file and not a file of another kind', async () => {
      expect(c.factory.kind).toBe('model');
      expect(await detects(c.factory, c.artifact)).toBe(true);
      expect(await detects(c.factory, c.foreignFile)).toBe(false);
    });

    it('loads idempotently, also when asked twice at once', async () => {
      await Promise.all([runtime.load(), runtime.load()]);
      await runtime.load();
      expect(runtime.format).toBe(c.factory.format);
    });

    it('describes named, typed inputs and outputs', () => {
      const sig = runtime.signature();
      expect(sig.inputs.length).toBeGreaterThan(0);
      expect(sig.outputs.length).toBeGreaterThan(0);
      for (const f of [...sig.inputs, ...sig.outputs]) {
        expect(f.name).toMatch(/\S/);
        expect(VALUE_TYPES).toContain(f.type);
      }
      // A record names every required input and nothing the model does not know.
      const keys = Object.keys(c.records[0]!);
      const all = sig.inputs.map((f) => f.name);
      for (const f of sig.inputs) if (f.required !== false) expect(keys).toContain(f.name);
      for (const k of keys) expect(all).toContain(k);
    });

    it('answers every record as the producing tool did', async () => {
      expect(c.records.length, 'records to compare').toBeGreaterThan(0);
      expect(c.predictions, "the producer's answer for every record").toHaveLength(
        c.records.length,
      );
      const sig = runtime.signature();
      for (let i = 0; i < c.records.length; i++) {
        const answer = await runtime.predict([c.records[i]!], { requestId: `r${i}` });
        expect(answer).toHaveLength(1);
        expectPredictionShape(answer[0], sig, `record ${i}`);
        expectClose(answer[0], c.predictions[i], c.tolerance, `record ${i}`);
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

    it('answers concurrent calls as it answers them in turn', async () => {
      const inTurn: unknown[] = [];
      for (let i = 0; i < c.records.length; i++)
        inTurn.push((await runtime.predict([c.records[i]!], { requestId: `t${i}` }))[0]);
      const together = await Promise.all(
        c.records.map((r, i) => runtime.predict([r], { requestId: `c${i}` })),
      );
      together.forEach(([p], i) => expectClose(p, inTurn[i], 1e-6, `record ${i}`));
    });

    it('unloads idempotently, and loads again on the next call', async () => {
      await runtime.unload();
      await runtime.unload();
      const [p] = await runtime.predict([c.records[0]!], { requestId: 'after-unload' });
      expectClose(p, c.predictions[0], c.tolerance);
    });

    if (refused.length)
      it.each(refused.map((r) => [basename(r.artifact), r] as const))(
        'refuses %s at load with a 422 naming what it cannot use, and answers no call',
        async (_file, r) => {
          const spec = await specFor(c, r.artifact);
          const refusedRuntime = c.factory.create(spec);
          const err = await refusedRuntime.load().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err, `${r.artifact} was loaded`).toBeInstanceOf(UnusableArtifactError);
          expect((err as UnusableArtifactError).status).toBe(422);
          for (const what of r.names) expect((err as Error).message).toContain(what);
          // A call loads the model again, and is refused as the load was: never an answer.
          const call = await refusedRuntime.predict([c.records[0]!], { requestId: 'refused' }).then(
            (p) => p,
            (e: unknown) => e,
          );
          expect(call).toBeInstanceOf(UnusableArtifactError);
          await refusedRuntime.unload();
        },
      );

    it.each([
      [
        'random bytes',
        (_b: Buffer) => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)),
      ],
      ['a truncated file', (b: Buffer) => b.subarray(0, Math.floor(b.byteLength / 3))],
    ])('refuses %s with a typed 422 and a reason', async (_what, corrupt) => {
      const path = join(tmp, `corrupt-${_what.replace(/\W/g, '')}-${basename(c.artifact)}`);
      await writeFile(path, corrupt(await readFile(c.artifact)));
      const broken = c.factory.create(await specFor(c, path));
      const err = await broken.load().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UnusableArtifactError);
      expect((err as UnusableArtifactError).status).toBe(422);
      expect((err as UnusableArtifactError).message.length).toBeGreaterThan(10);
      await broken.unload();
    });
  });
}
