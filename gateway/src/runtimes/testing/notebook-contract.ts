import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadlineError, NotebookFailedError, UnusableArtifactError } from '../../errors.js';
import type { NotebookCellRef } from '../../protocol/errors.js';
import type { RecordValue } from '../../protocol/signature.js';
import type { NotebookRuntime, RuntimeFactory, RuntimeSpec } from '../types.js';
import { detects } from './contract.js';

/** One notebook a notebook runtime must run, with what it answers. */
export interface NotebookContractCase {
  factory: RuntimeFactory<NotebookRuntime>;
  /** A notebook with parameters whose outputs depend on them. */
  artifact: string;
  /** Parameters to run it with, and the outputs that run answers. */
  run: { parameters: RecordValue; outputs: unknown[] };
  /** The outputs of a run given no parameters (the notebook's defaults). */
  defaultOutputs: unknown[];
  /** A run that takes a minute or more, to cut short by a timeout or the caller. */
  slow: { artifact: string; parameters: RecordValue };
  /** A run that raises in a cell. */
  failing: {
    artifact: string;
    parameters: RecordValue;
    /** The failed cell as the error names it (`error.cell`, matched in part). */
    cell: Partial<NotebookCellRef>;
    ename: string;
  };
  /** A file of another format, which `detect` must not claim. */
  foreignFile: string;
  /** Frees what the case started (a worker), after the suite. */
  dispose?: () => Promise<void>;
}

function specFor(factory: RuntimeFactory, path: string): Promise<RuntimeSpec> {
  return readFile(path).then((bytes) => ({
    name: 'contract',
    version: 1,
    artifact: { path, sha256: 'contract', size: bytes.byteLength, filename: basename(path) },
    pool: 'cpu',
    config: factory.format === 'notebook' ? { warmKernels: 0 } : {},
  }));
}

const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

/**
 * The contract every notebook runtime keeps, as `runtimeContract` is for models: detection,
 * idempotent load and unload, a signature whose inputs are the notebook's parameters (each
 * optional, with its default), runs answering the notebook's outputs, the call's timeout
 * and signal honoured with a 504, a raising cell as `notebook_failed` naming it, concurrent runs
 * answering as runs in turn, and a typed 422 for a file that is not a notebook.
 */
export function notebookContract(
  name: string,
  makeCase: () => Promise<NotebookContractCase>,
): void {
  describe(`notebook runtime contract: ${name}`, () => {
    let c: NotebookContractCase;
    let runtime: NotebookRuntime;
    let tmp: string;
    const made: NotebookRuntime[] = [];
    const create = async (path: string) => {
      const r = c.factory.create(await specFor(c.factory, path));
      made.push(r);
      return r;
    };
    const run = (
      r: NotebookRuntime,
      parameters: RecordValue,
      timeoutMs?: number,
      signal?: AbortSignal,
    ) => r.run(parameters, { requestId: randomUUID(), timeoutMs, signal });

    beforeAll(async () => {
      c = await makeCase();
      tmp = await mkdtemp(join(tmpdir(), 'slipway-nb-contract-'));
      runtime = await create(c.artifact);
    });
    afterAll(async () => {
      await Promise.all(made.map((r) => r.unload()));
      await c?.dispose?.();
      await rm(tmp, { recursive: true, force: true });
    });

    it('recognises its own file and not a file of another kind', async () => {
      expect(c.factory.kind).toBe('notebook');
      expect(await detects(c.factory, c.artifact)).toBe(true);
      expect(await detects(c.factory, c.foreignFile)).toBe(false);
    });

    it('loads idempotently, also when asked twice at once', async () => {
      await Promise.all([runtime.load(), runtime.load()]);
      await runtime.load();
      expect(runtime.kind).toBe('notebook');
      expect(runtime.format).toBe(c.factory.format);
    });

    it('describes the parameters as optional inputs, with their defaults', () => {
      const sig = runtime.signature();
      for (const k of Object.keys(c.run.parameters))
        expect(sig.inputs.map((f) => f.name)).toContain(k);
      for (const f of sig.inputs) expect(f.required).toBe(false);
      expect(sig.outputs).toEqual([{ name: 'outputs', type: 'json' }]);
    });

    it('runs with the parameters given, and with the defaults when none are', async () => {
      const result = await run(runtime, c.run.parameters);
      expect(result.outputs).toEqual(c.run.outputs);
      expect(result.durationMs).toBeGreaterThanOrEqual(0);
      expect(typeof result.cold).toBe('boolean');
      expect((await run(runtime, {})).outputs).toEqual(c.defaultOutputs);
    });

    it('answers concurrent runs as it answers them in turn', async () => {
      const inTurn = (await run(runtime, c.run.parameters)).outputs;
      const together = await Promise.all([0, 1, 2].map(() => run(runtime, c.run.parameters)));
      for (const r of together) expect(r.outputs).toEqual(inTurn);
    });

    it('stops a run at its timeout with a 504', async () => {
      const slow = await create(c.slow.artifact);
      await slow.load();
      const err = await failureOf(run(slow, c.slow.parameters, 1_500));
      expect(err).toBeInstanceOf(DeadlineError);
      expect((err as DeadlineError).status).toBe(504);
    });

    it('gives up a run when its caller goes away', async () => {
      const slow = await create(c.slow.artifact);
      await slow.load();
      const caller = new AbortController();
      const pending = failureOf(run(slow, c.slow.parameters, undefined, caller.signal));
      caller.abort();
      // Whatever it rejects with reaches nobody; that it ends (not after a minute) is the point.
      expect(await pending).toBeDefined();
    });

    it('fails a raising cell with notebook_failed, naming the cell and the exception', async () => {
      const failing = await create(c.failing.artifact);
      const err = await failureOf(run(failing, c.failing.parameters));
      expect(err).toBeInstanceOf(NotebookFailedError);
      expect(err).toMatchObject({
        status: 500,
        code: 'notebook_failed',
        cell: c.failing.cell,
        ename: c.failing.ename,
      });
    });

    it('unloads idempotently, and loads again on the next run', async () => {
      await runtime.unload();
      await runtime.unload();
      expect((await run(runtime, c.run.parameters)).outputs).toEqual(c.run.outputs);
    });

    it('refuses a file that is not a notebook with a typed 422 and a reason', async () => {
      const path = join(tmp, `broken-${basename(c.artifact)}`);
      await writeFile(path, '{"cells": 5');
      const err = await failureOf((await create(path)).load());
      expect(err).toBeInstanceOf(UnusableArtifactError);
      expect((err as UnusableArtifactError).status).toBe(422);
      expect((err as Error).message.length).toBeGreaterThan(10);
    });
  });
}
