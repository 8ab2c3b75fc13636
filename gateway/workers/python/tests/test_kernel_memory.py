"""Kernels' memory limits, on real ipykernel processes: each kernel of a pool runs under its
notebook's address-space limit (RLIMIT_AS, set between fork and exec), a cell allocating past it
gets a MemoryError (reported as such) while the kernel and the worker live on, and a new limit
replaces the idle kernels started under the old one.

Every wait is on an event; the bound only turns a hang into a failure.
"""

from __future__ import annotations

import asyncio
import resource
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import execute
from nbformat.v4 import new_code_cell, new_notebook

from slipway_worker import server
from slipway_worker.kernels import Kernel, Kernels, memory_limiter
from slipway_worker.protocol import WorkerError

BOUND_SECONDS = 600
MiB = 1024 * 1024


@pytest.fixture
def probe(tmp_path: Path) -> str:
    """A notebook whose `megabytes` parameter is allocated, and whose output is the kernel's
    address-space limit in MiB."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nb.cells = [
        new_code_cell("megabytes = 0", metadata={"tags": ["parameters"]}),
        new_code_cell(
            "import resource\n"
            "block = bytearray(megabytes * 1024 * 1024)\n"
            "resource.getrlimit(resource.RLIMIT_AS)[0] // (1024 * 1024)",
            metadata={"tags": ["output"]},
        ),
    ]
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, str(path))
    return str(path)


async def run_probe(kernel: Kernel, path: str, megabytes: int) -> list[object]:
    return (await execute(path, {"megabytes": megabytes}, kernel)).outputs()


def run(kernels: Kernels, scenario: Coroutine[Any, Any, None]) -> None:
    """Runs a scenario, then closes its kernels whatever happened."""

    async def main() -> None:
        try:
            await asyncio.wait_for(scenario, BOUND_SECONDS)
        finally:
            await kernels.close()

    asyncio.run(main())


def test_no_limit_asked_means_no_limiter() -> None:
    assert memory_limiter(None) is None
    assert memory_limiter(0) is None


def test_the_limiter_never_asks_for_more_than_the_hard_limit() -> None:
    limiter = memory_limiter(1_048_576)
    assert limiter is not None
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft, kept_hard = limiter.args[1]  # type: ignore[attr-defined]
    assert kept_hard == hard
    assert soft == (1_048_576 * MiB if hard == resource.RLIM_INFINITY else min(1_048_576 * MiB, hard))


# Forked from a zygote (the limit set in the child after the fork) and started as a new
# interpreter (set between fork and exec).
@pytest.mark.parametrize("fork", [True, False], ids=["forked", "started"])
def test_each_kernel_runs_under_its_notebooks_limit_and_survives_a_memory_error(
    scratch: str, probe: str, fork: bool
) -> None:
    kernels = Kernels(scratch, lambda pgid, alive: None, fork=fork)

    async def scenario() -> None:
        pool = kernels.pool("nb", "python3")
        pool.configure(warm=1, idle_seconds=600, memory_mb=768)
        await kernels.settled()
        (kernel,) = pool.idle
        assert kernel.memory_mb == 768

        taken, cold = await pool.take()
        assert taken is kernel
        assert cold is False
        assert await run_probe(kernel, probe, 16) == [768]

        # Past the limit: a MemoryError in the cell, reported as the notebook's failure; the
        # kernel itself is still there (Python raised, nothing was killed).
        with pytest.raises(WorkerError) as failed:
            await run_probe(kernel, probe, 1024)
        assert failed.value.type == "NotebookFailed"
        assert failed.value.details["ename"] == "MemoryError"
        assert await kernel.km.is_alive()
        kernels.finish(kernel)
        await kernels.settled()
        # This process (the worker) was never limited by its kernels' limit.
        assert resource.getrlimit(resource.RLIMIT_AS)[0] != 768 * MiB

    run(kernels, scenario())


def test_a_new_limit_replaces_the_idle_kernels_started_under_the_old_one(scratch: str, probe: str) -> None:
    kernels = Kernels(scratch, lambda pgid, alive: None)

    async def scenario() -> None:
        pool = kernels.pool("nb", "python3")
        pool.configure(warm=1, idle_seconds=600, memory_mb=640)
        await kernels.settled()
        (old,) = pool.idle
        pool.configure(warm=1, idle_seconds=600, memory_mb=896)
        await kernels.settled()
        (new,) = pool.idle
        assert new is not old
        assert not await old.km.is_alive()
        taken, _ = await pool.take()
        assert await run_probe(taken, probe, 0) == [896]
        kernels.finish(taken)
        await kernels.settled()

    run(kernels, scenario())


@pytest.mark.parametrize("value", [0, -5, "1024", True])
def test_a_memory_limit_that_is_not_a_positive_number_is_refused(value: object) -> None:
    with pytest.raises(WorkerError) as refused:
        server._memory_mb({"memoryMb": value})
    assert refused.value.type == "InvalidArguments"


def test_a_call_without_a_memory_limit_leaves_kernels_unlimited_by_it() -> None:
    assert server._memory_mb({}) is None
    assert server._memory_mb({"memoryMb": 512}) == 512
