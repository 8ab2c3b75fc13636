"""A run the gateway cancels ends, its kernel killed, even when nbclient loses the cancellation.

A cancellation that comes just as a cell's reply arrives is swallowed by `asyncio.wait_for`
inside nbclient (Python before 3.12 hands back the result it was waiting for instead), and the
run would go on to its next cell: in the gateway's test suite, a 60 s cell that outlived its
abandoned call. Here the loss is made certain: nbclient's cell execution is wrapped so that
the first cell, once its reply is in, waits and swallows the cancellation as wait_for does.
The notebook's next cells would sleep an hour.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import group_exists
from nbclient import NotebookClient

from slipway_worker.server import Worker

# Turns a hang into a failure; generous for a loaded two-core machine.
BOUND_SECONDS = 300


def test_a_cancellation_lost_in_nbclient_still_ends_the_run_and_kills_its_kernel(
    scratch: str,
    notebook_path: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    real = NotebookClient.async_execute_cell
    announced: list[tuple[int, bool]] = []
    output = tmp_path / "run.ipynb"

    async def scenario() -> None:
        first_cell_done = asyncio.Event()

        async def losing_a_cancellation(self: NotebookClient, cell: Any, cell_index: int, **kwargs: Any) -> Any:
            result = await real(self, cell, cell_index, **kwargs)
            if cell_index == 0:
                first_cell_done.set()
                # The cancellation comes now, and is lost.
                with_reply: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                with contextlib.suppress(asyncio.CancelledError):
                    await with_reply
            return result

        monkeypatch.setattr(NotebookClient, "async_execute_cell", losing_a_cancellation)
        worker = Worker(1, scratch, lambda pgid, alive: announced.append((pgid, alive)))
        try:
            run = asyncio.ensure_future(
                worker.run_notebook(
                    {
                        "path": notebook_path("slow"),
                        "parameters": {"seconds": 3600},
                        "key": "slow",
                        "warm": 0,
                        "timeoutSeconds": 7200,
                        "outputPath": str(output),
                    }
                )
            )
            await first_cell_done.wait()
            run.cancel()
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(run, BOUND_SECONDS)
            assert worker.active_runs == 0
            # The kernel was killed before the cancelled call was answered.
            started = {pgid for pgid, alive in announced if alive}
            assert started
            assert all((pgid, False) in announced for pgid in started)
            assert not any(group_exists(pgid) for pgid in started)
        finally:
            await worker.close()

    asyncio.run(scenario())

    # No cell started after the cancellation; none that ended says its kernel was killed.
    nb = nbformat.read(output, as_version=4)
    sleeping = nb.cells[-1]
    assert sleeping.outputs == []
    assert sleeping.execution_count is None
    assert not any(o.get("ename") == "KernelKilled" for cell in nb.cells for o in cell.get("outputs", []))
