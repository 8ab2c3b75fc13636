"""Warm kernels: started ahead of demand so that a run pays for its cells, not a kernel start.

Each published notebook (a `key`) has its own small pool of its kernel's kind, refilled in
the background after every take. A pool unused for its idle time shrinks to zero; the next
run then waits for a start and is reported cold. Every kernel serves one run and is then
killed, so no state crosses from one call to the next; each gets its own empty working
directory, removed with it, and its notebook's memory limit (RLIMIT_AS, set between fork and
exec), so that a cell allocating too much gets a MemoryError instead of starving the machine.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
import os
import queue
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

import zmq
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager

from .kernel_forks import ForkProvisioner, KernelZygotes, was_forked
from .kernel_values import install_code
from .protocol import JsonObject, WorkerError

log = logging.getLogger(__name__)

Announce = Callable[[int, bool], None]
"""announce(pgid, alive): tells the gateway of a process group this worker started or ended."""

Track = Callable[[asyncio.Future[Any]], None]
"""track(task): hands a kernel start or kill to the worker, which waits for it when closing."""

# A kernel that is not ready in this time is broken (a bad kernelspec, an import error).
START_TIMEOUT_SECONDS = 120
WARMUP_EXECUTIONS = 3
# How long a zygote that forked nothing stays, when no notebook says how long it keeps kernels.
ZYGOTE_IDLE_SECONDS = 600.0
# A forked kernel has IPython's modules imported already: only its first execution is slower.
FORKED_WARMUP_EXECUTIONS = 1


def memory_limiter(megabytes: int | None) -> Callable[[], None] | None:
    """What a kernel's process runs before exec to cap its address space at `megabytes` MiB
    (never above the worker's own hard limit); None for no limit, or where there is none."""
    if not megabytes or megabytes <= 0:
        return None
    try:
        import resource
    except ImportError:  # not POSIX
        log.warning("kernel memory limits are not supported on this platform; kernels run unlimited")
        return None
    limit = megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    # A partial of a C function: nothing in the forked child imports or allocates Python-side
    # state that another thread of this process could have held locked at fork time.
    return functools.partial(resource.setrlimit, resource.RLIMIT_AS, (limit, hard))


class InterpreterSpecs(KernelSpecManager):
    """The kernel specs of `specs`, with Python kernels started by `python` instead: a notebook
    published with requirements has them in a venv of its own (layered on the worker's, so
    ipykernel is there too), and its kernels run on that venv's interpreter."""

    def __init__(self, specs: KernelSpecManager, python: str) -> None:
        super().__init__()
        self.specs = specs
        self.python = python

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        spec = self.specs.get_kernel_spec(kernel_name)
        if spec.language.lower() != "python":
            raise WorkerError(
                "InvalidArguments",
                f"kernel {kernel_name!r} runs {spec.language}, not Python: only a Python kernel can be "
                "given an interpreter of its own",
            )
        # A copy: the specs' own stays as it is for the notebooks without requirements.
        return KernelSpec(resource_dir=spec.resource_dir, **{**spec.to_dict(), "argv": [self.python, *spec.argv[1:]]})


class Kernel:
    """One started kernel with its client and working directory."""

    def __init__(
        self,
        km: AsyncKernelManager,
        kc: AsyncKernelClient,
        cwd: str,
        language_info: JsonObject | None,
        announce: Announce,
        memory_mb: int | None = None,
        json_values: bool = False,
        env: dict[str, str] | None = None,
    ) -> None:
        self.km = km
        self.kc = kc
        self.cwd = cwd
        self.language_info = language_info
        self.memory_mb = memory_mb
        self.env = env or {}
        # Whether the kernel answers results as JSON values (see kernel_values): Python kernels.
        self.json_values = json_values
        self.pid: int | None = getattr(km.provisioner, "pid", None)
        self.pgid: int | None = getattr(km.provisioner, "pgid", None)
        self._announce = announce
        self._shutdown: asyncio.Future[None] | None = None

    def shutdown(self) -> asyncio.Future[None]:
        """Kills the kernel (its whole process group) and removes its directory; idempotent."""
        if self._shutdown is None:
            self._shutdown = asyncio.ensure_future(self._kill())
        return self._shutdown

    async def _kill(self) -> None:
        # A dead channel must not stop the kill.
        with contextlib.suppress(Exception):
            self.kc.stop_channels()
        try:
            # now=True: SIGKILL to the kernel's process group; nothing in it is worth keeping.
            await self.km.shutdown_kernel(now=True)
        except Exception as exc:  # noqa: BLE001
            # Left announced: the gateway kills the group when this worker ends.
            log.warning("kernel %s shutdown failed: %s", self.pid, exc)
        else:
            _announce_group(self._announce, self.pgid, alive=False)
        shutil.rmtree(self.cwd, ignore_errors=True)


def _announce_group(announce: Announce, pgid: int | None, alive: bool) -> None:
    if pgid:
        announce(pgid, alive)


async def start_kernel(
    kernel_name: str,
    spec_manager: KernelSpecManager,
    scratch: str,
    announce: Announce,
    memory_mb: int | None = None,
    env: dict[str, str] | None = None,
    nice: int = 0,
    zygotes: KernelZygotes | None = None,
) -> Kernel:
    """Starts a kernel in a new empty directory, its address space capped at `memory_mb` MiB
    (None: the worker's own limit, if any), with `env` over the worker's environment (its
    pool's placement: CUDA_VISIBLE_DEVICES) and `nice` as its nice value (its pool's CPU
    weight), and waits until it answers. With `zygotes`, an ipykernel is forked from the zygote
    of its interpreter (kernel_forks.py) instead of started as a new one."""
    cwd = tempfile.mkdtemp(prefix="kernel-", dir=scratch)
    km = AsyncKernelManager(kernel_name=kernel_name, kernel_spec_manager=spec_manager)
    if zygotes is not None:
        # Given before the start, the manager uses this provisioner instead of making its own.
        km.kernel_id = str(uuid.uuid4())
        provisioner = ForkProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
        provisioner.zygotes, provisioner.memory_mb = zygotes, memory_mb
        km.provisioner = provisioner
    # Unix sockets in the worker's private folder instead of TCP ports on localhost: no other
    # local user can connect, no port can be taken between choosing and binding it.
    km.transport = "ipc"
    runtime = os.environ["JUPYTER_RUNTIME_DIR"]
    km.ip = os.path.join(runtime, os.path.basename(cwd))
    # Named here, else it goes to a temp file: its path on the kernel's command line is how
    # this worker's kernels can be told apart in the process table.
    km.connection_file = os.path.join(runtime, f"{os.path.basename(cwd)}.json")
    kc: AsyncKernelClient | None = None
    try:
        # IPython's history in memory, as nbclient does: the default is a SQLite file shared by
        # all kernels, slow under concurrency, and a way for one call to read another's code.
        # Extra keywords reach subprocess.Popen: the limit is set in the child before exec.
        limit = memory_limiter(memory_mb)
        await km.start_kernel(
            cwd=cwd,
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
            **({"preexec_fn": limit} if limit else {}),
            **({"env": {**os.environ, **env}} if env else {}),
        )
        _announce_group(announce, getattr(km.provisioner, "pgid", None), alive=True)
        _lower_priority(getattr(km.provisioner, "pid", None), nice)
        kc = km.client()
        _connect_promptly(kc)
        # No heartbeat channel (a thread per kernel: whether the kernel lives is its manager's to
        # say, from its process) and no stdin channel (runs do not allow input).
        kc.start_channels(stdin=False, hb=False)
        # Its kernel_info reply is kept so that a run does not pay the round trip (papermill records it).
        reply = await _until_ready(km, kc, START_TIMEOUT_SECONDS)
        # A kernel's first executions are slow (lazy imports and caches inside IPython); pay
        # for them here, silently: no output, no history, no execution count, no variables.
        for _ in range(FORKED_WARMUP_EXECUTIONS if was_forked(km.provisioner) else WARMUP_EXECUTIONS):
            await kc.execute("None", silent=True, store_history=False, reply=True, timeout=START_TIMEOUT_SECONDS)
        language_info = reply["content"].get("language_info")
        json_values = await _install_json_values(kc, language_info)
    except BaseException:
        # Also when cancelled half-way (the worker stopping): the process may already exist.
        await asyncio.shield(_discard(km, kc, cwd, announce))
        raise
    return Kernel(km, kc, cwd, language_info, announce, memory_mb, json_values, env)


# How long one kernel_info request, then the first IOPub message, is awaited before asking again.
_READY_POLL_SECONDS = 1.0


async def _until_ready(km: AsyncKernelManager, kc: AsyncKernelClient, timeout: float) -> JsonObject:
    """The kernel's kernel_info reply, once it answers on shell and IOPub is connected (a first
    IOPub message has come: ipykernel's welcome, or the status of the request). jupyter_client's
    wait_for_ready does the same and then drains IOPub until it has been silent for 0.2 s, which
    is most of a forked kernel's start; the messages it drained are not a run's, whose client
    keeps only the messages of its own requests."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg_id = kc.kernel_info()
        try:
            reply: JsonObject = await kc.shell_channel.get_msg(timeout=_READY_POLL_SECONDS)
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = await kc.shell_channel.get_msg(timeout=_READY_POLL_SECONDS)
            await kc.iopub_channel.get_msg(timeout=_READY_POLL_SECONDS)
        except queue.Empty:
            if not await km.is_alive():
                raise RuntimeError("the kernel died before answering kernel_info") from None
            continue
        return reply
    raise RuntimeError(f"the kernel did not answer kernel_info in {timeout:.0f} s")


# zmq retries a connection to a socket that is not bound yet every 100 ms by default; a forked
# kernel binds its sockets ~30 ms after the fork, so the client would wait most of that interval.
_RECONNECT_MS = 5
_RECONNECT_MAX_MS = 100


def _connect_promptly(kc: AsyncKernelClient) -> None:
    """Makes the client's sockets retry a connection to the kernel every 5 ms, backing off to
    100 ms (sockets made from its context afterwards, which are its channels)."""
    kc.context.setsockopt(zmq.RECONNECT_IVL, _RECONNECT_MS)
    kc.context.setsockopt(zmq.RECONNECT_IVL_MAX, _RECONNECT_MAX_MS)


def _lower_priority(pid: int | None, nice: int) -> None:
    """Gives the kernel its pool's CPU weight; a value that cannot be set is left alone (raising
    priority needs privileges the worker may not have)."""
    if pid and nice:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, nice)


async def _install_json_values(kc: AsyncKernelClient, language_info: JsonObject | None) -> bool:
    """Gives a Python kernel the formatter that answers results as JSON values; False for other
    languages, or an IPython that refuses it (its results then stay text, as before)."""
    if (language_info or {}).get("name") != "python":
        return False
    reply = await kc.execute(
        install_code(), silent=True, store_history=False, reply=True, timeout=START_TIMEOUT_SECONDS
    )
    content = reply["content"]
    if content.get("status") != "ok":
        log.warning("results stay text: the kernel refused the JSON formatter (%s)", content.get("ename"))
        return False
    return True


async def _discard(km: AsyncKernelManager, kc: AsyncKernelClient | None, cwd: str, announce: Announce) -> None:
    try:
        if kc is not None:
            kc.stop_channels()
        pgid = getattr(km.provisioner, "pgid", None) if km.has_kernel else None
        if km.has_kernel:
            await km.shutdown_kernel(now=True)
        _announce_group(announce, pgid, alive=False)
    except Exception as exc:  # noqa: BLE001
        log.warning("could not stop a kernel that failed to start: %s", exc)
    shutil.rmtree(cwd, ignore_errors=True)


class KernelPool:
    """Idle kernels for one notebook, and the runs waiting for one."""

    def __init__(
        self,
        kernel_name: str,
        spec_manager: KernelSpecManager,
        scratch: str,
        track_start: Track,
        track_kill: Track,
        announce: Announce,
        python: str | None = None,
        zygotes: KernelZygotes | None = None,
    ) -> None:
        self.kernel_name = kernel_name
        self._zygotes = zygotes
        # The interpreter of this notebook's kernels; None: what its kernel spec says.
        self.python = python
        self._spec_manager = spec_manager
        self._scratch = scratch
        self._announce = announce
        # The worker keeps every start and kill it has under way, so that closing waits for them.
        self._track_start = track_start
        self._track_kill = track_kill
        self.idle: collections.deque[Kernel] = collections.deque()
        self.starting = 0
        self.waiters: collections.deque[asyncio.Future[Kernel]] = collections.deque()
        self.warm = 0
        self.idle_seconds = 600.0
        self.memory_mb: int | None = None
        # What its kernels' environment has over the worker's (their placement on a pool).
        self.env: dict[str, str] = {}
        self.nice = 0
        self.last_used = time.monotonic()
        self.closed = False

    def configure(
        self, warm: float, idle_seconds: float, memory_mb: int | None = None, env: dict[str, str] | None = None
    ) -> None:
        """Keeps `warm` kernels ready while the notebook was used within `idle_seconds`, each
        limited to `memory_mb` MiB of address space (None: the worker's own limit) and with
        `env` over the worker's environment."""
        self.warm = max(0, int(warm))
        self.idle_seconds = float(idle_seconds)
        self.last_used = time.monotonic()
        env = env or {}
        if memory_mb != self.memory_mb or env != self.env:
            self.memory_mb, self.env = memory_mb, env
            # Idle kernels started under another limit or environment are replaced.
            stale = [k for k in self.idle if k.memory_mb != memory_mb or k.env != env]
            for kernel in stale:
                self.idle.remove(kernel)
                self._track_kill(kernel.shutdown())
        self.refill()

    def target(self, now: float | None = None) -> int:
        """Idle kernels to keep: `warm` while in use, none once idle."""
        now = time.monotonic() if now is None else now
        return self.warm if now - self.last_used < self.idle_seconds else 0

    def refill(self) -> None:
        """Starts kernels in the background until idle + starting covers target + waiters."""
        if self.closed:
            return
        for _ in range(self.target() + len(self.waiters) - len(self.idle) - self.starting):
            self._start_one()

    def _start_one(self) -> None:
        self.starting += 1
        self._track_start(asyncio.ensure_future(self._start()))

    async def _start(self) -> None:
        try:
            kernel = await start_kernel(
                self.kernel_name,
                self._spec_manager,
                self._scratch,
                self._announce,
                self.memory_mb,
                self.env,
                self.nice,
                self._zygotes,
            )
        except Exception as exc:  # noqa: BLE001 - reported to a waiting run, else logged
            self.starting -= 1
            self._fail_a_waiter(exc)
            return
        except asyncio.CancelledError:
            self.starting -= 1
            raise
        self.starting -= 1
        self._give(kernel)

    def _give(self, kernel: Kernel) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(kernel)
                return
        if self.closed:
            self._track_kill(kernel.shutdown())
        else:
            self.idle.append(kernel)

    def _fail_a_waiter(self, exc: Exception) -> None:
        log.warning("a %s kernel did not start: %s", self.kernel_name, exc)
        # Only when no other start is on its way to the waiters: one failure, one failed run.
        while self.waiters and self.starting < len(self.waiters):
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_exception(
                    WorkerError("KernelStartFailed", f"kernel {self.kernel_name!r} did not start: {exc}")
                )
                return

    async def take(self) -> tuple[Kernel, bool]:
        """A ready kernel for one run, and whether the run had to wait for one to start."""
        self.last_used = time.monotonic()
        while self.idle:
            kernel = self.idle.popleft()
            if await kernel.km.is_alive():
                self.refill()
                return kernel, False
            self._track_kill(kernel.shutdown())
        waiter: asyncio.Future[Kernel] = asyncio.get_running_loop().create_future()
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

    async def trim(self, now: float) -> None:
        """Scale to zero: idle kernels beyond the target are killed, oldest first."""
        excess = len(self.idle) - self.target(now)
        doomed = [self.idle.popleft() for _ in range(max(0, excess))]
        await asyncio.gather(*(k.shutdown() for k in doomed))

    async def close(self) -> None:
        self.closed = True
        for waiter in self.waiters:
            if not waiter.done():
                waiter.set_exception(WorkerError("WorkerStopping", "the worker is stopping"))
        self.waiters.clear()
        idle, self.idle = list(self.idle), collections.deque()
        await asyncio.gather(*(k.shutdown() for k in idle))


class Kernels:
    """The pools of one worker, by notebook key."""

    def __init__(
        self,
        scratch: str,
        announce: Announce,
        spec_manager: KernelSpecManager | None = None,
        fork: bool = True,
    ) -> None:
        self.scratch = scratch
        self.announce = announce
        self.pools: dict[str, KernelPool] = {}
        self.spec_manager = spec_manager or KernelSpecManager()
        # Kernels forked from zygotes (kernel_forks.py) unless `fork` is False.
        self.zygotes = KernelZygotes() if fork else None
        self._starts: set[asyncio.Future[Any]] = set()
        self._kills: set[asyncio.Future[Any]] = set()

    def _track(self, tasks: set[asyncio.Future[Any]], task: asyncio.Future[Any]) -> None:
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def _track_start(self, task: asyncio.Future[Any]) -> None:
        self._track(self._starts, task)

    def _track_kill(self, task: asyncio.Future[Any]) -> None:
        self._track(self._kills, task)

    def _new_pool(self, kernel_name: str, python: str | None = None) -> KernelPool:
        specs = self.spec_manager if python is None else InterpreterSpecs(self.spec_manager, python)
        return KernelPool(
            kernel_name, specs, self.scratch, self._track_start, self._track_kill, self.announce, python, self.zygotes
        )

    def check(self, kernel_name: str, python: str | None = None) -> KernelSpec:
        """The notebook's kernel spec (started by `python`, when given); fails with NoSuchKernel
        when the kernel is not installed here, InvalidArguments when `python` is given for a
        kernel that is not Python's."""
        try:
            if python is not None:
                return InterpreterSpecs(self.spec_manager, python).get_kernel_spec(kernel_name)
            return self.spec_manager.get_kernel_spec(kernel_name)
        except NoSuchKernel:
            names = ", ".join(sorted(self.spec_manager.find_kernel_specs())) or "none"
            raise WorkerError(
                "NoSuchKernel",
                f"the notebook asks for kernel {kernel_name!r}, which is not installed in the worker's "
                f"Python environment (installed: {names})",
            ) from None

    def pool(self, key: str, kernel_name: str, python: str | None = None) -> KernelPool:
        """The pool of notebook `key` (made on first use), its kernels started by `python` when
        given; a new kernel name or interpreter replaces it."""
        pool = self.pools.get(key)
        if pool is not None and (pool.kernel_name != kernel_name or pool.python != python):
            self._track_kill(asyncio.ensure_future(pool.close()))
            pool = None
        if pool is None:
            self.check(kernel_name, python)
            pool = self.pools[key] = self._new_pool(kernel_name, python)
        return pool

    def one_off(self, kernel_name: str, python: str | None = None) -> KernelPool:
        """A pool of nothing, for a run that names no notebook key: it starts its own kernel."""
        self.check(kernel_name, python)
        return self._new_pool(kernel_name, python)

    async def release(self, key: str) -> None:
        pool = self.pools.pop(key, None)
        if pool is not None:
            await pool.close()

    def finish(self, kernel: Kernel) -> None:
        """Kills a used kernel without making the caller wait; `close` still waits for it."""
        self._track_kill(kernel.shutdown())

    async def trim(self) -> None:
        now = time.monotonic()
        for pool in list(self.pools.values()):
            await pool.trim(now)
        if self.zygotes is not None:
            # As long as the longest idle time of its notebooks: a zygote outlives their kernels.
            idle = max((p.idle_seconds for p in self.pools.values()), default=ZYGOTE_IDLE_SECONDS)
            await self.zygotes.close_idle(idle, now)

    def stats(self) -> dict[str, JsonObject]:
        now = time.monotonic()
        return {
            key: {
                "kernelName": p.kernel_name,
                "idle": len(p.idle),
                "starting": p.starting,
                "waiting": len(p.waiters),
                "target": p.target(now),
            }
            for key, p in self.pools.items()
        }

    def idle_pids(self) -> list[int]:
        return [k.pid for p in self.pools.values() for k in p.idle if k.pid]

    async def settled(self) -> None:
        """Waits until no kernel start or kill is under way (a started kernel is then idle or
        in a run's hands, a killed one gone): for callers that need a quiet pool, as tests do."""
        while self._starts or self._kills:
            await asyncio.gather(*self._starts, *self._kills, return_exceptions=True)

    async def close(self) -> None:
        await asyncio.gather(*(p.close() for p in self.pools.values()), return_exceptions=True)
        # Starts under way are cancelled (each kills what it launched); kills are awaited, never
        # cancelled, or a kernel could outlive the worker.
        for task in list(self._starts):
            task.cancel()
        await asyncio.gather(*self._starts, return_exceptions=True)
        await asyncio.gather(*self._kills, return_exceptions=True)
        self.pools.clear()
        if self.zygotes is not None:
            await self.zygotes.close()


def scratch_dir() -> str:
    """A private folder for kernel working dirs and connection files, removed at exit."""
    root = tempfile.mkdtemp(prefix=f"slipway-worker-{os.getpid()}-")
    runtime = os.path.join(root, "runtime")
    os.makedirs(runtime)
    # Connection files go here, not into the user's ~/.local/share/jupyter/runtime; the path
    # also appears on each kernel's command line, which lets tests find this worker's kernels.
    os.environ["JUPYTER_RUNTIME_DIR"] = runtime
    return root
