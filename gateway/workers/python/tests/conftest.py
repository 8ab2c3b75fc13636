"""Fixtures: the gateway's notebooks (gateway/test/fixtures/notebooks, made by make_notebooks.py there)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

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
