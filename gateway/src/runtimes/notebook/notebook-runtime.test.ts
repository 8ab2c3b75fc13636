import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeadlineError,
  NotebookFailedError,
  OverloadedError,
  UnusableArtifactError,
  WorkerCrashedError,
} from '../../errors.js';
import type { RecordValue } from '../../protocol/signature.js';
import { pythonWorker } from '../../workers/python-worker.js';
import { processesMatching, waitFor } from '../../workers/testing/processes.js';
import { NO_PYTHON, testPython } from '../../workers/testing/python.js';
import type { WorkerSupervisor } from '../../workers/worker-supervisor.js';
import type { NotebookRun, NotebookRuntime } from '../types.js';
import { notebookRuntimeFactory, readExecutedNotebook } from './notebook-runtime.js';

const python = await testPython();
const RENDEZVOUS = fileURLToPath(
  new URL('../../workers/testing/rendezvous.ipynb', import.meta.url),
);
const fixture = (name: string) =>
  fileURLToPath(new URL(`../../../test/fixtures/notebooks/${name}.ipynb`, import.meta.url));

interface Stats {
  pools: Record<string, { idle: number }>;
}
interface NotebookJson {
  cells: {
    cell_type: string;
    source: string | string[];
    metadata: { tags?: string[]; papermill?: { status?: string } };
    outputs?: { output_type: string; traceback?: string[] }[];
  }[];
}
const text = (source: string | string[]) => [source].flat().join('');

describe.skipIf(!python)(
  python ? 'notebook runtime, real papermill and ipykernel' : `notebook runtime: ${NO_PYTHON}`,
  () => {
    let runsDir: string;
    let worker: WorkerSupervisor;
    const runtimes: NotebookRuntime[] = [];

    beforeAll(async () => {
      runsDir = await mkdtemp(join(tmpdir(), 'slipway-runs-'));
      worker = pythonWorker({ configured: python, venvRoot: '/nonexistent' });
    });
    afterAll(async () => {
      await Promise.all(runtimes.map((r) => r.unload()));
      await worker.stop();
      await rm(runsDir, { recursive: true, force: true });
    });

    let version = 0;
    async function load(
      file: string,
      config: Record<string, unknown> = {},
      on = worker,
      path = fixture(file),
    ) {
      const runtime = notebookRuntimeFactory({ worker: on, runsDir }).create({
        name: file,
        version: ++version,
        artifact: { path, sha256: 'test', size: 0 },
        pool: 'cpu',
        config,
      });
      runtimes.push(runtime);
      await runtime.load();
      return runtime;
    }

    async function run(
      runtime: NotebookRuntime,
      record: RecordValue = {},
      timeoutMs?: number,
    ): Promise<NotebookRun & { runId: string }> {
      const runId = randomUUID();
      return { ...(await runtime.run(record, { requestId: runId, timeoutMs })), runId };
    }

    const executed = async (runId: string) =>
      JSON.parse((await readExecutedNotebook(runsDir, runId))!) as NotebookJson;

    it('reads typed parameters from the parameters cell and runs with them', async () => {
      const typed = await load('typed');
      expect(typed.signature().inputs).toEqual([
        {
          name: 'count',
          type: 'int64',
          shape: [],
          required: false,
          default: 3,
          help: 'how many items',
        },
        {
          name: 'rate',
          type: 'float64',
          shape: [],
          required: false,
          default: 0.5,
          help: 'a float',
        },
        { name: 'enabled', type: 'bool', shape: [], required: false, default: true },
        {
          name: 'label',
          type: 'string',
          shape: [],
          required: false,
          default: 'hello',
          help: 'some text',
        },
        { name: 'items', type: 'json', required: false, default: [1, 2, 3] },
        { name: 'options', type: 'json', required: false, default: { mode: 'fast' } },
      ]);
      const given = {
        count: 7,
        rate: 2.5,
        enabled: false,
        label: "it's",
        items: ['a', null],
        options: { k: [1] },
      };
      const result = await run(typed, given);
      expect(result.outputs).toEqual([
        { ...given, types: ['int', 'float', 'bool', 'str', 'list', 'dict'] },
      ]);
      expect(result.durationMs).toBeGreaterThan(0);
      // Left out: the notebook's own defaults, as with papermill.
      const defaults = await run(typed, {});
      expect(defaults.outputs[0]).toMatchObject({
        count: 3,
        rate: 0.5,
        enabled: true,
        label: 'hello',
        types: ['int', 'float', 'bool', 'str', 'list', 'dict'],
      });
    });

    it('injects parameters as papermill does and keeps the executed notebook', async () => {
      const typed = await load('typed');
      const result = await run(typed, { count: 9, label: 'x' });
      const nb = await executed(result.runId);
      const at = nb.cells.findIndex((c) => c.metadata.tags?.includes('parameters'));
      const injected = nb.cells[at + 1]!;
      expect(injected.metadata.tags).toEqual(['injected-parameters']);
      expect(text(injected.source)).toBe('# Parameters\ncount = 9\nlabel = "x"\n');
      expect(nb.cells.map((c) => c.metadata.papermill?.status)).toEqual([
        'completed',
        'completed',
        'completed',
        'completed',
      ]);
    });

    it('reads annotations, non-literal defaults and odd values the way papermill does', async () => {
      const nb = await load('inspect');
      expect(nb.signature().inputs).toEqual([
        {
          name: 'threshold',
          type: 'float64',
          shape: [],
          required: false,
          default: 1,
          help: 'annotated float, written as an int',
        },
        {
          name: 'day',
          type: 'json',
          required: false,
          help: 'not a literal; default: datetime.date(2024, 1, 1)',
        },
        { name: 'nothing', type: 'json', required: false, default: null },
        { name: 'pair', type: 'json', required: false, default: [1, 2], help: 'a tuple' },
        { name: 'name', type: 'string', shape: [], required: false, default: "O'Brien" },
      ]);
      const result = await run(nb, { threshold: 0.25, pair: [3, 4], nothing: { a: 1 } });
      expect(result.outputs).toEqual([
        {
          threshold: 0.25,
          day: '2024-01-01',
          nothing: { a: 1 },
          pair: [3, 4],
          name: "O'Brien",
          types: ['float', 'date', 'dict', 'list', 'str'],
        },
      ]);
    });

    it('answers JSON, text and images from the tagged cells', async () => {
      const result = await run(await load('outputs'), { n: 3 });
      expect(result.outputs).toHaveLength(3);
      expect(result.outputs[0]).toEqual({ n: 3, square: 9 });
      expect(result.outputs[1]).toBe('text 3');
      expect(result.outputs[2]).toBe(
        'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      );
    });

    it('answers what a cell prints (not its stderr) and SVG as a data URL', async () => {
      const result = await run(await load('streams'), { n: 5 });
      expect(result.outputs).toHaveLength(2);
      expect(result.outputs[0]).toBe('printed 5\nmore\n');
      const svg = result.outputs[1] as string;
      expect(svg).toMatch(/^data:image\/svg\+xml;base64,/);
      expect(Buffer.from(svg.split(',')[1]!, 'base64').toString()).toContain('<svg');
    });

    it("answers the last code cell's outputs when no cell is tagged", async () => {
      expect((await run(await load('untagged'), { x: 4 })).outputs).toEqual(['10\n']);
    });

    it('publishes a notebook without parameters with no inputs, and says so', async () => {
      const nb = await load('no_parameters');
      expect(nb.signature().inputs).toEqual([]);
      expect(nb.warnings?.()).toEqual([expect.stringContaining('no cell tagged "parameters"')]);
      expect((await run(nb)).outputs).toEqual([3.141592653589793]);
    });

    it('fails with notebook_failed naming the cell and exception; the traceback stays in the notebook', async () => {
      const failing = await load('failing');
      const requestId = randomUUID();
      const err = await failing.run({}, { requestId }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotebookFailedError);
      expect(err).toMatchObject({
        status: 500,
        code: 'notebook_failed',
        // As JupyterLab shows the cell after Run All: [3], the 3rd cell.
        message:
          'cell [3] (3rd cell, “value = 10 / divisor”) raised ZeroDivisionError: division by zero',
        cell: { position: 3, executionCount: 3, firstLine: 'value = 10 / divisor' },
        ename: 'ZeroDivisionError',
      });
      const nb = await executed(requestId);
      const failed = nb.cells.find((c) => c.metadata.papermill?.status === 'failed')!;
      expect(text(failed.source)).toBe('value = 10 / divisor');
      const error = failed.outputs!.find((o) => o.output_type === 'error')!;
      expect(error.traceback!.join('\n')).toContain('ZeroDivisionError');
      // Cells after the failure did not run.
      expect(nb.cells.at(-1)!.metadata.papermill?.status).toBe('pending');
    });

    it('runs every call in a fresh kernel and folder: nothing leaks from one call to the next', async () => {
      const isolation = await load('isolation');
      type Seen = { seen_before: boolean; file_before: boolean; pid: number; value: string };
      const first = (await run(isolation, { value: 'a' })).outputs[0] as Seen;
      const second = (await run(isolation, { value: 'b' })).outputs[0] as Seen;
      for (const out of [first, second])
        expect(out).toMatchObject({ seen_before: false, file_before: false });
      expect(second.value).toBe('b');
      expect(first.pid).not.toBe(second.pid);
    });

    it('runs calls in parallel up to the limit, queues the next and refuses past the queue with 429', async () => {
      const meet = await load(
        'rendezvous',
        { maxConcurrency: 2, queueSize: 1, warmKernels: 2 },
        worker,
        RENDEZVOUS,
      );
      const [pair, alone] = await Promise.all([
        mkdtemp(join(tmpdir(), 'slipway-meet-')),
        mkdtemp(join(tmpdir(), 'slipway-meet-')),
      ]);
      try {
        // In the order they take slots: two run, one waits, one finds the queue full.
        const settled = await Promise.allSettled([
          run(meet, { folder: pair, parties: 2 }),
          run(meet, { folder: pair, parties: 2 }),
          run(meet, { folder: alone, parties: 1 }),
          run(meet, { folder: alone, parties: 1 }),
        ]);
        // The first two only finish if they ran side by side: each waits for the other.
        expect(settled.map((s) => s.status)).toEqual([
          'fulfilled',
          'fulfilled',
          'fulfilled',
          'rejected',
        ]);
        expect((settled[3] as PromiseRejectedResult).reason).toBeInstanceOf(OverloadedError);
      } finally {
        await Promise.all([pair, alone].map((d) => rm(d, { recursive: true, force: true })));
      }
    });

    it('keeps the executed notebook under the run id, and reads nothing else from disk', async () => {
      const result = await run(await load('trivial'), { x: 1 });
      expect((await executed(result.runId)).cells).toHaveLength(3);
      expect(await readExecutedNotebook(runsDir, '../../etc/passwd')).toBeUndefined();
      expect(await readExecutedNotebook(runsDir, `${result.runId}-0`)).toBeUndefined();
    });

    it('serves calls from warm kernels, and says when a call had to wait for one', async () => {
      const warm = await load('trivial', { warmKernels: 1 });
      const poolOf = async () =>
        Object.entries((await worker.call<Stats>('stats')).pools).find(([key]) =>
          key.startsWith(`trivial@${version}:`),
        )?.[1];
      await waitFor('a warm kernel', async () => (await poolOf())?.idle === 1, 30_000);
      expect((await run(warm, { x: 1 })).cold).toBe(false);
      const coldOne = await load('trivial', { warmKernels: 0 });
      expect((await run(coldOne, { x: 1 })).cold).toBe(true);
      // Unloading drops the notebook's pool from the worker.
      await warm.unload();
      expect(
        Object.keys((await worker.call<Stats>('stats')).pools).some((k) =>
          k.startsWith(`trivial@${version - 1}:`),
        ),
      ).toBe(false);
    });

    it('refuses a file that is not a notebook, or one whose kernel is not installed, with 422', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'slipway-bad-nb-'));
      try {
        const bad = join(dir, 'bad.ipynb');
        await writeFile(bad, '{"cells": 5}');
        await expect(load('bad', {}, worker, bad)).rejects.toBeInstanceOf(UnusableArtifactError);
        const err = await load('no-such-kernel').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UnusableArtifactError);
        expect((err as Error).message).toContain("kernel 'no-such-kernel'");
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    describe('on a worker of its own, to see every process it has', () => {
      let own: WorkerSupervisor;
      let scratch: string;
      beforeAll(async () => {
        own = pythonWorker({ configured: python, venvRoot: '/nonexistent' });
        scratch = (await own.call<{ scratch: string }>('ping')).scratch;
      });
      afterAll(async () => {
        await own.stop();
      });

      it('stops a run at its timeout with 504, killing its kernel and what that started', async () => {
        const slow = await load('slow', { warmKernels: 0 }, own);
        const mark = `${600 + Math.floor(Math.random() * 1e6)}.5`;
        const err = await run(slow, { seconds: 60, child_seconds: Number(mark) }, 2_000).catch(
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(DeadlineError);
        expect(err).toMatchObject({ status: 504 });
        // Killed, they are gone once the kernel has ended (on a busy machine, a moment after
        // the answer): waited for, not sampled at one instant.
        await waitFor(
          'the kernel and what it started to be gone',
          () =>
            processesMatching(scratch).length === 0 &&
            processesMatching(`sleep ${mark}`).length === 0,
          30_000,
        );
      });

      it('answers 502 when the worker dies mid-run; the restarted worker warms the notebook again', async () => {
        const slow = await load('slow', { warmKernels: 1 }, own);
        const pending = run(slow, { seconds: 30 }).catch((e: unknown) => e);
        await waitFor(
          'the run to start',
          async () => (await own.call<{ activeRuns: number }>('stats')).activeRuns === 1,
          30_000,
        );
        own.kill();
        expect(await pending).toBeInstanceOf(WorkerCrashedError);
        scratch = (await own.call<{ scratch: string }>('ping')).scratch;
        // Re-registered by the runtime when the worker came back: a warm kernel waits again.
        await waitFor(
          'a warm kernel on the new worker',
          async () =>
            Object.values((await own.call<Stats>('stats')).pools).some((p) => p.idle === 1),
          30_000,
        );
        const again = await run(slow, { seconds: 0 });
        expect(again.cold).toBe(false);
      });
    });
  },
);
