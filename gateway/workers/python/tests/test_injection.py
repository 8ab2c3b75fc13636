"""Parameters injected as papermill injects them, and notebooks read once and copied per run."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest

from slipway_worker import notebooks
from slipway_worker.protocol import WorkerError


def tags(cell: Any) -> list[str]:
    return list(cell.metadata.get("tags", []))


def run_source(source: str) -> dict[str, Any]:
    """The names a cell's source defines (the injected cell is plain Python assignments)."""
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # noqa: S102 - the cell papermill wrote for this test
    namespace.pop("__builtins__")
    return namespace


def test_the_injected_cell_follows_the_parameters_cell_and_holds_the_values(
    notebook_path: Callable[[str], str],
) -> None:
    parameters = {
        "count": 5,
        "rate": 0.25,
        "enabled": False,
        "label": 'it\'s "quoted"\nover two lines',
        "items": [1, "two", None, [3.5]],
        "options": {"mode": "slow", "nested": {"k": True}},
    }
    nb = notebooks.parameterize(notebook_path("typed"), parameters)
    kinds = [(c.cell_type, tags(c)) for c in nb.cells]
    assert kinds == [
        ("markdown", []),
        ("code", ["parameters"]),
        ("code", ["injected-parameters"]),
        ("code", ["output"]),
    ]
    injected = nb.cells[2]
    assert injected.source.startswith("# Parameters\n")
    assert run_source(injected.source) == parameters
    # papermill records what it injected in the notebook's metadata.
    assert nb.metadata.papermill.parameters == parameters


def test_values_python_writes_differently_from_json_survive(notebook_path: Callable[[str], str]) -> None:
    nb = notebooks.parameterize(notebook_path("trivial"), {"x": float("nan"), "y": float("-inf"), "z": None})
    values = run_source(next(c.source for c in nb.cells if "injected-parameters" in tags(c)))
    assert math.isnan(values["x"])
    assert values["y"] == float("-inf")
    assert values["z"] is None


def test_without_a_parameters_cell_the_injected_cell_comes_first(notebook_path: Callable[[str], str]) -> None:
    nb = notebooks.parameterize(notebook_path("no_parameters"), {"x": 1})
    assert tags(nb.cells[0]) == ["injected-parameters"]
    assert run_source(nb.cells[0].source) == {"x": 1}


def test_no_parameters_passed_injects_no_cell(notebook_path: Callable[[str], str]) -> None:
    # As papermill: every execution count is then what Run All gives in JupyterLab.
    path = notebook_path("trivial")
    nb = notebooks.parameterize(path, {})
    assert [c.source for c in nb.cells] == [c.source for c in notebooks.read_notebook(path).cells]
    assert nb.metadata.papermill["parameters"] == {}


def test_each_run_gets_its_own_copy_of_the_notebook(notebook_path: Callable[[str], str]) -> None:
    path = notebook_path("typed")
    first = notebooks.parameterize(path, {"count": 1})
    second = notebooks.parameterize(path, {"count": 2})
    assert sum("injected-parameters" in tags(c) for c in second.cells) == 1
    assert run_source(second.cells[2].source) == {"count": 2}
    assert run_source(first.cells[2].source) == {"count": 1}
    assert notebooks.read_notebook(path).cells[2].metadata.get("tags") == ["output"]


def test_a_notebook_is_read_as_papermill_loads_it(notebook_path: Callable[[str], str]) -> None:
    nb = notebooks.read_notebook(notebook_path("trivial"))
    assert set(nb.metadata.papermill) >= {"default_parameters", "parameters", "environment_variables", "version"}
    assert all("tags" in c.metadata and "papermill" in c.metadata for c in nb.cells)
    assert notebooks.kernel_name_of(nb) == "python3"
    assert notebooks.language_of(nb) == "python"


def test_a_missing_or_broken_file_is_an_invalid_notebook(tmp_path: Path, notebook_path: Callable[[str], str]) -> None:
    with pytest.raises(WorkerError, match="cannot read the notebook") as missing:
        notebooks.read_notebook(str(tmp_path / "nowhere.ipynb"))
    assert missing.value.type == "InvalidNotebook"
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    with pytest.raises(WorkerError, match=r"not a readable \.ipynb notebook") as invalid:
        notebooks.read_notebook(str(broken))
    assert invalid.value.type == "InvalidNotebook"


def test_a_replaced_file_is_read_again(tmp_path: Path, notebook_path: Callable[[str], str]) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_text(Path(notebook_path("trivial")).read_text())
    assert notebooks.inspect(str(path))["parameters"][0]["name"] == "x"
    path.write_text(Path(notebook_path("memory")).read_text())
    assert notebooks.inspect(str(path))["parameters"][0]["name"] == "megabytes"


def test_the_kernel_name_python_is_the_python_kernel_as_jupyter_resolves_it(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python", "display_name": "Python"}})
    assert notebooks.kernel_name_of(nb) == "python3"
    # A notebook that names none runs on python3 (papermill would ask for -k).
    assert notebooks.kernel_name_of(nbformat.v4.new_notebook()) == "python3"
    path = tmp_path / "alias.ipynb"
    nbformat.write(nb, str(path))
    assert notebooks.inspect(str(path))["kernelName"] == "python3"


def test_the_metadata_names_the_run_as_papermill_does_and_stale_markers_go(tmp_path: Path) -> None:
    marker = nbformat.v4.new_markdown_cell("An Exception was encountered at 'In [2]'")
    marker.metadata["tags"] = ["papermill-error-cell-tag"]
    nb = nbformat.v4.new_notebook(cells=[marker, nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})])
    path = tmp_path / "marked.ipynb"
    nbformat.write(nb, str(path))
    prepared = notebooks.parameterize(str(path), {"x": 2}, {"input": "/in", "output": "/out"})
    assert [c.cell_type for c in prepared.cells] == ["code", "code"]
    assert prepared.metadata.papermill["parameters"] == {"x": 2}
    assert (prepared.metadata.papermill["input_path"], prepared.metadata.papermill["output_path"]) == ("/in", "/out")


@pytest.mark.parametrize(
    ("text", "value"),
    [("True", True), ("true", "true"), ("None", None), ("1_000", 1000), (" 7 ", 7), ("2.5e3", 2500.0), ("0x1", "0x1")],
)
def test_text_parameters_are_converted_as_papermills_p_converts_them(text: str, value: object) -> None:
    assert notebooks.cli_parameters({"v": text, "w": "1"}, {"w": "json wins"}) == {"v": value, "w": "json wins"}
