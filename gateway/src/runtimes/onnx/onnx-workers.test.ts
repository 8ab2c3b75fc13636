import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadlineError } from '../../errors.js';
import type { ModelRuntime, RuntimeFactory } from '../types.js';
import { onnxRuntimeFactory, OnnxWorkers, type OnnxIsolation } from './index.js';
import { spinModel } from './testing/onnx-models.js';

// No timing here: the slow model is one that never ends (a Loop of 1e12 turns), so what
// happens beside it or after its deadline happens while it runs, whatever the machine's load.
const FOREVER = 1e12;

let dir: string;
let iris: { bytes: Uint8Array; record: Record<string, unknown>; label: unknown };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-onnx-workers-'));
  const fixtures = new URL('../../../test/fixtures/onnx/', import.meta.url);
  const expected = JSON.parse(
    await readFile(new URL('classifier_zipmap.expected.json', fixtures), 'utf8'),
  );
  iris = {
    bytes: await readFile(new URL('classifier_zipmap.onnx', fixtures)),
    record: expected.records[0],
    label: expected.predictions[0].output_label,
  };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runtimeFor(
  factory: RuntimeFactory<ModelRuntime>,
  name: string,
  bytes: Uint8Array,
): Promise<ModelRuntime> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const path = join(dir, sha256);
  await writeFile(path, bytes);
  const runtime = factory.create({
    name,
    version: 1,
    artifact: { path, sha256, size: bytes.byteLength },
    pool: 'cpu',
    config: {},
  });
  await runtime.load();
  return runtime;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe.each<OnnxIsolation>(['deployment', 'pool'])('ONNX models in %s workers', (isolation) => {
  let workers: OnnxWorkers;
  let factory: RuntimeFactory<ModelRuntime>;
  beforeAll(() => {
    // A short grace: unloading a model whose run never ends waits that long before the kill.
    workers = new OnnxWorkers({ isolation, supervision: { stopGraceMs: 1_000 } });
    factory = onnxRuntimeFactory({ workers });
  });
  afterAll(async () => {
    await workers.close();
  });

  const irisCall = async (runtime: ModelRuntime, id: string) =>
    (await runtime.predict([iris.record], { requestId: id }))[0];

  it('answers a call past its timeout with 504, and the next call to the same model works', async () => {
    const spin = await runtimeFor(factory, 'spin', spinModel());
    const fast = await runtimeFor(factory, 'fast', iris.bytes);

    const err = await failure(
      spin.predict([{ n: FOREVER }], { requestId: 'stuck', timeoutMs: 200 }),
    );
    expect(err).toBeInstanceOf(DeadlineError);
    expect(err).toMatchObject({ status: 504, code: 'deadline_exceeded' });
    expect((err as Error).message).toContain('0.2 s');

    // Its worker was killed; the model is loaded again in a new one.
    expect(await spin.predict([{ n: 3 }], { requestId: 'next' })).toEqual([{ y: 3 }]);
    // The other model (in a pool: in the killed process too) answers as well.
    expect(await irisCall(fast, 'other')).toMatchObject({ output_label: iris.label });
    await Promise.all([spin.unload(), fast.unload()]);
  });

  it('answers a call queued behind one past its timeout, on the next worker', async () => {
    const spin = await runtimeFor(factory, 'spin', spinModel());
    const stuck = failure(spin.predict([{ n: FOREVER }], { requestId: 'stuck', timeoutMs: 200 }));
    // Written to the worker behind the stuck call: it never started there, so it is made again.
    const behind = spin.predict([{ n: 7 }], { requestId: 'behind' });
    expect(await stuck).toBeInstanceOf(DeadlineError);
    expect(await behind).toEqual([{ y: 7 }]);
    await spin.unload();
  });

  it('keeps answering a fast model while a slow one runs', async () => {
    const spin = await runtimeFor(factory, 'spin', spinModel());
    const fast = await runtimeFor(factory, 'fast', iris.bytes);
    const leave = new AbortController();
    let slowSettled = false;
    const slow = failure(
      spin.predict([{ n: FOREVER }], { requestId: 'slow', signal: leave.signal }),
    ).finally(() => (slowSettled = true));

    // A call to the slow model itself waits behind the run…
    let queuedSettled = false;
    const queued = spin
      .predict([{ n: 0 }], { requestId: 'queued' })
      .finally(() => (queuedSettled = true));
    // …and the fast model answers, call after call, while the slow one runs.
    for (let i = 0; i < 20; i++)
      expect(await irisCall(fast, `fast-${i}`)).toMatchObject({ output_label: iris.label });
    expect(slowSettled).toBe(false);
    expect(queuedSettled).toBe(false);

    leave.abort(new Error('the caller left'));
    expect(((await slow) as Error).message).toBe('the caller left');
    // Unloading stops the run nobody waits for any more (the worker is killed).
    const unloaded = spin.unload();
    expect(await failure(queued)).toBeDefined();
    await unloaded;
    expect(await irisCall(fast, 'after')).toMatchObject({ output_label: iris.label });
    await fast.unload();
  });
});

describe('ONNX options', () => {
  it('refuses a bad config.isolation or config.threads with a 400 naming it', async () => {
    const factory = onnxRuntimeFactory();
    for (const [config, field] of [
      [{ isolation: 'thread' }, 'config.isolation'],
      [{ threads: 0 }, 'config.threads'],
    ] as const) {
      const runtime = factory.create({
        name: 'bad',
        version: 1,
        artifact: { path: join(dir, 'none.onnx'), sha256: '0', size: 0 },
        pool: 'cpu',
        config,
      });
      expect(await failure(runtime.load())).toMatchObject({ status: 400, field });
      await runtime.unload();
    }
  });
});

describe('ONNX models in one pool worker', () => {
  it('makes the calls of other models again when a stuck one kills the worker', async () => {
    const workers = new OnnxWorkers({ isolation: 'pool' });
    const factory = onnxRuntimeFactory({ workers });
    const spin = await runtimeFor(factory, 'spin', spinModel());
    const busy = await runtimeFor(factory, 'busy', spinModel());
    // Three million turns: seconds, so most likely still running when the other call's
    // deadline kills the shared process; it then runs again on the next one.
    const long = busy.predict([{ n: 3e6 }], { requestId: 'long' });
    const stuck = failure(spin.predict([{ n: FOREVER }], { requestId: 'stuck', timeoutMs: 200 }));
    expect(await stuck).toBeInstanceOf(DeadlineError);
    expect(await long).toEqual([{ y: 3e6 }]);
    await Promise.all([spin.unload(), busy.unload()]);
    await workers.close();
  });
});
