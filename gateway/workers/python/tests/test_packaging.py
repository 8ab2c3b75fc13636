"""pyproject.toml and requirements.txt (from which the gateway builds the worker's venv) agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]


def normalized(requirement: str) -> str:
    """`jupyter_client >= 8.6, <9` → `jupyter-client>=8.6,<9`: PEP 503 names, no spaces."""
    match = re.match(r"\s*([A-Za-z0-9._-]+)(.*)", requirement)
    assert match is not None, requirement
    name, rest = match.groups()
    return re.sub(r"[-_.]+", "-", name).lower() + rest.replace(" ", "")


def test_the_package_depends_on_what_requirements_txt_installs() -> None:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    required = sorted(normalized(line) for line in (line.split("#")[0].strip() for line in lines) if line)
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert sorted(normalized(d) for d in declared) == required
    assert len(required) >= 5  # papermill, ipykernel, nbclient, nbformat, jupyter_client, ...
