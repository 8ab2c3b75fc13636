"""What a run answers, on real kernels: results as JSON values, and a failed cell named as its
user sees it in JupyterLab."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import nbformat
from nbclient.exceptions import DeadKernelError

from slipway_worker import notebooks
from slipway_worker.kernel_values import VALUE_MIME
from slipway_worker.kernels import Kernels
from slipway_worker.protocol import WorkerError

BOUND_SECONDS = 300


def execute(scratch: str, path: str, parameters: dict[str, Any]) -> tuple[notebooks.Execution, WorkerError | None]:
    """Runs the notebook at `path` on a kernel of its own; the execution, and the failure if any."""

    async def main() -> tuple[notebooks.Execution, WorkerError | None]:
        kernels = Kernels(scratch, lambda pgid, alive: None)
        try:
            nb = notebooks.parameterize(path, parameters)
            pool = kernels.one_off(notebooks.kernel_name_of(nb))
            kernel, _ = await pool.take()
            execution = notebooks.Execution(nb, kernel)
            failure = None
            try:
                await asyncio.wait_for(execution.run(), BOUND_SECONDS)
            except DeadKernelError as exc:
                failure = execution.dead_kernel(exc)
            else:
                failure = execution.failure()
            kernels.finish(kernel)
            await pool.close()
            return execution, failure
        finally:
            await kernels.close()

    return asyncio.run(main())


def test_results_are_answered_as_json_values(scratch: str, notebook_path: Callable[[str], str]) -> None:
    execution, failure = execute(scratch, notebook_path("values"), {"label": "it's"})
    assert failure is None
    outputs = execution.outputs()
    assert outputs == [
        {"label": "it's", "n": 3, "ratio": None, "nested": [1, [2.5, None]]},
        "it's",
        [1.5, [0, 1, 2]],
        [{"x": 1, "y": 0.5}, {"x": 2, "y": None}],
        [{"x": 1, "y": 0.5}, {"x": 2, "y": None}],
        "{1, 2}",
    ]
    json.dumps(outputs, allow_nan=False)
    nb = execution.nb
    nbformat.validate(nb)
    # Only the answered cells carry the JSON form; the others look as they do in JupyterLab.
    untagged = nb.cells[2].outputs[0].data
    assert set(untagged) == {"text/plain"}
    first = nb.cells[3].outputs[0].data
    assert first[VALUE_MIME]["label"] == "it's"
    assert first["text/plain"].startswith("{'label': \"it's\"")
    # Written and read back, the notebook keeps the values as JSON.
    again = nbformat.reads(nbformat.writes(nb), as_version=4)
    assert again.cells[4].outputs[0].data[VALUE_MIME] == "it's"


def test_other_display_outputs_are_unchanged(scratch: str, notebook_path: Callable[[str], str]) -> None:
    execution, failure = execute(scratch, notebook_path("outputs"), {"n": 3})
    assert failure is None
    assert execution.outputs()[:2] == [{"n": 3, "square": 9}, "text 3"]
    assert str(execution.outputs()[2]).startswith("data:image/png;base64,")


def test_a_failed_cell_is_named_by_its_run_all_number_position_and_first_line(
    scratch: str, notebook_path: Callable[[str], str]
) -> None:
    execution, failure = execute(scratch, notebook_path("failing"), {"divisor": 0})
    assert failure is not None
    assert failure.message == "cell [3] (3rd cell, “value = 10 / divisor”) raised ZeroDivisionError: division by zero"
    assert failure.details == {
        "cell": 3,
        "executionCount": 3,
        "firstLine": "value = 10 / divisor",
        "label": "cell [3] (3rd cell, “value = 10 / divisor”)",
        "ename": "ZeroDivisionError",
        "evalue": "division by zero",
    }
    # The executed notebook numbers the cells as papermill does (the injected parameters take
    # [2], the failed cell [4]); the message gives the number Run All shows in JupyterLab.
    cells = execution.nb.cells
    counts = [(c.metadata.get("tags"), c.get("execution_count")) for c in cells if c.cell_type == "code"]
    assert counts == [(["parameters"], 1), (["injected-parameters"], 2), ([], 3), ([], 4), (["output"], None)]
    # papermill's markers: a link at the top to an anchor just before the failed cell.
    assert [c.cell_type for c in cells] == ["markdown", "code", "code", "code", "markdown", "code", "code"]
    assert cells[0].metadata.tags == cells[4].metadata.tags == ["papermill-error-cell-tag"]
    assert "In [4]" in cells[0].source
    assert 'id="papermill-error-cell"' in cells[4].source
    failed = cells[5]
    assert failed.metadata.papermill.status == "failed"
    assert failed.outputs[-1].output_type == "error"


def test_a_cell_that_never_started_is_named_by_position_and_first_line(notebook_path: Callable[[str], str]) -> None:
    nb = notebooks.parameterize(notebook_path("typed"), {"count": 1})
    # The markdown cell counts as a position; the injected cell does not.
    assert notebooks.describe_cell(nb, 3) == {
        "cell": 3,
        "executionCount": None,
        "firstLine": "from IPython.display import JSON, display",
        "label": "the 3rd cell (“from IPython.display import JSON, display”)",
    }
    assert notebooks.describe_cell(nb, None) == {}
