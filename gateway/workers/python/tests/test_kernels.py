"""Warm kernels, on real ipykernel processes: prepared ahead of demand, handed out one per run,
killed after it, trimmed once idle, released with their notebook.

Every wait is on an event (the kernel starts and kills under way finishing, a take answered);
the bound around each test only turns a hang into a failure, and is generous for a loaded
two-core machine.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from conftest import execute, group_exists
from jupyter_client.kernelspec import KernelSpecManager

from slipway_worker.kernels import Kernel, KernelPool, Kernels
from slipway_worker.protocol import WorkerError

BOUND_SECONDS = 600


class Worker:
    """The kernels of one test, and the process groups they announced."""

    def __init__(self, scratch: str, spec_manager: KernelSpecManager | None = None) -> None:
        self.announced: list[tuple[int, bool]] = []
        self.kernels = Kernels(scratch, self.announce, spec_manager)

    def announce(self, pgid: int, alive: bool) -> None:
        self.announced.append((pgid, alive))

    async def warm_pool(self, warm: int, idle_seconds: float) -> KernelPool:
        """The `nb` notebook's python3 pool, once its `warm` kernels have started."""
        pool = self.kernels.pool("nb", "python3")
        pool.configure(warm=warm, idle_seconds=idle_seconds)
        await self.kernels.settled()
        return pool

    def groups_left(self) -> set[int]:
        """Announced process groups not announced gone since."""
        state: dict[int, bool] = {}
        for pgid, alive in self.announced:
            state[pgid] = alive
        return {pgid for pgid, alive in state.items() if alive}


def running(pid: int | None) -> bool:
    assert pid is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def run(worker: Worker, scenario: Callable[[], Awaitable[None]]) -> None:
    """Runs a scenario, then closes the worker's kernels whatever happened; no kernel outlives it."""

    async def main() -> None:
        try:
            await asyncio.wait_for(scenario(), BOUND_SECONDS)
        finally:
            await worker.kernels.close()

    asyncio.run(main())
    assert worker.groups_left() == set()
    assert not any(group_exists(pgid) for pgid, _ in worker.announced)


async def run_trivial(kernel: Kernel, path: str, x: int) -> list[object]:
    """Runs trivial.ipynb (at `path`; its output is x + 1) on `kernel`."""
    return (await execute(path, {"x": x}, kernel)).outputs()


def test_warm_kernels_are_prepared_handed_out_refilled_and_released(
    scratch: str, notebook_path: Callable[[str], str]
) -> None:
    trivial = notebook_path("trivial")
    worker = Worker(scratch)
    kernels = worker.kernels

    async def scenario() -> None:
        pool = kernels.pool("nb", "python3")
        pool.configure(warm=2, idle_seconds=600)
        assert pool.starting == 2
        await kernels.settled()
        warm = list(pool.idle)
        assert len(warm) == 2
        assert all(running(k.pid) for k in warm)
        assert sorted(worker.announced) == sorted((k.pgid, True) for k in warm if k.pgid)
        assert kernels.stats() == {"nb": {"kernelName": "python3", "idle": 2, "starting": 0, "waiting": 0, "target": 2}}
        assert sorted(kernels.idle_pids()) == sorted(k.pid for k in warm if k.pid)

        kernel, cold = await pool.take()
        assert cold is False
        assert kernel is warm[0]
        assert pool.starting == 1, "a take starts the kernel that replaces it"
        assert await run_trivial(kernel, trivial, 41) == [42]

        kernels.finish(kernel)
        await kernels.settled()
        assert not running(kernel.pid), "a kernel serves one run"
        assert (kernel.pgid, False) in worker.announced
        assert not os.path.exists(kernel.cwd)
        assert len(pool.idle) == 2
        assert kernel not in pool.idle

        idle = list(pool.idle)
        await kernels.release("nb")
        assert kernels.pools == {}
        assert not any(running(k.pid) for k in idle)

    run(worker, scenario)


def test_a_run_waits_for_a_kernel_to_start_when_none_is_warm(scratch: str, notebook_path: Callable[[str], str]) -> None:
    trivial = notebook_path("trivial")
    worker = Worker(scratch)
    kernels = worker.kernels

    async def scenario() -> None:
        pool = kernels.pool("nb", "python3")
        pool.configure(warm=0, idle_seconds=600)
        assert pool.starting == 0
        (first, first_cold), (second, second_cold) = await asyncio.gather(pool.take(), pool.take())
        assert first_cold is True
        assert second_cold is True
        assert first is not second
        # Each run its own kernel, neither sees what the other did.
        assert await run_trivial(first, trivial, 1) == [2]
        assert await run_trivial(second, trivial, 2) == [3]
        assert not pool.idle
        for kernel in (first, second):
            kernels.finish(kernel)
        await kernels.settled()
        assert not pool.idle
        assert pool.starting == 0

    run(worker, scenario)


def test_an_unused_pool_shrinks_to_zero_and_warms_up_again_when_used(scratch: str) -> None:
    worker = Worker(scratch)
    kernels = worker.kernels

    async def scenario() -> None:
        pool = await worker.warm_pool(warm=1, idle_seconds=60)
        (kernel,) = pool.idle

        await pool.trim(now=pool.last_used + 59)
        assert list(pool.idle) == [kernel], "used within its idle time: kept"
        await kernels.trim()
        assert list(pool.idle) == [kernel]

        await pool.trim(now=pool.last_used + 60)
        assert not pool.idle
        assert pool.target(now=pool.last_used + 60) == 0
        assert not running(kernel.pid)
        assert (kernel.pgid, False) in worker.announced

        # The next run waits for a start, and the pool is kept warm again.
        taken, cold = await pool.take()
        assert cold is True
        kernels.finish(taken)
        await kernels.settled()
        assert len(pool.idle) == 1

    run(worker, scenario)


def test_a_kernel_that_cannot_start_fails_the_run_waiting_for_it(
    scratch: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spec = tmp_path / "kernels" / "broken"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-c", "raise SystemExit(3)", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Broken", "language": "python"}))
    worker = Worker(scratch, KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")]))
    kernels = worker.kernels

    async def scenario() -> None:
        pool = kernels.pool("nb", "broken")
        with pytest.raises(WorkerError) as failed:
            await pool.take()
        assert failed.value.type == "KernelStartFailed"
        assert "kernel 'broken' did not start" in failed.value.message
        await kernels.settled()
        assert not pool.idle

    with caplog.at_level(logging.WARNING, logger="slipway_worker"):
        run(worker, scenario)
    assert any(r.name == "slipway_worker.kernels" and "did not start" in r.getMessage() for r in caplog.records)


def test_a_kernel_that_is_not_installed_is_named_with_those_that_are(scratch: str) -> None:
    worker = Worker(scratch)
    with pytest.raises(WorkerError) as missing:
        worker.kernels.pool("nb", "no-such-kernel")
    assert missing.value.type == "NoSuchKernel"
    assert "'no-such-kernel'" in missing.value.message
    assert "python3" in missing.value.message


def test_closing_stops_the_waiting_runs_and_leaves_no_kernel(scratch: str) -> None:
    worker = Worker(scratch)
    kernels = worker.kernels

    async def scenario() -> None:
        pool = await worker.warm_pool(warm=1, idle_seconds=600)
        (idle,) = pool.idle
        pool.configure(warm=0, idle_seconds=600)
        first, _ = await pool.take()
        assert first is idle
        waiting = asyncio.ensure_future(pool.take())
        while not pool.waiters:
            await asyncio.sleep(0)  # lets the take run up to its wait; no time passes
        assert pool.starting == 1
        kernels.finish(first)
        await kernels.close()
        with pytest.raises(WorkerError) as stopped:
            await waiting
        assert stopped.value.type == "WorkerStopping"
        assert not running(first.pid)

    run(worker, scenario)
