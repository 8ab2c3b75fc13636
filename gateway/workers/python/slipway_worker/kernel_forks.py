"""Kernels forked from a zygote (kernel_zygote.py) instead of started as new interpreters.

`KernelZygotes` keeps one zygote per interpreter, started on first use. `ForkProvisioner` is
jupyter_client's local provisioner with one change: the kernel's process comes from the zygote
(a fork) instead of `subprocess.Popen` (an exec). Everything else of a kernel's life stays
jupyter_client's: the connection file, the env it computes, the signals, the kill; the process
is a `ForkedKernelProcess`, which answers as much of Popen as the provisioner asks of it.

Only a kernel spec whose command line is the standard `python -m ipykernel_launcher -f
{connection_file}` is forked (`forkable`); any other kernel starts as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import time
from typing import Any, cast

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

from .protocol import JsonObject, WorkerError

log = logging.getLogger(__name__)

# The zygote's lines: a reply or an exit notice; kernels' environments can be long.
_LINE_LIMIT = 64 * 1024 * 1024
ZYGOTE_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernel_zygote.py")
LAUNCHER_ARGV = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]


def forkable(argv: list[str]) -> bool:
    """Whether a kernel spec's command line is ipykernel's standard one, which a zygote runs."""
    return argv[1:] == LAUNCHER_ARGV


class ForkedKernelProcess:
    """The Popen-like handle of a forked kernel: its pid, and its exit as the zygote (its
    parent, which reaps it) reports it."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, zygote: Zygote) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._zygote = zygote

    def exited(self, status: int) -> None:
        self.returncode = status

    def poll(self) -> int | None:
        if self.returncode is None and self._zygote.gone:
            # No one to report its exit: the process table says whether it still runs.
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = -signal.SIGKILL
            except PermissionError:
                pass
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        # The provisioner calls it only once poll() has answered.
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Zygote:
    """One zygote process: forks kernels on request, reports their exits."""

    def __init__(self, python: str) -> None:
        self.python = python
        self.gone = False
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._next_id = 0
        self._replies: dict[int, asyncio.Future[ForkedKernelProcess]] = {}
        self._kernels: dict[int, ForkedKernelProcess] = {}
        self._ready: asyncio.Future[JsonObject] | None = None
        # What the zygote had imported when it said it was ready: what each fork is spared.
        self.modules: list[str] = []
        self.last_fork = time.monotonic()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        self._proc = await asyncio.create_subprocess_exec(
            self.python,
            # By path, not -m: the interpreter may be a notebook's own, without this package.
            ZYGOTE_SCRIPT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=_LINE_LIMIT,
            # What jupyter_client's launcher gives every kernel, here before the imports: ipykernel
            # reads it when its module loads (IPKernelApp.parent_handle). The rest of a kernel's
            # environment is set in the child, after the fork.
            env={**os.environ, "JPY_PARENT_PID": str(os.getpid())},
        )
        self._reader = asyncio.ensure_future(self._read())
        self.modules = (await self._ready)["modules"]

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    async def _read(self) -> None:
        assert self._proc is not None
        assert self._proc.stdout is not None
        try:
            while line := await self._proc.stdout.readline():
                self._dispatch(json.loads(line))
        finally:
            self.gone = True
            error = WorkerError("KernelStartFailed", f"the kernel zygote ({self.python}) ended")
            if self._ready is not None and not self._ready.done():
                self._ready.set_exception(error)
            for waiter in self._replies.values():
                if not waiter.done():
                    waiter.set_exception(error)
            self._replies.clear()

    def _dispatch(self, message: JsonObject) -> None:
        if "exited" in message:
            kernel = self._kernels.pop(message["exited"], None)
            if kernel is not None:
                kernel.exited(message["status"])
        elif "ready" in message:
            assert self._ready is not None
            self._ready.set_result(message)
        else:
            self._forked(message)

    def _forked(self, reply: JsonObject) -> None:
        """A fork's answer. The kernel is known from here on, before its exit can be read: the
        reader may read that next, before the fork's caller runs again."""
        waiter = self._replies.pop(reply["id"], None)
        if "error" in reply:
            if waiter is not None and not waiter.done():
                waiter.set_exception(
                    WorkerError("KernelStartFailed", f"the kernel zygote could not fork a kernel: {reply['error']}")
                )
            return
        kernel = ForkedKernelProcess(int(reply["pid"]), self)
        self._kernels[kernel.pid] = kernel
        if waiter is None or waiter.done():
            # Its caller gave up (a cancelled start): nobody would ever stop it.
            kernel.kill()
        else:
            waiter.set_result(kernel)

    async def fork(self, argv: list[str], cwd: str, env: dict[str, str], memory_mb: int | None) -> ForkedKernelProcess:
        """A kernel running `argv` (ipykernel's command line) in `cwd` with exactly `env`, its
        address space capped at `memory_mb` MiB (None: the zygote's own limit)."""
        if self.gone or self._proc is None or self._proc.stdin is None:
            raise WorkerError("KernelStartFailed", f"the kernel zygote ({self.python}) is not running")
        self._next_id += 1
        ident = self._next_id
        self.last_fork = time.monotonic()
        waiter: asyncio.Future[ForkedKernelProcess] = asyncio.get_running_loop().create_future()
        self._replies[ident] = waiter
        request = {"id": ident, "argv": argv, "cwd": cwd, "env": env, "memoryMb": memory_mb}
        self._proc.stdin.write(json.dumps(request).encode() + b"\n")
        return await waiter

    def idle_since(self, now: float) -> float | None:
        """Seconds since its last fork while no kernel of its own lives and no fork is asked of
        it; None while one does."""
        return None if self._kernels or self._replies else now - self.last_fork

    async def close(self) -> None:
        if self._proc is None:
            return
        if self._proc.stdin is not None:
            with contextlib.suppress(Exception):
                self._proc.stdin.close()
        try:
            await asyncio.wait_for(self._proc.wait(), 10)
        except asyncio.TimeoutError:
            self._proc.kill()
            await self._proc.wait()
        if self._reader is not None:
            await self._reader


class KernelZygotes:
    """The zygotes of one worker, one per interpreter, each started when first needed. An
    interpreter whose zygote cannot start gets none: its kernels start as new interpreters."""

    def __init__(self) -> None:
        # By interpreter: a running zygote, or None where one could not start.
        self._started: dict[str, Zygote | None] = {}
        self._starting: dict[str, asyncio.Future[Zygote | None]] = {}

    async def zygote(self, python: str) -> Zygote | None:
        """The zygote of `python`, started (again, if the last one died) when needed."""
        if python in self._started:
            zygote = self._started[python]
            if zygote is None or not zygote.gone:
                return zygote
            del self._started[python]
            await zygote.close()
        starting = self._starting.get(python)
        if starting is None:
            starting = self._starting[python] = asyncio.ensure_future(self._start(python))
        # Shielded: a run that gives up waiting does not stop the start other runs wait for.
        return await asyncio.shield(starting)

    async def _start(self, python: str) -> Zygote | None:
        zygote = Zygote(python)
        try:
            await zygote.start()
        except (OSError, WorkerError) as exc:
            log.warning("kernels of %s start as new interpreters: its zygote did not start (%s)", python, exc)
            await zygote.close()
            self._started[python] = None
        else:
            self._started[python] = zygote
        finally:
            del self._starting[python]
        return self._started[python]

    async def close_idle(self, idle_seconds: float, now: float | None = None) -> None:
        """Stops the zygotes that forked nothing for `idle_seconds` and have no kernel alive: a
        worker whose notebooks went idle holds none (the next kernel starts a new one)."""
        now = time.monotonic() if now is None else now
        for python, zygote in list(self._started.items()):
            idle = None if zygote is None else zygote.idle_since(now)
            if zygote is not None and idle is not None and idle >= idle_seconds:
                del self._started[python]
                await zygote.close()

    def running(self) -> list[Zygote]:
        return [z for z in self._started.values() if z is not None and not z.gone]

    def pids(self) -> list[int]:
        """The processes of the running zygotes."""
        return [z.pid for z in self.running() if z.pid]

    async def close(self) -> None:
        await asyncio.gather(*self._starting.values(), return_exceptions=True)
        started, self._started = list(self._started.values()), {}
        await asyncio.gather(*(z.close() for z in started if z is not None))


def was_forked(provisioner: object) -> bool:
    """Whether a kernel manager's provisioner forked its kernel from a zygote."""
    return isinstance(provisioner, ForkProvisioner) and provisioner.forked


class ForkProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, its kernel forked by the zygote of its interpreter
    (from `zygotes`) with an address space of `memory_mb` MiB; started as a new interpreter, as
    LocalProvisioner starts it, when its spec is not ipykernel's or the zygote cannot start."""

    zygotes: KernelZygotes | None = None
    memory_mb: int | None = None
    forked = False

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        # cmd[0]: the interpreter, as KernelManager resolved it from the spec.
        zygote = None
        if self.zygotes is not None and forkable(self.kernel_spec.argv):
            zygote = await self.zygotes.zygote(cmd[0])
        if zygote is None:
            return await super().launch_kernel(cmd, **kwargs)
        # The environment jupyter_client's launcher gives a kernel it starts (launch_kernel).
        env = dict(kwargs.get("env") or os.environ)
        if not kwargs.get("independent"):
            env["JPY_PARENT_PID"] = str(os.getpid())
        cwd = str(kwargs.get("cwd") or os.getcwd())
        process = await zygote.fork([os.path.expanduser(arg) for arg in cmd], cwd, env, self.memory_mb)
        # LocalProvisioner asks of its process only what ForkedKernelProcess answers.
        self.process = cast(Any, process)
        self.forked = True
        # The child calls setsid: the kernel leads its own process group, as with Popen(start_new_session).
        self.pid = self.pgid = process.pid
        self.cwd = cwd
        return self.connection_info
