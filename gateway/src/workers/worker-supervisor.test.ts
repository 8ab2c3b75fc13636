import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineError, NotReadyError, WorkerCrashedError } from '../errors.js';
import { isAlive, waitFor } from './testing/processes.js';
import {
  spawnWorkerProcess,
  WorkerCallError,
  WorkerSupervisor,
  type WorkerCommand,
  type WorkerStartEvent,
  type WorkerSupervisorOptions,
} from './worker-supervisor.js';

/** A real process speaking the protocol (plain Node): these tests need no Python. */
const FAKE_WORKER = fileURLToPath(new URL('./testing/fake-worker.mjs', import.meta.url));

const supervisors: WorkerSupervisor[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});

/** Waits until the fake worker has `count` sleep calls under way; returns their ids. */
async function sleepsRunning(supervisor: WorkerSupervisor, count: number): Promise<number[]> {
  let ids: number[] = [];
  await waitFor(`${count} sleep calls in the worker`, async () => {
    ids = (await supervisor.call<{ ids: number[] }>('running')).ids;
    return ids.length === count;
  });
  return ids;
}

function fakeWorker(opts: Partial<WorkerSupervisorOptions> & { flags?: string[] } = {}) {
  const logs: string[] = [];
  const spawned: WorkerCommand[] = [];
  const starts: WorkerStartEvent[] = [];
  const { flags = [], ...rest } = opts;
  const supervisor = new WorkerSupervisor({
    name: 'fake',
    command: () => ({
      command: process.execPath,
      args: [FAKE_WORKER, ...flags],
      env: { FAKE_MARK: 'yes' },
    }),
    spawn: (cmd) => {
      spawned.push(cmd);
      return spawnWorkerProcess(cmd);
    },
    log: (line) => logs.push(line),
    restartDelayMs: 50,
    ...rest,
  });
  supervisor.onStart((e) => starts.push(e));
  supervisors.push(supervisor);
  return { supervisor, logs, spawned, starts };
}

describe('WorkerSupervisor', () => {
  it('starts nothing until the first call, which is a cold start; later calls are warm', async () => {
    const { supervisor, spawned, starts } = fakeWorker();
    expect(spawned).toHaveLength(0);
    expect(supervisor.state).toBe('stopped');
    const first = await supervisor.request('echo', { a: 1 });
    expect(first).toMatchObject({ result: { a: 1 }, coldStart: true, generation: 1 });
    expect(await supervisor.call('env', { name: 'FAKE_MARK' })).toEqual({ value: 'yes' });
    const second = await supervisor.request('echo', { b: 2 });
    expect(second).toMatchObject({ result: { b: 2 }, coldStart: false, pid: first.pid });
    expect(spawned).toHaveLength(1);
    expect(starts).toEqual([{ generation: 1, pid: first.pid, reason: 'first' }]);
    expect(supervisor.state).toBe('running');
  });

  it("passes the worker's own errors on as WorkerCallError, tracebacks to the log only", async () => {
    const { supervisor, logs } = fakeWorker();
    const err = await supervisor
      .call('fail', {
        type: 'NotebookFailed',
        message: 'cell 2 raised X',
        details: { cell: 2 },
        traceback: 'Traceback: secret',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerCallError);
    expect(err).toMatchObject({
      type: 'NotebookFailed',
      message: 'cell 2 raised X',
      details: { cell: 2 },
    });
    expect((err as Error).message).not.toContain('secret');
    expect(logs.join('\n')).toContain('Traceback: secret');
    const unknown = await supervisor.call('nope').catch((e: unknown) => e);
    expect(unknown).toMatchObject({ type: 'UnknownMethod' });
  });

  it('sends stderr and stray stdout lines to the log, never to callers', async () => {
    const { supervisor, logs } = fakeWorker();
    await supervisor.call('stderr', { text: 'a log line' });
    // The stray line comes before the answer on the same pipe: logged by the time it is answered.
    await supervisor.call('garbage', { text: 'not json at all' });
    expect(
      logs.some((l) => l.includes('not a protocol line') && l.includes('not json at all')),
    ).toBe(true);
    expect(await supervisor.call('echo', { ok: true })).toEqual({ ok: true });
    // stderr is another pipe, read in its own time.
    await waitFor('the stderr line in the log', () =>
      logs.some((l) => l.includes('a log line') && l.includes(`fake worker ${supervisor.pid}`)),
    );
  });

  it('runs calls in parallel on one worker', async () => {
    const { supervisor } = fakeWorker();
    // Each call is answered only once all four wait in the worker together: calls sent one
    // at a time would never all be answered, and the deadline would fail them.
    const answers = await Promise.all(
      [0, 1, 2, 3].map(() =>
        supervisor.call('rendezvous', { name: 'four', parties: 4 }, { timeoutMs: 20_000 }),
      ),
    );
    expect(answers).toEqual(Array(4).fill({ arrived: 4 }));
  });

  it('fails the calls in flight with 502 when the worker dies, and the next call gets a new worker', async () => {
    const { supervisor, starts, logs } = fakeWorker({ restartDelayMs: 60_000 });
    const { pid } = await supervisor.request('echo');
    const inFlight = [
      supervisor.call('sleep', { ms: 600_000 }),
      supervisor.call('sleep', { ms: 600_000 }),
    ];
    await sleepsRunning(supervisor, 2);
    supervisor.kill();
    for (const call of inFlight) {
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkerCrashedError);
      expect(err).toMatchObject({ status: 502, code: 'worker_crashed' });
      expect((err as Error).message).toContain('killed by SIGKILL');
    }
    const next = await supervisor.request('echo', { again: true });
    expect(next).toMatchObject({ result: { again: true }, coldStart: true, generation: 2 });
    expect(next.pid).not.toBe(pid);
    expect(starts.map((s) => s.reason)).toEqual(['first', 'restart']);
    expect(logs.some((l) => l.includes('was killed by SIGKILL'))).toBe(true);
  });

  it('restarts a crashed worker by itself, without waiting for a call', async () => {
    const { supervisor, starts } = fakeWorker();
    const { pid } = await supervisor.request('echo');
    await supervisor.call('crash', { code: 7 }).catch(() => {});
    await waitFor('a new worker', () => supervisor.state === 'running' && supervisor.pid !== pid);
    expect(starts.map((s) => s.reason)).toEqual(['first', 'restart']);
    expect(isAlive(pid)).toBe(false);
  });

  it('kills the process groups a crashed worker announced and left behind', async () => {
    const { supervisor, logs } = fakeWorker({ restartDelayMs: 60_000 });
    const { pid } = await supervisor.call<{ pid: number }>('spawnGroup', { seconds: 600 });
    expect(isAlive(pid)).toBe(true);
    supervisor.kill();
    await waitFor('the orphaned group to be killed', () => !isAlive(pid));
    expect(logs.some((l) => l.includes(`killed process group ${pid}`))).toBe(true);
  });

  it('answers 504 at the deadline after asking the worker to cancel the work', async () => {
    const { supervisor } = fakeWorker();
    // The work would outlast the test: only the deadline can end the call.
    const err = await supervisor
      .call('sleep', { ms: 600_000 }, { timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineError);
    expect(err).toMatchObject({ status: 504, code: 'deadline_exceeded' });
    // The worker was told, and cancelled exactly that call; it keeps serving.
    const { ids } = await supervisor.call<{ ids: number[] }>('cancelled');
    expect(ids).toHaveLength(1);
    expect((await supervisor.call<{ ids: number[] }>('running')).ids).toEqual([]);
    expect(await supervisor.call('echo', { still: 'here' })).toEqual({ still: 'here' });
  });

  it('honours an absolute deadline and an abort signal the same way', async () => {
    const { supervisor } = fakeWorker();
    // A running worker: a deadline that passes during a start has nothing to cancel (below).
    await supervisor.call('echo');
    await expect(
      supervisor.call('sleep', { ms: 600_000 }, { deadline: Date.now() + 150 }),
    ).rejects.toBeInstanceOf(DeadlineError);
    const controller = new AbortController();
    const call = supervisor.call('sleep', { ms: 600_000 }, { signal: controller.signal });
    const [id] = await sleepsRunning(supervisor, 1);
    controller.abort(new Error('client went away'));
    await expect(call).rejects.toThrow('client went away');
    const { ids } = await supervisor.call<{ ids: number[] }>('cancelled');
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(id);
  });

  it('answers 504 when the deadline passes while the worker is still starting', async () => {
    // The start would fail at its ping timeout; the deadline comes first.
    const { supervisor, spawned } = fakeWorker({ flags: ['--no-ping'], startupTimeoutMs: 1_000 });
    const err = await supervisor
      .call('echo', {}, { deadline: Date.now() + 200 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineError);
    expect((err as Error).message).toBe(
      'the deadline passed while the fake worker was starting for echo',
    );
    expect(spawned).toHaveLength(1);
  });

  it('kills and replaces a worker that stops answering pings', async () => {
    // Pings go out only when the test moves the health interval on: none can reach the worker
    // before it hangs, so a slow but healthy worker is never mistaken for a hung one.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { supervisor, logs } = fakeWorker({ healthIntervalMs: 100, healthTimeoutMs: 300 });
    const { pid } = await supervisor.request('echo');
    let stuck: unknown;
    void supervisor.call('hang').catch((e: unknown) => (stuck = e));
    await waitFor('the hung worker to fail its call', () => {
      vi.advanceTimersByTime(100);
      return stuck !== undefined;
    });
    expect(stuck).toBeInstanceOf(WorkerCrashedError);
    expect(logs.some((l) => l.includes('did not answer a ping'))).toBe(true);
    const next = await supervisor.request('echo');
    expect(next.pid).not.toBe(pid);
    expect(isAlive(pid)).toBe(false);
  });

  it('gives up on a worker that never answers its first ping', async () => {
    const { supervisor, logs } = fakeWorker({ flags: ['--no-ping'], startupTimeoutMs: 300 });
    const err = await supervisor.call('echo').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerCrashedError);
    expect((err as Error).message).toBe('the fake worker did not start; see the gateway log');
    expect(logs.some((l) => l.includes('did not answer its first ping'))).toBe(true);
  });

  it('reports a worker that exits at start, or cannot be run at all, as 502 with details in the log', async () => {
    const exiting = fakeWorker({ flags: ['--exit=4'] });
    await expect(exiting.supervisor.call('echo')).rejects.toBeInstanceOf(WorkerCrashedError);
    expect(exiting.logs.some((l) => l.includes('exited with code 4'))).toBe(true);

    const missing = fakeWorker({ command: () => ({ command: '/nonexistent/worker', args: [] }) });
    const err = await missing.supervisor.call('echo').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerCrashedError);
    expect((err as Error).message).not.toContain('/nonexistent');
    expect(missing.logs.some((l) => l.includes('/nonexistent/worker'))).toBe(true);

    const broken = fakeWorker({
      command: () => {
        throw new Error('python3 not found');
      },
    });
    await expect(broken.supervisor.call('echo')).rejects.toBeInstanceOf(WorkerCrashedError);
    expect(broken.logs.some((l) => l.includes('python3 not found'))).toBe(true);
  });

  it('stops an idle worker and starts it again on the next call, which says it was cold', async () => {
    const { supervisor, starts, spawned } = fakeWorker({ idleStopMs: 200 });
    const first = await supervisor.request('echo');
    // A call keeps it up however long it takes.
    await supervisor.call('sleep', { ms: 400 });
    expect(supervisor.pid).toBe(first.pid);
    await waitFor(
      'the idle worker to stop',
      () => supervisor.state === 'stopped' && !isAlive(first.pid),
    );
    const next = await supervisor.request('echo');
    expect(next.coldStart).toBe(true);
    expect(next.pid).not.toBe(first.pid);
    expect(starts.map((s) => s.reason)).toEqual(['first', 'wake']);
    expect(spawned).toHaveLength(2);
  });

  it('stops for good: stdin closed, calls in flight and later calls refused with 503', async () => {
    const { supervisor } = fakeWorker();
    const { pid } = await supervisor.request('echo');
    const inFlight = supervisor.call('sleep', { ms: 10_000 }).catch((e: unknown) => e);
    await supervisor.stop();
    expect(isAlive(pid)).toBe(false);
    expect(await inFlight).toBeInstanceOf(NotReadyError);
    await expect(supervisor.call('echo')).rejects.toMatchObject({ status: 503 });
    expect(supervisor.state).toBe('closed');
  });
});
