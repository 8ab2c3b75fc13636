import { readFileSync } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DeadlineError, WorkerCrashedError } from '../errors.js';
import { pythonWorker, type PythonWorkerOptions } from './python-worker.js';
import { isAlive, processesMatching, waitFor } from './testing/processes.js';
import { NO_PYTHON, testPython } from './testing/python.js';
import type { WorkerSupervisor } from './worker-supervisor.js';

const python = await testPython();
const fixture = (name: string) =>
  fileURLToPath(new URL(`../../test/fixtures/notebooks/${name}.ipynb`, import.meta.url));

/** A notebook whose runs wait for each other (see the file). */
const RENDEZVOUS = fileURLToPath(new URL('./testing/rendezvous.ipynb', import.meta.url));

/** A `sleep` length no other test uses, to find the process a kernel started. */
const uniqueSeconds = () => `${600 + Math.floor(Math.random() * 1e6)}.5`;

interface Ping {
  pid: number;
  scratch: string;
}
interface RunReply {
  outputs: unknown[];
  cold: boolean;
  kernelPid: number;
}
interface Stats {
  activeRuns: number;
  pools: Record<string, { idle: number; starting: number }>;
  idleKernelPids: number[];
  zygotePids: number[];
}
const statsOf = (worker: WorkerSupervisor) => worker.call<Stats>('stats');

describe.skipIf(!python)(
  python ? 'the Python worker, real papermill and ipykernel' : `the Python worker: ${NO_PYTHON}`,
  () => {
    const workers: WorkerSupervisor[] = [];
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((w) => w.stop()));
    });

    function start(opts: Partial<PythonWorkerOptions> = {}) {
      const logs: string[] = [];
      const worker = pythonWorker({
        configured: python,
        venvRoot: '/nonexistent',
        log: (l) => logs.push(l),
        ...opts,
      });
      workers.push(worker);
      return { worker, logs };
    }

    /** Live processes of this worker's kernels: each carries the worker's folder in its command line. */
    const kernelsOf = (ping: Ping) => processesMatching(ping.scratch);

    it('kills the kernel and what it started at the run timeout, before answering', async () => {
      const { worker } = start();
      const ping = await worker.call<Ping>('ping');
      const mark = uniqueSeconds();
      const err = await worker
        .call('run_notebook', {
          path: fixture('slow'),
          parameters: { seconds: 60, child_seconds: Number(mark) },
          timeoutSeconds: 2,
        })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ type: 'Timeout' });
      expect((err as Error).message).toMatch(
        /timeout of 2 s (in cell \[2\] \(2nd cell, “import subprocess, time”\)|while waiting for a kernel)/,
      );
      expect(kernelsOf(ping)).toEqual([]);
      expect(processesMatching(`sleep ${mark}`)).toEqual([]);
    });

    it('cancels a run when the gateway gives up on it (504), its kernel gone by the answer', async () => {
      // The answer waits for the worker's confirmation that the kernel is gone, up to the cancel
      // grace: a grace far past any machine's load makes this wait for the event, not a clock.
      const { worker } = start({ cancelGraceMs: 120_000 });
      const ping = await worker.call<Ping>('ping');
      const mark = uniqueSeconds();
      const controller = new AbortController();
      const run = worker
        .call(
          'run_notebook',
          { path: fixture('slow'), parameters: { seconds: 60, child_seconds: Number(mark) } },
          { signal: controller.signal },
        )
        .catch((e: unknown) => e);
      await waitFor(
        'the slow cell to run',
        () => processesMatching(`sleep ${mark}`).length > 0,
        30_000,
      );
      controller.abort(new DeadlineError('the client gave up'));
      expect(await run).toMatchObject({ status: 504, message: 'the client gave up' });
      expect(kernelsOf(ping)).toEqual([]);
      expect(processesMatching(`sleep ${mark}`)).toEqual([]);
      // Still serving.
      const ok = await worker.call<RunReply>('run_notebook', {
        path: fixture('trivial'),
        parameters: { x: 2 },
      });
      expect(ok.outputs).toEqual([3]);
    });

    it('answers 502 when it dies mid-run, leaves no kernel or kernel child behind, and serves the next call', async () => {
      const { worker } = start();
      const ping = await worker.call<Ping>('ping');
      const mark = uniqueSeconds();
      const run = worker
        .call('run_notebook', {
          key: 'crash',
          warm: 1,
          path: fixture('slow'),
          parameters: { seconds: 60, child_seconds: Number(mark) },
        })
        .catch((e: unknown) => e);
      await waitFor(
        'the slow cell to run',
        () => processesMatching(`sleep ${mark}`).length > 0,
        30_000,
      );
      worker.kill();
      expect(await run).toBeInstanceOf(WorkerCrashedError);
      await waitFor(
        "the dead worker's kernels and their children to go",
        () => kernelsOf(ping).length === 0 && processesMatching(`sleep ${mark}`).length === 0,
      );
      const again = await worker.request<RunReply>('run_notebook', {
        path: fixture('trivial'),
        parameters: { x: 5 },
      });
      expect(again.result.outputs).toEqual([6]);
      expect(again.pid).not.toBe(ping.pid);
    });

    it('forks kernels from a zygote, or starts each as a new interpreter with kernelStart exec', async () => {
      const parentOf = (pid: number) =>
        Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      const runOn = async (kernelStart: 'fork' | 'exec') => {
        const { worker } = start({ kernelStart });
        const ping = await worker.call<Ping>('ping');
        await worker.call('prepare_kernels', { key: 'nb', path: fixture('trivial'), warm: 1 });
        await waitFor(
          'a warm kernel',
          async () => (await statsOf(worker)).pools.nb?.idle === 1,
          120_000,
        );
        const [kernel] = (await statsOf(worker)).idleKernelPids;
        // Read now: a kernel serves one run and is gone after it.
        const parent = parentOf(kernel!);
        const run = await worker.call<RunReply>('run_notebook', {
          key: 'nb',
          path: fixture('trivial'),
          parameters: { x: 1 },
        });
        expect(run).toMatchObject({ outputs: [2], kernelPid: kernel });
        return { parent, ping, zygotes: (await statsOf(worker)).zygotePids };
      };
      const forked = await runOn('fork');
      expect(forked.zygotes).toHaveLength(1);
      expect(forked.parent).toBe(forked.zygotes[0]);
      const started = await runOn('exec');
      expect(started.zygotes).toEqual([]);
      expect(started.parent).toBe(started.ping.pid);
    });

    it('keeps warm kernels per notebook, refills after a take, and drops them on release', async () => {
      const { worker } = start();
      const ping = await worker.call<Ping>('ping');
      await worker.call('prepare_kernels', {
        key: 'nb',
        path: fixture('trivial'),
        warm: 2,
        idleSeconds: 600,
      });
      await waitFor(
        'two warm kernels',
        async () => (await statsOf(worker)).pools.nb?.idle === 2,
        30_000,
      );
      const warmPids = (await statsOf(worker)).idleKernelPids;
      const run = await worker.call<RunReply>('run_notebook', {
        key: 'nb',
        warm: 2,
        path: fixture('trivial'),
        parameters: { x: 1 },
      });
      expect(run).toMatchObject({ outputs: [2], cold: false });
      expect(warmPids).toContain(run.kernelPid);
      // One kernel, one run: the used one goes, a new one takes its place.
      await waitFor('the used kernel to go', () => !isAlive(run.kernelPid));
      await waitFor(
        'the pool to refill',
        async () => (await statsOf(worker)).pools.nb?.idle === 2,
        30_000,
      );
      await worker.call('release_kernels', { key: 'nb' });
      expect((await statsOf(worker)).pools.nb).toBeUndefined();
      await waitFor('released kernels to go', () => kernelsOf(ping).length === 0);
    });

    it('runs notebooks side by side, each on its own kernel', async () => {
      const { worker } = start();
      // Each run waits in its cell until all three have arrived: runs taken one at a time
      // would fail there (TimeoutError) instead of answering.
      const folder = await mkdtemp(join(tmpdir(), 'slipway-rendezvous-'));
      try {
        const runs = await Promise.all(
          [0, 1, 2].map(() =>
            worker.call<RunReply>('run_notebook', {
              path: RENDEZVOUS,
              parameters: { folder, parties: 3, timeout_seconds: 45 },
            }),
          ),
        );
        expect(runs.map((r) => (r.outputs[0] as { arrived: number }).arrived)).toEqual([3, 3, 3]);
        expect(new Set(runs.map((r) => r.kernelPid)).size).toBe(3);
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    }, 90_000);

    it('stops when idle, kernels included, and the next call is a cold start', async () => {
      const { worker } = start({ idleStopMs: 1_000 });
      const ping = await worker.call<Ping>('ping');
      await worker.call('prepare_kernels', { key: 'idle', path: fixture('trivial'), warm: 1 });
      await waitFor(
        'a warm kernel',
        async () => (await worker.call<Stats>('stats')).pools.idle?.idle === 1,
        30_000,
      );
      await waitFor(
        'the worker to stop',
        () => worker.state === 'stopped' && !isAlive(ping.pid),
        15_000,
      );
      expect(kernelsOf(ping)).toEqual([]);
      await expect(access(ping.scratch)).rejects.toThrow();
      const next = await worker.request<RunReply>('run_notebook', {
        key: 'idle',
        warm: 1,
        path: fixture('trivial'),
        parameters: { x: 1 },
      });
      expect(next.coldStart).toBe(true);
      expect(next.result).toMatchObject({ outputs: [2], cold: true });
    });

    it('stops for good leaving no kernel and no folder behind', async () => {
      const { worker } = start();
      const ping = await worker.call<Ping>('ping');
      await worker.call('prepare_kernels', { key: 'stop', path: fixture('trivial'), warm: 2 });
      await waitFor(
        'warm kernels',
        async () => (await worker.call<Stats>('stats')).pools.stop?.idle === 2,
        30_000,
      );
      expect(kernelsOf(ping)).toHaveLength(2);
      await worker.stop();
      expect(isAlive(ping.pid)).toBe(false);
      expect(kernelsOf(ping)).toEqual([]);
      await expect(access(ping.scratch)).rejects.toThrow();
    });

    it('limits memory per process: a notebook allocating past it fails with MemoryError', async () => {
      const { worker } = start({ memoryLimitMb: 1024 });
      const small = await worker.call<RunReply>('run_notebook', {
        path: fixture('memory'),
        parameters: { megabytes: 10 },
      });
      expect(small.outputs).toEqual([10]);
      const err = await worker
        .call('run_notebook', { path: fixture('memory'), parameters: { megabytes: 4096 } })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({
        type: 'NotebookFailed',
        message:
          'cell [2] (2nd cell, “block = bytearray(megabytes * 1024 * 1024)”) raised MemoryError',
        details: { ename: 'MemoryError', cell: 2, executionCount: 2 },
      });
    });

    it('reports a notebook asking for a kernel it does not have', async () => {
      const { worker } = start();
      const err = await worker
        .call('run_notebook', { path: fixture('no-such-kernel') })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ type: 'NoSuchKernel' });
      expect((err as Error).message).toContain("'no-such-kernel'");
      expect((err as Error).message).toContain('python3');
    });
  },
);
