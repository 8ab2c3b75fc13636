"""The worker's methods and the loop that serves them.

One process serves many runs at once with asyncio. That is enough because the work of a
run happens in its kernel, a separate process: this one only relays messages and writes
files, so a single event loop keeps every core busy through the kernels, without the memory
of one Python process (with papermill loaded) per concurrent run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Protocol

import nbformat
from nbclient.exceptions import DeadKernelError

from . import notebooks
from .kernels import Announce, KernelPool, Kernels, scratch_dir
from .protocol import Channel, JsonObject, RequestId, WorkerError, claim_stdout, read_requests

log = logging.getLogger(__name__)

# How long a run past its time limit has to stop once interrupted before its kernel is killed;
# the gateway waits 5 s past the limit before it cancels the call.
INTERRUPT_GRACE_SECONDS = 3.0

# How often a run that has not ended since it was cancelled is cancelled again (see `_end`).
CANCEL_AGAIN_SECONDS = 1.0

Method = Callable[[JsonObject], Awaitable[Any]]
"""A method of the protocol: its args in, its result (any JSON value) out."""


class Service(Protocol):
    """What `serve` needs of a worker role: its methods by name, the calls under way (so
    that `cancel` finds them), a housekeeping loop, and a cleanup."""

    METHODS: ClassVar[tuple[str, ...]]
    calls: dict[RequestId, asyncio.Future[None]]

    async def reap_idle(self) -> None: ...

    async def close(self) -> None: ...


class Worker:
    """The notebook role: runs notebooks on warm kernels."""

    METHODS: ClassVar[tuple[str, ...]] = (
        "ping",
        "inspect_notebook",
        "prepare_kernels",
        "release_kernels",
        "run_notebook",
        "cancel",
        "stats",
    )

    def __init__(self, max_runs: int, scratch: str, announce: Announce, fork_kernels: bool = True) -> None:
        self.kernels = Kernels(scratch, announce, fork=fork_kernels)
        self.scratch = scratch
        self.runs = asyncio.Semaphore(max_runs)
        self.max_runs = max_runs
        self.active_runs = 0
        self.calls: dict[RequestId, asyncio.Future[None]] = {}

    async def ping(self, args: JsonObject) -> JsonObject:
        return {"pid": os.getpid(), "scratch": self.scratch, "python": sys.version.split()[0]}

    async def inspect_notebook(self, args: JsonObject) -> JsonObject:
        info = notebooks.inspect(args["path"])
        # The gateway installs requirements for Python kernels only: it needs the language.
        info["kernelLanguage"] = self.kernels.check(info["kernelName"]).language
        return info

    async def prepare_kernels(self, args: JsonObject) -> JsonObject:
        """Gives notebook `key` its pool: `warm` kernels wait for its calls while it is in use."""
        nb = notebooks.read_notebook(args["path"])
        pool = self.kernels.pool(args["key"], notebooks.kernel_name_of(nb), _python(args))
        pool.nice = _nice(args)
        pool.configure(args.get("warm", 1), args.get("idleSeconds", 600), _memory_mb(args), _env(args))
        return {"kernelName": pool.kernel_name}

    async def release_kernels(self, args: JsonObject) -> JsonObject:
        """Forgets a notebook (unpublished, or replaced by a new version): its kernels go."""
        await self.kernels.release(args["key"])
        return {}

    async def run_notebook(self, args: JsonObject) -> JsonObject:
        """Runs a notebook once with `parameters` on a kernel limited to `memoryMb` MiB, as
        papermill runs it (see notebooks.py); at `timeoutSeconds` its kernel is interrupted, then
        killed. The executed notebook goes to `outputPath`, its papermill metadata naming
        `inputLabel` and `outputLabel` as the input and output paths."""
        timeout = args.get("timeoutSeconds")
        output_path = args.get("outputPath")
        nb = notebooks.parameterize(
            args["path"],
            notebooks.cli_parameters(args.get("cliParameters") or {}, args.get("parameters") or {}),
            {"input": args.get("inputLabel"), "output": args.get("outputLabel", output_path)},
        )
        key = args.get("key")
        if key is None:
            pool = self.kernels.one_off(notebooks.kernel_name_of(nb), _python(args))
            pool.memory_mb, pool.env, pool.nice = _memory_mb(args), _env(args), _nice(args)
        else:
            pool = self.kernels.pool(key, notebooks.kernel_name_of(nb), _python(args))
            # The gateway sends its settings with every run: a restarted worker learns them here.
            pool.nice = _nice(args)
            if "warm" in args:
                pool.configure(args["warm"], args.get("idleSeconds", 600), _memory_mb(args), _env(args))
        started = time.monotonic()
        state = _RunState()
        task = asyncio.ensure_future(self._run(pool, nb, state, ephemeral=key is None))
        try:
            done, _ = await asyncio.wait({task}, timeout=timeout)
        except asyncio.CancelledError:
            # Cancelled by the gateway (its deadline passed, or its caller left): the kernel
            # dies before we answer.
            await _end(task, state)
            if state.execution is not None:
                await asyncio.shield(state.execution.kernel.shutdown())
                state.execution.record_kill("the run was cancelled by the gateway; its kernel was killed")
            notebooks.save(nb, output_path)
            raise
        if not done:
            raise await self._time_out(task, state, nb, timeout or 0, output_path)
        execution = state.execution
        try:
            task.result()
        except DeadKernelError as exc:
            assert execution is not None  # a kernel can only die once the run has one
            notebooks.save(nb, output_path)
            raise execution.dead_kernel(exc) from None
        except BaseException:
            notebooks.save(nb, output_path)
            raise
        assert execution is not None  # set before the run can end
        failure = execution.failure()
        outputs = execution.outputs() if failure is None else []
        notebooks.save(nb, output_path)
        if failure is not None:
            raise failure
        return {
            "outputs": outputs,
            "durationMs": (time.monotonic() - started) * 1000,
            "cold": state.cold,
            "kernelPid": execution.kernel.pid,
        }

    async def _time_out(
        self,
        task: asyncio.Future[None],
        state: _RunState,
        nb: nbformat.NotebookNode,
        timeout: float,
        output_path: str | None,
    ) -> WorkerError:
        """Stops a run past its time limit: the running cell is interrupted so that it records
        where it stopped, as under papermill's execution timeout, and killed if it has not
        stopped within INTERRUPT_GRACE_SECONDS; the Timeout to answer, naming the cell."""
        execution = state.execution
        if execution is not None:
            await execution.interrupt()
            await asyncio.wait({task}, timeout=INTERRUPT_GRACE_SECONDS)
        if not task.done():
            await _end(task, state)
            if execution is not None:
                execution.record_kill(f"the run passed its timeout of {timeout:g} s and did not stop when interrupted")
        else:
            # The interruption (or the cell's end, just then) is in the notebook; a failure is not.
            with contextlib.suppress(BaseException):
                task.result()
        if execution is not None:
            # The run ended on the interruption as a finished one does, its kernel killed in the
            # background: a timeout is answered only once the kernel and what it started are gone.
            await asyncio.shield(execution.kernel.shutdown())
        cell: JsonObject = {}
        if execution is None:
            where = "while waiting for a kernel"
        else:
            cell = notebooks.describe_cell(nb, execution.cell_index)
            label = cell.get("label")
            where = f"{'' if label is None else f'in {label}'}; its kernel was stopped".lstrip()
        notebooks.save(nb, output_path)
        return WorkerError("Timeout", f"the run passed its timeout of {timeout:g} s {where}", **cell)

    async def _run(self, pool: KernelPool, nb: nbformat.NotebookNode, state: _RunState, ephemeral: bool) -> None:
        async with self.runs:
            self.active_runs += 1
            try:
                kernel, state.cold = await pool.take()
                try:
                    execution = state.execution = notebooks.Execution(nb, kernel)
                    await execution.run()
                except BaseException:
                    # Failed, timed out or cancelled: the answer waits until the kernel is gone.
                    self.kernels.finish(kernel)
                    await asyncio.shield(kernel.shutdown())
                    raise
                # Succeeded: the kernel still goes (one kernel, one run), without delaying the answer.
                self.kernels.finish(kernel)
            finally:
                self.active_runs -= 1
                if ephemeral:
                    # A kernel still starting for a cancelled one-off run must not outlive it.
                    await asyncio.shield(pool.close())

    async def cancel(self, args: JsonObject) -> JsonObject:
        """Cancels call `id` (its deadline passed at the gateway); its kernel is killed."""
        task = self.calls.get(args.get("id"))
        if task is None or task.done():
            return {"cancelled": False}
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return {"cancelled": True}

    async def stats(self, args: JsonObject) -> JsonObject:
        return {
            "activeRuns": self.active_runs,
            "maxRuns": self.max_runs,
            "pools": self.kernels.stats(),
            "idleKernelPids": self.kernels.idle_pids(),
            # The processes its kernels are forked from (kernel_forks.py): children of this one.
            "zygotePids": self.kernels.zygotes.pids() if self.kernels.zygotes else [],
        }

    async def reap_idle(self) -> None:
        while True:
            await asyncio.sleep(1)
            try:
                await self.kernels.trim()
            except Exception as exc:  # noqa: BLE001 - the reaper must keep running
                log.warning("trimming idle kernels failed: %s", exc)

    async def close(self) -> None:
        await self.kernels.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


def _memory_mb(args: JsonObject) -> int | None:
    """The kernels' memory limit a call asks for, in MiB; None when it names none."""
    value = args.get("memoryMb")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise WorkerError("InvalidArguments", f"memoryMb must be a positive number of MiB, not {value!r}")
    return int(value)


def _env(args: JsonObject) -> dict[str, str]:
    """What a call's kernels have over the worker's environment (their placement on a pool)."""
    value = args.get("env") or {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise WorkerError("InvalidArguments", f"env must be an object of strings, not {value!r}")
    return value


def _nice(args: JsonObject) -> int:
    """The nice value of a call's kernels (their pool's CPU weight)."""
    value = args.get("nice", 0)
    if isinstance(value, bool) or not isinstance(value, int) or not -20 <= value <= 19:
        raise WorkerError("InvalidArguments", f"nice must be an integer from -20 to 19, not {value!r}")
    return value


def _python(args: JsonObject) -> str | None:
    """The interpreter of the notebook's kernels a call names (a venv with the notebook's
    requirements); None when it names none."""
    value = args.get("python")
    if value is None:
        return None
    if not isinstance(value, str) or not os.path.isabs(value):
        raise WorkerError("InvalidArguments", f"python must be the absolute path of an interpreter, not {value!r}")
    return value


async def _end(task: asyncio.Future[None], state: _RunState) -> None:
    """Cancels a run and waits until it has ended, whatever it raised. nbclient can lose a
    cancellation: one that comes as a cell's reply arrives is swallowed by `asyncio.wait_for`
    (Python before 3.12 returns the result it was waiting for instead), and the run would go on
    to the next cell. So the run is told first to start no further cell, and is cancelled again
    while it is still running cells (not while it kills its kernel: that must finish)."""
    if state.execution is not None:
        state.execution.stopping = True
    task.cancel()
    while True:
        done, _ = await asyncio.wait({task}, timeout=CANCEL_AGAIN_SECONDS)
        if done:
            break
        execution = state.execution
        if execution is not None and execution.running:
            execution.stopping = True
            task.cancel()
    await asyncio.gather(task, return_exceptions=True)


class _RunState:
    """What a run's task tells its caller: the execution once a kernel is there, and whether
    the run had to wait for that kernel to start."""

    def __init__(self) -> None:
        self.execution: notebooks.Execution | None = None
        self.cold = False


async def serve(max_runs: int, role: str = "notebooks", fork_kernels: bool = True) -> None:
    """Serves requests until stdin closes or SIGTERM/SIGINT; then leaves no kernel behind.
    `role` "models" serves one pickled model instead of notebooks (see models.py), and "onnx"
    onnxruntime sessions (see onnx_sessions.py). Notebook kernels are forked from a zygote
    (kernel_forks.py) unless `fork_kernels` is False."""
    channel = Channel(claim_stdout())
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    worker: Service
    if role == "models":
        from .models import ModelWorker

        worker = ModelWorker()
    elif role == "onnx":
        from .onnx_sessions import OnnxWorker

        worker = OnnxWorker()
    else:

        def announce(pgid: int, alive: bool) -> None:
            channel.notify("process_group", pgid=pgid, alive=alive)

        worker = Worker(max_runs, scratch_dir(), announce, fork_kernels)
    methods: dict[str, Method] = {name: getattr(worker, name) for name in worker.METHODS}
    reaper = asyncio.ensure_future(worker.reap_idle())

    async def handle(request: JsonObject) -> None:
        request_id = request.get("id")
        try:
            name = request.get("method")
            method = methods.get(name) if isinstance(name, str) else None
            if method is None:
                raise WorkerError("UnknownMethod", f"unknown method {request.get('method')!r}")
            args = request.get("args") or {}
            result = await method(args)
        except asyncio.CancelledError:
            await channel.fail(request_id, WorkerError("Cancelled", "the call was cancelled"))
        except Exception as exc:  # noqa: BLE001 - every failure goes back to its caller
            await channel.fail(request_id, exc)
        else:
            await channel.reply(request_id, result)
        finally:
            worker.calls.pop(request_id, None)

    async def read() -> None:
        async for request in read_requests():
            task = asyncio.ensure_future(handle(request))
            worker.calls[request.get("id")] = task

    reading = asyncio.ensure_future(read())
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
    # stdin closed (the gateway stops us or is gone) or a signal: cancel the runs, which kill
    # their kernels, then the idle kernels.
    tasks: list[asyncio.Future[Any]] = [reading, stopping, reaper, *worker.calls.values()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await worker.close()
    await channel.drain()
