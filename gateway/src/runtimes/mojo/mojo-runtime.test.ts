import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeadlineError,
  InvalidInputError,
  NotReadyError,
  UnusableArtifactError,
  WorkerCrashedError,
} from '../../errors.js';
import { waitFor } from '../../workers/testing/processes.js';
import { mojoRuntimeFactory } from './index.js';
import { MojoWorker } from './mojo-worker.js';
import {
  mismatches,
  MOJO_FIXTURES,
  mojoFixturePath,
  mojoSpec,
  readExpected,
  REFUSED_MOJO,
} from './testing/fixtures.js';
import { javaForTests, NO_JAVA } from './testing/java.js';

const java = await javaForTests();

/** Rows for calls that must still be running a moment after they are sent. */
function manyRows(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    age: 20 + (i % 60),
    income: 1000 + i,
    city: 'paris',
    plan: 'pro',
  }));
}

describe.skipIf(!java)(
  java ? 'MOJO runtime, real h2o-genmodel' : `MOJO runtime: ${NO_JAVA}`,
  () => {
    let worker: MojoWorker;
    let tmp: string;
    const factory = () => mojoRuntimeFactory({ worker });

    beforeAll(async () => {
      worker = new MojoWorker({ log: () => {}, idleStopMs: 0 });
      tmp = await mkdtemp(join(tmpdir(), 'slipway-mojo-'));
    });
    afterAll(async () => {
      await worker.stop();
      await rm(tmp, { recursive: true, force: true });
    });

    it.each(MOJO_FIXTURES)('%s answers every row exactly as H2O did in-cluster', async (name) => {
      const { records, predictions, tolerance, config } = await readExpected(name);
      const runtime = factory().create(await mojoSpec(mojoFixturePath(`${name}.zip`), config));
      await runtime.load();
      const batch = await runtime.predict(records, { requestId: 'batch' });
      const wrong = batch.flatMap((p, i) => mismatches(p, predictions[i], tolerance, `row ${i}`));
      expect(wrong).toEqual([]);
      // One by one too: a batch is one worker call, a single row another path through it.
      for (const [i, r] of records.entries()) {
        const [p] = await runtime.predict([r], { requestId: `r${i}` });
        expect(mismatches(p, predictions[i], tolerance, `row ${i}`)).toEqual([]);
      }
      await runtime.unload();
    });

    it('reads the signature from the MOJO: numbers, levels, classes', async () => {
      const runtime = factory().create(await mojoSpec(mojoFixturePath('gbm_binomial.zip')));
      await runtime.load();
      const sig = runtime.signature();
      expect(sig.inputs.map((f) => [f.name, f.type, f.required])).toEqual([
        ['age', 'float64', false],
        ['income', 'float64', false],
        ['city', 'string', false],
        ['plan', 'string', false],
      ]);
      // By default a level the model never saw is refused: the levels are the allowed values.
      expect(sig.inputs[2]!.values).toEqual(['lille', 'lyon', 'nice', 'paris']);
      expect(sig.outputs).toEqual([
        { name: 'label', type: 'string', shape: [], values: ['no', 'yes'] },
        { name: 'probabilities', type: 'float64', shape: [2], values: ['no', 'yes'] },
      ]);
      await runtime.unload();

      // Scored as missing instead, they inform rather than limit.
      const lenient = factory().create(
        await mojoSpec(mojoFixturePath('gbm_binomial.zip'), { unknownLevels: 'warn' }),
      );
      await lenient.load();
      expect(lenient.signature().inputs[2]!.values).toBeUndefined();
      expect(lenient.signature().inputs[2]!.help).toContain('lille, lyon, nice, paris');
      await lenient.unload();

      const glm = factory().create(await mojoSpec(mojoFixturePath('glm_regression.zip')));
      await glm.load();
      expect(glm.signature().outputs).toEqual([{ name: 'value', type: 'float64', shape: [] }]);
      await glm.unload();
    });

    it('refuses a level the model never saw with 400 naming the field and the level', async () => {
      // Before: such a level was scored as missing, and the caller never knew.
      const runtime = factory().create(await mojoSpec(mojoFixturePath('gbm_binomial.zip')));
      const base = { age: 40, income: 20000, plan: 'pro' };
      const err = await runtime
        .predict(
          [
            { ...base, city: 'lyon' },
            { ...base, city: 'marseille' },
          ],
          {
            requestId: 'unseen',
          },
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).status).toBe(400);
      expect((err as InvalidInputError).field).toBe('[1].city');
      expect((err as Error).message).toBe(
        'field [1].city: level "marseille" is not one the model knows (lille, lyon, nice, paris)',
      );
      await runtime.unload();
    });

    it('with unknownLevels "warn", scores an unseen level as missing and says so', async () => {
      const runtime = factory().create(
        await mojoSpec(mojoFixturePath('gbm_binomial.zip'), { unknownLevels: 'warn' }),
      );
      const base = { age: 40, income: 20000, plan: 'pro' };
      const warnings: string[] = [];
      const [unknown, nulled, omitted, again, known] = await runtime.predict(
        [
          { ...base, city: 'marseille' },
          { ...base, city: null },
          { ...base, plan: 'pro' },
          { ...base, city: 'marseille' },
          { ...base, city: 'lyon' },
        ],
        { requestId: 'missing', warn: (w) => warnings.push(w) },
      );
      expect(unknown).toEqual(omitted);
      expect(again).toEqual(omitted);
      expect(nulled).toEqual(omitted);
      expect(known).not.toEqual(omitted);
      expect(warnings).toEqual([
        'city: level "marseille" is not one the model knows; scored as missing (2 records)',
      ]);
      // A known level, a null and a left-out column are no news.
      const quiet: string[] = [];
      await runtime.predict([{ ...base, city: 'lyon' }, { ...base, city: null }, base], {
        requestId: 'quiet',
        warn: (w) => quiet.push(w),
      });
      expect(quiet).toEqual([]);
      await runtime.unload();
    });

    it.each([
      ['coxph', { age: 50, income: 20000, plan: 'platinum' }, 'plan', /CoxPH/],
      ['extended_isolation_forest', { age: 50, plan: 'platinum' }, 'plan', /Extended Isolation/],
    ] as const)(
      '%s refuses an unseen level even with "warn": h2o does not score it as missing',
      async (name, record, field, why) => {
        const runtime = factory().create(
          await mojoSpec(mojoFixturePath(`${name}.zip`), { unknownLevels: 'warn' }),
        );
        const err = await runtime.predict([record], { requestId: 'x' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InvalidInputError);
        expect((err as InvalidInputError).field).toBe(field);
        expect((err as Error).message).toMatch(why);
        // So its levels are the allowed values, as by default.
        expect(runtime.signature().inputs.find((f) => f.name === field)!.values).toEqual([
          'basic',
          'pro',
          'team',
        ]);
        await runtime.unload();
      },
    );

    it('finds a level written as a number from 70, 70.0, "70" and "70.0"', async () => {
      // zone's levels are "70.0", "80.0", "90.0" and floor's "1", "2", "3" (make_mojo.py).
      const runtime = factory().create(await mojoSpec(mojoFixturePath('gbm_numeric_levels.zip')));
      await runtime.load();
      const zone = runtime.signature().inputs.find((f) => f.name === 'zone')!;
      expect(zone.type).toBe('json');
      expect(zone.help).toMatch(/one of 70\.0, 80\.0, 90\.0; another level is refused/);
      const forms = [70, 70.0, '70', '70.0', 7e1, '7e1'];
      const answers = await runtime.predict(
        forms.map((z) => ({ age: 40, zone: z, floor: 2 })),
        { requestId: 'forms' },
      );
      for (const a of answers) expect(a).toEqual(answers[0]);
      const [eighty, missing] = await runtime.predict(
        [
          { age: 40, zone: 80, floor: '2.0' },
          { age: 40, floor: 2 },
        ],
        { requestId: 'others' },
      );
      expect(eighty).not.toEqual(answers[0]);
      expect(missing).not.toEqual(answers[0]);
      // A number that is no level, or a number's other text, is a level the model never saw.
      for (const zone of [75, '070', '70.0.0', true]) {
        const err = await runtime
          .predict([{ age: 40, zone, floor: 2 }], { requestId: 'bad' })
          .catch((e: unknown) => e);
        expect(err, String(zone)).toBeInstanceOf(InvalidInputError);
        expect((err as InvalidInputError).field).toBe('zone');
      }
      await runtime.unload();

      const lenient = factory().create(
        await mojoSpec(mojoFixturePath('gbm_numeric_levels.zip'), { unknownLevels: 'warn' }),
      );
      const warnings: string[] = [];
      const [unseen] = await lenient.predict([{ age: 40, zone: 75, floor: 2 }], {
        requestId: 'warn',
        warn: (w) => warnings.push(w),
      });
      expect(unseen).toEqual(missing);
      expect(warnings).toEqual(['zone: level 75 is not one the model knows; scored as missing']);
      await lenient.unload();
    });

    it('refuses a GLRM at load with 422 naming the algorithm and why', async () => {
      const runtime = factory().create(await mojoSpec(mojoFixturePath(REFUSED_MOJO.artifact)));
      const err = await runtime.load().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnusableArtifactError);
      expect((err as UnusableArtifactError).status).toBe(422);
      for (const what of REFUSED_MOJO.names) expect((err as Error).message).toContain(what);
      const call = await runtime.predict([{ age: 30 }], { requestId: 'g' }).catch((e) => e);
      expect(call).toBeInstanceOf(UnusableArtifactError);
      await runtime.unload();
    });

    it('answers the columns h2o predicts for models that are no classifier or regression', async () => {
      const outputs: [string, string[], string][] = [
        ['isolation_forest', ['predict', 'mean_length'], 'float64'],
        ['extended_isolation_forest', ['anomaly_score', 'mean_length'], 'float64'],
        ['kmeans', ['predict'], 'int32'],
        ['pca', ['PC1', 'PC2'], 'float64'],
        ['coxph', ['lp'], 'float64'],
        ['target_encoder', ['city_te', 'plan_te'], 'float64'],
      ];
      for (const [name, names, type] of outputs) {
        const runtime = factory().create(await mojoSpec(mojoFixturePath(`${name}.zip`)));
        await runtime.load();
        expect(runtime.signature().outputs, name).toEqual(
          names.map((n) => ({ name: n, type, shape: [] })),
        );
        await runtime.unload();
      }
    });

    it('holds several MOJOs in one worker process, and shares one file between runtimes', async () => {
      const runtimes = await Promise.all(
        [...MOJO_FIXTURES, 'gbm_binomial'].map(async (n) =>
          factory().create(await mojoSpec(mojoFixturePath(`${n}.zip`))),
        ),
      );
      await Promise.all(runtimes.map((r) => r.load()));
      const pid = worker.supervisor.pid;
      expect(pid).toBeDefined();
      for (const r of runtimes) {
        const [p] = await r.predict([{ age: 30 }], { requestId: 'multi' });
        expect(p).toBeTypeOf('object');
      }
      expect(worker.supervisor.pid).toBe(pid);
      // The first gbm runtime lets go; the second still scores without a reload.
      await runtimes[0]!.unload();
      await expect(
        runtimes.at(-1)!.predict([{ age: 30 }], { requestId: 'shared' }),
      ).resolves.toHaveLength(1);
      await Promise.all(runtimes.map((r) => r.unload()));
    });

    it('refuses a string for a numeric column inside the worker with 400 naming it', async () => {
      // The gateway's validator stops this first; the worker's own check is the backstop.
      const runtime = factory().create(await mojoSpec(mojoFixturePath('glm_regression.zip')));
      const err = await runtime
        .predict([{ age: 'old', income: 1 }], { requestId: 'bad' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).field).toBe('age');
      await runtime.unload();
    });

    it.each([
      [
        'a zip without model.ini',
        () => zipSync({ 'hello.txt': new TextEncoder().encode('hi') }),
        /no model\.ini/,
      ],
      ['random bytes', () => new Uint8Array(2048).map((_, i) => (i * 31 + 7) % 256), /not a zip/],
      [
        'a model.ini of a category not served',
        () =>
          zipSync({
            'model.ini': new TextEncoder().encode(
              '[info]\nalgo = word2vec\ncategory = WordEmbedding\nmojo_version = 1.00\n',
            ),
          }),
        /^word2vec MOJOs \(category WordEmbedding\) are not served: a word embedding maps words/,
      ],
      [
        'a model.ini of a category h2o-genmodel does not name',
        () =>
          zipSync({
            'model.ini': new TextEncoder().encode(
              '[info]\nalgo = novel\ncategory = Novelty\nmojo_version = 1.00\n',
            ),
          }),
        /^novel MOJOs \(category Novelty\) are not served: Slipway serves Binomial, .*TargetEncoder models/,
      ],
      [
        'a model.ini with nothing behind it',
        () =>
          zipSync({
            'model.ini': new TextEncoder().encode(
              '[info]\nalgo = gbm\ncategory = Binomial\nmojo_version = 1.40\n',
            ),
          }),
        /h2o-genmodel cannot read the MOJO/,
      ],
    ])('refuses %s with a typed 422', async (_what, bytes, reason) => {
      const path = join(tmp, `${_what.replace(/\W/g, '')}.zip`);
      await writeFile(path, bytes());
      const runtime = factory().create(await mojoSpec(path));
      const err = await runtime.load().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnusableArtifactError);
      expect((err as Error).message).toMatch(reason);
      expect((err as Error).message).not.toContain(tmp);
      await runtime.unload();
    });

    it('answers 502 when the worker dies during a call, then restarts and serves', async () => {
      const runtime = factory().create(await mojoSpec(mojoFixturePath('gbm_binomial.zip')));
      await runtime.load();
      const before = worker.supervisor.generation;
      const call = runtime.predict(manyRows(200_000), { requestId: 'doomed' });
      await waitFor('the call to be sent', () => worker.supervisor.inFlight > 0, 60_000);
      worker.supervisor.kill('SIGKILL');
      await expect(call).rejects.toBeInstanceOf(WorkerCrashedError);
      const { records, predictions, tolerance } = await readExpected('gbm_binomial');
      const [p] = await runtime.predict([records[0]!], { requestId: 'after-crash' });
      expect(mismatches(p, predictions[0], tolerance)).toEqual([]);
      expect(worker.supervisor.generation).toBe(before + 1);
      await runtime.unload();
    }, 30_000);

    it('answers 504 past its timeout and keeps the worker', async () => {
      const runtime = factory().create(await mojoSpec(mojoFixturePath('gbm_binomial.zip')));
      await runtime.load();
      const pid = worker.supervisor.pid;
      const err = await runtime
        .predict(manyRows(300_000), { requestId: 'slow', timeoutMs: 1 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeadlineError);
      expect(worker.supervisor.pid).toBe(pid);
      await expect(runtime.predict([{ age: 1 }], { requestId: 'next' })).resolves.toHaveLength(1);
      await runtime.unload();
    }, 30_000);
  },
);

describe.skipIf(!java)('MOJO worker lifecycle', () => {
  it('stops when idle and starts again on the next call, loading the MOJO again', async () => {
    const idle = new MojoWorker({ log: () => {}, idleStopMs: 300 });
    try {
      const runtime = mojoRuntimeFactory({ worker: idle }).create(
        await mojoSpec(mojoFixturePath('drf_multinomial.zip')),
      );
      const { records, predictions, tolerance } = await readExpected('drf_multinomial');
      await runtime.load();
      await waitFor('the idle stop', () => idle.supervisor.state === 'stopped', 60_000);
      const [p] = await runtime.predict([records[1]!], { requestId: 'wake' });
      expect(mismatches(p, predictions[1], tolerance)).toEqual([]);
      expect(idle.supervisor.generation).toBe(2);
      await runtime.unload();
    } finally {
      await idle.stop();
    }
  }, 30_000);
});

describe('MOJO runtime without Java', () => {
  it('refuses to load with 503 saying to install a JDK 11+', async () => {
    const none = new MojoWorker({ java: '/nonexistent/bin/java', log: () => {} });
    const runtime = mojoRuntimeFactory({ worker: none }).create(
      await mojoSpec(mojoFixturePath('gbm_binomial.zip')),
    );
    const err = await runtime.load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotReadyError);
    expect((err as NotReadyError).status).toBe(503);
    expect((err as Error).message).toMatch(/JDK 11 or newer/);
    await none.stop();
  });

  it('still refuses a file that is not a MOJO with 422, since that needs no Java', async () => {
    const none = new MojoWorker({ java: '/nonexistent/bin/java', log: () => {} });
    const runtime = mojoRuntimeFactory({ worker: none }).create(
      await mojoSpec(mojoFixturePath('make_mojo.py')),
    );
    await expect(runtime.load()).rejects.toBeInstanceOf(UnusableArtifactError);
    await none.stop();
  });
});
