import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidInputError,
  NotReadyError,
  SlipwayError,
  UnusableArtifactError,
} from '../../errors.js';
import type { ModelRuntime, RuntimeSpec } from '../types.js';
import { onnxRuntimeFactory } from './index.js';
import { buildModel, ElemType, identity } from './testing/onnx-models.js';
import { expectClose } from '../testing/contract.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-onnx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// Workers of its own, one per deployment: each runtime's process stops when it unloads.
const factory = onnxRuntimeFactory();

async function runtimeFor(
  bytes: Uint8Array,
  file = `${sha256(bytes)}`,
  config: Record<string, unknown> = {},
) {
  const path = join(dir, file);
  await writeFile(path, bytes);
  const spec: RuntimeSpec = {
    name: 't',
    version: 1,
    artifact: { path, sha256: sha256(bytes), size: bytes.byteLength },
    pool: 'cpu',
    config,
  };
  return factory.create(spec) as ModelRuntime;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

/** Every element kind through Identity: what goes in comes out, as plain JSON values. */
const kinds = buildModel({
  inputs: [
    { name: 'd', elemType: ElemType.DOUBLE, dims: ['N', 2] },
    { name: 'i', elemType: ElemType.INT64, dims: ['N'] },
    { name: 'b', elemType: ElemType.BOOL, dims: ['N', 1] },
    { name: 's', elemType: ElemType.STRING, dims: ['N', 1] },
    { name: 'm', elemType: ElemType.FLOAT, dims: ['N', 2, 3] },
  ],
  outputs: [
    { name: 'd_out', elemType: ElemType.DOUBLE, dims: ['N', 2] },
    { name: 'i_out', elemType: ElemType.INT64, dims: ['N'] },
    { name: 'b_out', elemType: ElemType.BOOL, dims: ['N', 1] },
    { name: 's_out', elemType: ElemType.STRING, dims: ['N', 1] },
    { name: 'm_out', elemType: ElemType.FLOAT, dims: ['N', 2, 3] },
  ],
  nodes: ['d', 'i', 'b', 's', 'm'].map((n) => identity(n, `${n}_out`)),
});

describe('OnnxRuntime', () => {
  it('feeds and answers every element kind as plain JSON values', async () => {
    const rt = await runtimeFor(kinds);
    await rt.load();
    expect(rt.signature().outputs).toEqual([
      { name: 'd_out', type: 'float64', shape: [2] },
      { name: 'i_out', type: 'int64', shape: [] },
      { name: 'b_out', type: 'bool', shape: [] },
      { name: 's_out', type: 'string', shape: [] },
      { name: 'm_out', type: 'float32', shape: [2, 3] },
    ]);
    const records = [
      {
        d: [0.1, 1e300],
        i: 2 ** 40,
        b: true,
        s: 'paris',
        m: [
          [1, 2, 3],
          [4, 5, 6],
        ],
      },
      {
        d: [-1, 2],
        i: -7,
        b: [false],
        s: ['lyon'],
        m: [
          [0, 0, 0],
          [0, 0, 1.5],
        ],
      },
    ];
    const got = await rt.predict(records, { requestId: 'kinds' });
    expect(got).toEqual([
      {
        d_out: [0.1, 1e300],
        i_out: 2 ** 40,
        b_out: true,
        s_out: 'paris',
        m_out: [
          [1, 2, 3],
          [4, 5, 6],
        ],
      },
      {
        d_out: [-1, 2],
        i_out: -7,
        b_out: false,
        s_out: 'lyon',
        m_out: [
          [0, 0, 0],
          [0, 0, 1.5],
        ],
      },
    ]);
    expect(Object.getPrototypeOf(got[0])).toBe(Object.prototype);
    await rt.unload();
  });

  it('answers records of different lengths for a free dimension, one run each', async () => {
    const rt = await runtimeFor(
      buildModel({
        inputs: [{ name: 'seq', elemType: ElemType.FLOAT, dims: ['N', 'len'] }],
        outputs: [{ name: 'same', elemType: ElemType.FLOAT, dims: ['N', 'len'] }],
        nodes: [identity('seq', 'same')],
      }),
    );
    const got = await rt.predict([{ seq: [1, 2] }, { seq: [3, 4, 5] }, { seq: [6] }], {
      requestId: 'ragged',
    });
    expect(got).toEqual([{ same: [1, 2] }, { same: [3, 4, 5] }, { same: [6] }]);
    await rt.unload();
  });

  it('answers records that disagree on free dims even with as many elements', async () => {
    const rt = await runtimeFor(
      buildModel({
        inputs: [{ name: 'm', elemType: ElemType.FLOAT, dims: ['N', 'rows', 'cols'] }],
        outputs: [{ name: 'same', elemType: ElemType.FLOAT, dims: ['N', 'rows', 'cols'] }],
        nodes: [identity('m', 'same')],
      }),
    );
    const records = [
      { m: [[1]] },
      {
        m: [
          [1, 2, 3],
          [4, 5, 6],
        ],
      },
      {
        m: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
      },
    ];
    const got = await rt.predict(records, { requestId: 'free' });
    expect(got).toEqual(records.map((r) => ({ same: r.m })));
    await rt.unload();
  });

  it('refuses, naming the field, a record of the wrong shape that skipped validation', async () => {
    const rt = await runtimeFor(
      buildModel({
        inputs: [{ name: 'x', elemType: ElemType.FLOAT, dims: ['N', 4] }],
        outputs: [{ name: 'y', elemType: ElemType.FLOAT, dims: ['N', 4] }],
        nodes: [identity('x', 'y')],
      }),
    );
    const err = await failure(rt.predict([{ x: [1, 2, 3] }], { requestId: 'short' }));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toMatchObject({ status: 400, field: 'x' });
    expect((err as Error).message).toContain('[4]');
    await rt.unload();
  });

  it.each([1, 2])('runs a model with a fixed batch of %i on any number of records', async (b) => {
    const rt = await runtimeFor(
      buildModel({
        inputs: [{ name: 'x', elemType: ElemType.FLOAT, dims: [b, 2] }],
        outputs: [{ name: 'y', elemType: ElemType.FLOAT, dims: [b, 2] }],
        nodes: [identity('x', 'y')],
      }),
    );
    const records = [1, 2, 3].map((v) => ({ x: [v, -v] }));
    expect(await rt.predict(records, { requestId: 'fixed' })).toEqual([
      { y: [1, -1] },
      { y: [2, -2] },
      { y: [3, -3] },
    ]);
    await rt.unload();
  });

  it("names onnxruntime's reason when it refuses a file", async () => {
    const rt = await runtimeFor(Buffer.from('not a model at all, just text'));
    const err = await failure(rt.load());
    expect(err).toBeInstanceOf(UnusableArtifactError);
    expect((err as SlipwayError).status).toBe(422);
    expect((err as Error).message).toMatch(/^not a loadable ONNX model: .*protobuf parsing failed/);
  });

  it('refuses a missing artifact without naming the data directory', async () => {
    const rt = factory.create({
      name: 't',
      version: 1,
      artifact: { path: join(dir, 'gone', 'secret-path'), sha256: '0', size: 0 },
      pool: 'cpu',
      config: {},
    });
    const err = await failure(rt.load());
    expect(err).toBeInstanceOf(UnusableArtifactError);
    expect((err as Error).message).toContain('ENOENT');
    expect((err as Error).message).not.toContain('secret-path');
  });

  it('loads a ZipMap model without touching the artifact file', async () => {
    const fixture = fileURLToPath(
      new URL('../../../test/fixtures/onnx/classifier_zipmap.onnx', import.meta.url),
    );
    const bytes = await readFile(fixture);
    const rt = await runtimeFor(bytes, 'zipmap-artifact');
    await rt.load();
    expect(rt.signature().outputs[1]!.values).toEqual([0, 1, 2]);
    expect(sha256(await readFile(join(dir, 'zipmap-artifact')))).toBe(sha256(bytes));
    await rt.unload();
  });

  it('lets a run in flight finish before unload releases the session', async () => {
    const rt = await runtimeFor(kinds);
    await rt.load();
    const record = {
      d: [1, 2],
      i: 3,
      b: true,
      s: 'x',
      m: [
        [1, 2, 3],
        [4, 5, 6],
      ],
    };
    const inFlight = rt.predict([record], { requestId: 'in-flight' });
    const unloaded = rt.unload();
    expect((await inFlight)[0]).toMatchObject({ i_out: 3, s_out: 'x' });
    await unloaded;
    expect(() => rt.signature()).toThrow(NotReadyError);
    // The next call loads the model again.
    expect((await rt.predict([record], { requestId: 'again' }))[0]).toMatchObject({ i_out: 3 });
    await rt.unload();
  });

  it('answers a call whose load an unload overtook, by loading again', async () => {
    const rt = await runtimeFor(kinds);
    const record = {
      d: [1, 2],
      i: 5,
      b: false,
      s: 'y',
      m: [
        [1, 2, 3],
        [4, 5, 6],
      ],
    };
    // The host loads, then scales to zero while a call arrives: the call must still answer.
    const loading = rt.load();
    const unloading = rt.unload();
    const call = rt.predict([record], { requestId: 'cold' });
    await Promise.all([loading, unloading]);
    expect((await call)[0]).toMatchObject({ i_out: 5, s_out: 'y' });
    await rt.unload();
  });

  it('stops a load whose signal is aborted', async () => {
    const rt = await runtimeFor(kinds);
    const err = await failure(rt.load(AbortSignal.abort(new Error('publish cancelled'))));
    expect((err as Error).message).toBe('publish cancelled');
    expect(() => rt.signature()).toThrow(NotReadyError);
  });

  it('serves the outputs it can and warns about the rest', async () => {
    const rt = await runtimeFor(
      buildModel({
        inputs: [
          { name: 'x', elemType: ElemType.FLOAT, dims: ['N', 2] },
          { name: 'h', elemType: ElemType.FLOAT16, dims: ['N', 2] },
        ],
        outputs: [
          { name: 'y', elemType: ElemType.FLOAT, dims: ['N', 2] },
          { name: 'h_out', elemType: ElemType.FLOAT16, dims: ['N', 2] },
        ],
        nodes: [identity('x', 'y'), identity('h', 'h_out')],
      }),
    );
    // A float16 input cannot be fed from JSON: the model is refused, saying why.
    const err = await failure(rt.load());
    expect(err).toBeInstanceOf(UnusableArtifactError);
    expect((err as Error).message).toMatch(/input h .*float16/);

    const outOnly = await runtimeFor(
      buildModel({
        inputs: [{ name: 'x', elemType: ElemType.FLOAT, dims: ['N', 2] }],
        outputs: [
          { name: 'y', elemType: ElemType.FLOAT, dims: ['N', 2] },
          { name: 'h_out', elemType: ElemType.FLOAT16, dims: ['N', 2] },
        ],
        nodes: [
          identity('x', 'y'),
          {
            opType: 'Cast',
            input: ['x'],
            output: ['h_out'],
            attribute: [{ name: 'to', i: ElemType.FLOAT16, type: 2 }],
          },
        ],
      }),
    );
    await outOnly.load();
    expect(outOnly.warnings!()).toEqual([expect.stringContaining('h_out')]);
    expect(await outOnly.predict([{ x: [1, 2] }], { requestId: 'w' })).toEqual([{ y: [1, 2] }]);
    await outOnly.unload();
  });

  it('micro-batches concurrent calls when asked, each caller answered its own records', async () => {
    const fixtures = fileURLToPath(new URL('../../../test/fixtures/onnx/', import.meta.url));
    const bytes = await readFile(join(fixtures, 'classifier_zipmap.onnx'));
    const { records } = JSON.parse(
      await readFile(join(fixtures, 'classifier_zipmap.expected.json'), 'utf8'),
    ) as { records: Record<string, unknown>[] };
    const alone = await runtimeFor(bytes, 'iris-alone.onnx');
    const batched = await runtimeFor(bytes, 'iris-batched.onnx', { batching: { maxRecords: 8 } });
    try {
      const want = await alone.predict(records, { requestId: 'all' });
      // 120 callers at once, one to three records each: most wait, and go in groups.
      const calls = Array.from({ length: 120 }, (_, i) =>
        Array.from({ length: 1 + (i % 3) }, (_, k) => (i + k) % records.length),
      );
      const answers = await Promise.all(
        calls.map((rows, i) =>
          batched.predict(
            rows.map((r) => records[r]!),
            { requestId: `c${i}` },
          ),
        ),
      );
      // Within float32 rounding: onnxruntime's kernels round differently for another batch size.
      answers.forEach((got, i) =>
        expectClose(
          got,
          calls[i]!.map((r) => want[r]),
          1e-6,
          `call ${i}`,
        ),
      );
    } finally {
      await alone.unload();
      await batched.unload();
    }
  });

  it('refuses micro-batching options it does not know', async () => {
    const rt = await runtimeFor(kinds, 'kinds-bad.onnx', { batching: { maxRecords: 1 } });
    const err = await failure(rt.load());
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).field).toBe('config.batching.maxRecords');
  });
});
