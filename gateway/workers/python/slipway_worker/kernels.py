"""Warm kernels: started ahead of demand so that a run pays for its cells, not a kernel start.

Each published notebook (a `key`) has its own small pool of its kernel's kind, refilled in
the background after every take. A pool unused for its idle time shrinks to zero; the next
run then waits for a start and is reported cold. Every kernel serves one run and is then
killed, so no state crosses from one call to the next; each gets its own empty working
directory, removed with it.
"""

import asyncio
import collections
import os
import shutil
import sys
import tempfile
import time

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager

from .protocol import WorkerError

# A kernel that is not ready in this time is broken (a bad kernelspec, an import error).
START_TIMEOUT_SECONDS = 120
WARMUP_EXECUTIONS = 3


class Kernel:
    """One started kernel with its client and working directory."""

    def __init__(self, km, kc, cwd, language_info, announce):
        self.km = km
        self.kc = kc
        self.cwd = cwd
        self.language_info = language_info
        self.pid = getattr(km.provisioner, "pid", None)
        self.pgid = getattr(km.provisioner, "pgid", None)
        self._announce = announce
        self._shutdown = None

    def shutdown(self):
        """Kills the kernel (its whole process group) and removes its directory; idempotent."""
        if self._shutdown is None:
            self._shutdown = asyncio.ensure_future(self._kill())
        return self._shutdown

    async def _kill(self):
        try:
            self.kc.stop_channels()
        except Exception:  # noqa: BLE001 - a dead channel must not stop the kill
            pass
        try:
            # now=True: SIGKILL to the kernel's process group; nothing in it is worth keeping.
            await self.km.shutdown_kernel(now=True)
        except Exception as exc:  # noqa: BLE001
            # Left announced: the gateway kills the group when this worker ends.
            print(f"slipway worker: kernel {self.pid} shutdown failed: {exc}", file=sys.stderr)
        else:
            _announce_group(self._announce, self.pgid, alive=False)
        shutil.rmtree(self.cwd, ignore_errors=True)


def _announce_group(announce, pgid, alive):
    if pgid:
        announce(pgid, alive)


async def start_kernel(kernel_name, spec_manager, scratch, announce):
    """Starts a kernel in a new empty directory and waits until it answers."""
    cwd = tempfile.mkdtemp(prefix="kernel-", dir=scratch)
    km = AsyncKernelManager(kernel_name=kernel_name, kernel_spec_manager=spec_manager)
    # Unix sockets in the worker's private folder instead of TCP ports on localhost: no other
    # local user can connect, no port can be taken between choosing and binding it.
    km.transport = "ipc"
    runtime = os.environ["JUPYTER_RUNTIME_DIR"]
    km.ip = os.path.join(runtime, os.path.basename(cwd))
    # Named here, else it goes to a temp file: its path on the kernel's command line is how
    # this worker's kernels can be told apart in the process table.
    km.connection_file = os.path.join(runtime, f"{os.path.basename(cwd)}.json")
    kc = None
    try:
        # IPython's history in memory, as nbclient does: the default is a SQLite file shared by
        # all kernels, slow under concurrency, and a way for one call to read another's code.
        await km.start_kernel(cwd=cwd, extra_arguments=["--HistoryManager.hist_file=:memory:"])
        _announce_group(announce, km.provisioner.pgid, alive=True)
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=START_TIMEOUT_SECONDS)
        # Asked once here so that a run does not pay the round trip (papermill records it).
        reply = await kc.kernel_info(reply=True, timeout=START_TIMEOUT_SECONDS)
        # A kernel's first executions are slow (lazy imports and caches inside IPython); pay
        # for them here, silently: no output, no history, no execution count, no variables.
        for _ in range(WARMUP_EXECUTIONS):
            await kc.execute("None", silent=True, store_history=False, reply=True, timeout=START_TIMEOUT_SECONDS)
    except BaseException:
        # Also when cancelled half-way (the worker stopping): the process may already exist.
        await asyncio.shield(_discard(km, kc, cwd, announce))
        raise
    return Kernel(km, kc, cwd, reply["content"].get("language_info"), announce)


async def _discard(km, kc, cwd, announce):
    try:
        if kc is not None:
            kc.stop_channels()
        pgid = getattr(km.provisioner, "pgid", None) if km.has_kernel else None
        if km.has_kernel:
            await km.shutdown_kernel(now=True)
        _announce_group(announce, pgid, alive=False)
    except Exception as exc:  # noqa: BLE001
        print(f"slipway worker: could not stop a kernel that failed to start: {exc}", file=sys.stderr)
    shutil.rmtree(cwd, ignore_errors=True)


class KernelPool:
    """Idle kernels for one notebook, and the runs waiting for one."""

    def __init__(self, kernel_name, spec_manager, scratch, track_start, track_kill, announce):
        self.kernel_name = kernel_name
        self._spec_manager = spec_manager
        self._scratch = scratch
        self._announce = announce
        # The worker keeps every start and kill it has under way, so that closing waits for them.
        self._track_start = track_start
        self._track_kill = track_kill
        self.idle = collections.deque()
        self.starting = 0
        self.waiters = collections.deque()
        self.warm = 0
        self.idle_seconds = 600.0
        self.last_used = time.monotonic()
        self.closed = False

    def configure(self, warm, idle_seconds):
        """Keeps `warm` kernels ready while the notebook was used within `idle_seconds`."""
        self.warm = max(0, int(warm))
        self.idle_seconds = float(idle_seconds)
        self.last_used = time.monotonic()
        self.refill()

    def target(self, now=None):
        """Idle kernels to keep: `warm` while in use, none once idle."""
        now = time.monotonic() if now is None else now
        return self.warm if now - self.last_used < self.idle_seconds else 0

    def refill(self):
        """Starts kernels in the background until idle + starting covers target + waiters."""
        if self.closed:
            return
        for _ in range(self.target() + len(self.waiters) - len(self.idle) - self.starting):
            self._start_one()

    def _start_one(self):
        self.starting += 1
        self._track_start(asyncio.ensure_future(self._start()))

    async def _start(self):
        try:
            kernel = await start_kernel(self.kernel_name, self._spec_manager, self._scratch, self._announce)
        except Exception as exc:  # noqa: BLE001 - reported to a waiting run, else logged
            self.starting -= 1
            self._fail_a_waiter(exc)
            return
        except asyncio.CancelledError:
            self.starting -= 1
            raise
        self.starting -= 1
        self._give(kernel)

    def _give(self, kernel):
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(kernel)
                return
        if self.closed:
            self._track_kill(kernel.shutdown())
        else:
            self.idle.append(kernel)

    def _fail_a_waiter(self, exc):
        print(f"slipway worker: a {self.kernel_name} kernel did not start: {exc}", file=sys.stderr)
        # Only when no other start is on its way to the waiters: one failure, one failed run.
        while self.waiters and self.starting < len(self.waiters):
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_exception(WorkerError("KernelStartFailed", f"kernel {self.kernel_name!r} did not start: {exc}"))
                return

    async def take(self):
        """A ready kernel for one run, and whether the run had to wait for one to start."""
        self.last_used = time.monotonic()
        while self.idle:
            kernel = self.idle.popleft()
            if await kernel.km.is_alive():
                self.refill()
                return kernel, False
            self._track_kill(kernel.shutdown())
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        self.refill()
        try:
            return await waiter, True
        except asyncio.CancelledError:
            if waiter in self.waiters:
                self.waiters.remove(waiter)
            elif waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                # Handed over just as the run was cancelled: the kernel is unused, keep it.
                self._give(waiter.result())
            raise

    async def trim(self, now):
        """Scale to zero: idle kernels beyond the target are killed, oldest first."""
        excess = len(self.idle) - self.target(now)
        doomed = [self.idle.popleft() for _ in range(max(0, excess))]
        await asyncio.gather(*(k.shutdown() for k in doomed))

    async def close(self):
        self.closed = True
        for waiter in self.waiters:
            if not waiter.done():
                waiter.set_exception(WorkerError("WorkerStopping", "the worker is stopping"))
        self.waiters.clear()
        idle, self.idle = list(self.idle), collections.deque()
        await asyncio.gather(*(k.shutdown() for k in idle))


class Kernels:
    """The pools of one worker, by notebook key."""

    def __init__(self, scratch, announce):
        self.scratch = scratch
        # announce(pgid, alive): tells the gateway which process groups this worker owns.
        self.announce = announce
        self.pools = {}
        self.spec_manager = KernelSpecManager()
        self._starts = set()
        self._kills = set()

    def _track(self, tasks, task):
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def _track_start(self, task):
        self._track(self._starts, task)

    def _track_kill(self, task):
        self._track(self._kills, task)

    def _new_pool(self, kernel_name):
        return KernelPool(kernel_name, self.spec_manager, self.scratch, self._track_start, self._track_kill, self.announce)

    def check(self, kernel_name):
        """Fails with NoSuchKernel when the notebook's kernel is not installed here."""
        try:
            self.spec_manager.get_kernel_spec(kernel_name)
        except NoSuchKernel:
            names = ", ".join(sorted(self.spec_manager.find_kernel_specs())) or "none"
            raise WorkerError(
                "NoSuchKernel",
                f"the notebook asks for kernel {kernel_name!r}, which is not installed in the worker's "
                f"Python environment (installed: {names})",
            ) from None

    def pool(self, key, kernel_name):
        """The pool of notebook `key` (made on first use); a new kernel name replaces it."""
        pool = self.pools.get(key)
        if pool is not None and pool.kernel_name != kernel_name:
            self._track_kill(asyncio.ensure_future(pool.close()))
            pool = None
        if pool is None:
            self.check(kernel_name)
            pool = self.pools[key] = self._new_pool(kernel_name)
        return pool

    def one_off(self, kernel_name):
        """A pool of nothing, for a run that names no notebook key: it starts its own kernel."""
        self.check(kernel_name)
        return self._new_pool(kernel_name)

    async def release(self, key):
        pool = self.pools.pop(key, None)
        if pool is not None:
            await pool.close()

    def finish(self, kernel):
        """Kills a used kernel without making the caller wait; `close` still waits for it."""
        self._track_kill(kernel.shutdown())

    async def trim(self):
        now = time.monotonic()
        for pool in list(self.pools.values()):
            await pool.trim(now)

    def stats(self):
        now = time.monotonic()
        return {
            key: {"kernelName": p.kernel_name, "idle": len(p.idle), "starting": p.starting, "waiting": len(p.waiters), "target": p.target(now)}
            for key, p in self.pools.items()
        }

    def idle_pids(self):
        return [k.pid for p in self.pools.values() for k in p.idle if k.pid]

    async def close(self):
        await asyncio.gather(*(p.close() for p in self.pools.values()), return_exceptions=True)
        # Starts under way are cancelled (each kills what it launched); kills are awaited, never
        # cancelled, or a kernel could outlive the worker.
        for task in list(self._starts):
            task.cancel()
        await asyncio.gather(*self._starts, return_exceptions=True)
        await asyncio.gather(*self._kills, return_exceptions=True)
        self.pools.clear()


def scratch_dir():
    """A private folder for kernel working dirs and connection files, removed at exit."""
    root = tempfile.mkdtemp(prefix=f"slipway-worker-{os.getpid()}-")
    runtime = os.path.join(root, "runtime")
    os.makedirs(runtime)
    # Connection files go here, not into the user's ~/.local/share/jupyter/runtime; the path
    # also appears on each kernel's command line, which lets tests find this worker's kernels.
    os.environ["JUPYTER_RUNTIME_DIR"] = runtime
    return root
