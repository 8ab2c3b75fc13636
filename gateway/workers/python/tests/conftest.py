"""Fixtures: the gateway's notebooks (gateway/test/fixtures/notebooks, made by make_notebooks.py
there), and a scratch folder for kernels."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from nbclient.exceptions import DeadKernelError

from slipway_worker import notebooks
from slipway_worker.kernels import Kernel, scratch_dir

NOTEBOOKS = Path(__file__).resolve().parents[3] / "test" / "fixtures" / "notebooks"

NotebookPath = Callable[[str], str]


def _notebook_path(name: str) -> str:
    found = NOTEBOOKS / f"{name}.ipynb"
    assert found.is_file(), f"no fixture notebook {found}"
    return str(found)


@pytest.fixture
def notebook_path() -> NotebookPath:
    """notebook_path("typed"): the path of the fixture notebook typed.ipynb."""
    return _notebook_path


@pytest.fixture(params=sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda path: path.stem)
def each_notebook(request: pytest.FixtureRequest) -> str:
    """Each fixture notebook in turn."""
    return str(request.param)


@pytest.fixture
def scratch(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A worker's scratch folder (its kernels' connection files), removed afterwards."""
    # scratch_dir() points JUPYTER_RUNTIME_DIR at the worker's folder; put it back afterwards.
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", os.environ.get("JUPYTER_RUNTIME_DIR", ""))
    root = scratch_dir()
    yield root
    shutil.rmtree(root, ignore_errors=True)


async def execute(path: str, parameters: dict[str, object], kernel: Kernel) -> notebooks.Execution:
    """Runs the notebook at `path` with `parameters` on `kernel` as a run does; raises its
    failure (a cell that raised, a dead kernel) as the WorkerError the worker answers."""
    nb = notebooks.parameterize(path, parameters)
    execution = notebooks.Execution(nb, kernel)
    try:
        await execution.run()
    except DeadKernelError as exc:
        raise execution.dead_kernel(exc) from None
    failure = execution.failure()
    if failure is not None:
        raise failure
    return execution


def group_exists(pgid: int) -> bool:
    """Whether any process of group `pgid` is still there."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
