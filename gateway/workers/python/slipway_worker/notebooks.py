"""Reading, parameterising and executing notebooks the way papermill does."""

from __future__ import annotations

import ast
import contextlib
import copy
import json
import os
from typing import Any

import nbformat
import papermill
from jupyter_client.kernelspec import NATIVE_KERNEL_NAME
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from papermill.cli import _resolve_type as resolve_cli_value
from papermill.engines import NotebookExecutionManager
from papermill.execute import (
    ERROR_ANCHOR_MSG,
    ERROR_MARKER_TAG,
    ERROR_MESSAGE_TEMPLATE,
    prepare_notebook_metadata,
    remove_error_markers,
)
from papermill.parameterize import parameterize_notebook

from .kernel_values import VALUE_MIME, switch_code
from .kernels import Kernel
from .outputs import collect_outputs, output_cell_indexes
from .parameters import infer_parameters
from .protocol import JsonObject, WorkerError

# Artifacts are content-addressed, so a path's content only changes if the file is replaced;
# (mtime, size) in the key catches that anyway.
_cache: dict[tuple[str, int, int], nbformat.NotebookNode] = {}
_CACHE_SIZE = 64
# Kernels whose notebooks papermill parameterises as Python, by kernel name or by language
# (papermill's translators for "python" and "pysparkkernel"); only those are inspected.
_PYTHON_KERNELS = ("python", "pysparkkernel")


def read_notebook(path: str) -> nbformat.NotebookNode:
    """The notebook as papermill loads it (with the metadata its functions expect); a copy."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise WorkerError("InvalidNotebook", f"cannot read the notebook: {exc.strerror}") from None
    key = (path, stat.st_mtime_ns, stat.st_size)
    nb = _cache.get(key)
    if nb is None:
        try:
            nb = _load(path)
        except Exception as exc:  # noqa: BLE001 - any parse failure makes the file unusable
            raise WorkerError("InvalidNotebook", f"not a readable .ipynb notebook: {exc}") from None
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = nb
    return copy.deepcopy(nb)


def _load(path: str) -> nbformat.NotebookNode:
    """papermill.iorw.load_notebook_node for a local file, minus its I/O layer: that one warns
    about every artifact (they are stored without the .ipynb extension) and would treat an
    `s3://` or `http://` path as remote."""
    with open(path, encoding="utf-8") as f:
        nb: nbformat.NotebookNode = nbformat.read(f, as_version=4)
    nb = nbformat.v4.upgrade(nb) or nb
    nb.metadata.setdefault(
        "papermill",
        {"default_parameters": {}, "parameters": {}, "environment_variables": {}, "version": papermill.__version__},
    )
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])
        cell.metadata.setdefault("papermill", {})
    return nb


def kernel_name_of(nb: nbformat.NotebookNode) -> str:
    """The kernel the notebook runs on: its kernelspec's name, resolved as jupyter_client's
    kernel manager resolves it (`python` is the Python kernel, `python3`); `python3` for a
    notebook that names none, where papermill would ask for `-k` (a documented difference)."""
    name = str((nb.metadata.get("kernelspec") or {}).get("name") or NATIVE_KERNEL_NAME)
    return str(KernelManager(kernel_name=name).kernel_name)


def language_of(nb: nbformat.NotebookNode) -> str:
    return (
        (nb.metadata.get("kernelspec") or {}).get("language")
        or (nb.metadata.get("language_info") or {}).get("name")
        or "python"
    )


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags") or [])


def _literal(source: str) -> tuple[bool, Any]:
    """(True, value) when the default is a Python literal, else (False, None)."""
    try:
        return True, ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def _json_safe(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
        return True
    except (TypeError, ValueError):
        return False


def inspect(path: str) -> JsonObject:
    """The `parameters` cell read as papermill's inspect_notebook reads it: names, the help
    from the comments; and each type from the annotation, else from the default's value."""
    nb = read_notebook(path)
    kernel_name, language = kernel_name_of(nb), language_of(nb)
    cell = next((c for c in nb.cells if "parameters" in _tags(c)), None)
    # Other languages' parameters cells are not read (nor are they by papermill).
    is_python = kernel_name in _PYTHON_KERNELS or language in _PYTHON_KERNELS
    params = []
    for p in infer_parameters(cell.source) if cell is not None and is_python else []:
        is_literal, value = _literal(p.source)
        annotation = p.annotation if p.annotation != "None" else None
        entry = {
            "name": p.name,
            "type": annotation or (type(value).__name__ if is_literal else "object"),
            "source": p.source,
            "help": p.help,
        }
        if is_literal and _json_safe(value):
            entry["default"] = value
        params.append(entry)
    return {
        "hasParametersCell": cell is not None,
        "parameters": params,
        "kernelName": kernel_name,
        "language": language,
    }


def cli_parameters(text: dict[str, str], parameters: JsonObject) -> JsonObject:
    """`text` values converted as papermill's CLI converts `-p name value` (True, False, None,
    an int, a float, else the text), with `parameters` over them."""
    return {**{name: resolve_cli_value(value) for name, value in text.items()}, **parameters}


def parameterize(path: str, parameters: JsonObject, paths: JsonObject | None = None) -> nbformat.NotebookNode:
    """The notebook prepared as `papermill.execute_notebook` prepares it: the parameters passed
    (only those) in a cell tagged `injected-parameters` right after the `parameters` cell (at
    the top if none; no cell when none are passed), `input_path` and `output_path` recorded
    (`paths`: what stands for them here), and the error markers of an earlier run removed.
    papermill's warnings (an unknown parameter, no parameters cell) are the gateway's to give."""
    nb = read_notebook(path)
    if parameters:
        nb = parameterize_notebook(nb, parameters, kernel_name=kernel_name_of(nb), language=language_of(nb))
    paths = paths or {}
    prepared: nbformat.NotebookNode = remove_error_markers(
        prepare_notebook_metadata(nb, paths.get("input"), paths.get("output"))
    )
    return prepared


class Execution:
    """Runs the cells of one prepared notebook on one kernel as papermill's engine runs them:
    outputs and execution counts of every code cell cleared first, cells one by one until one
    raises (a cell tagged `raises-exception` may), the per-cell status and times papermill
    records, written by papermill's own execution manager. Remembers which cell is running."""

    def __init__(self, nb: nbformat.NotebookNode, kernel: Kernel) -> None:
        self.nb = nb
        self.kernel = kernel
        # The cell running, or the last one that started; the last one that ran to its end.
        self.cell_index: int | None = None
        self.completed: int | None = None
        # Whether it is running cells; told to stop, it starts no further cell.
        self.running = False
        self.stopping = False
        # No output path: the worker writes the notebook once, when the run ends (see `save`).
        self.manager = NotebookExecutionManager(nb, output_path=None, progress_bar=False, autosave_cell_every=0)
        if kernel.language_info:
            nb.metadata["language_info"] = kernel.language_info
        self.answered = set(output_cell_indexes(nb)) if kernel.json_values else set()

    async def run(self) -> None:
        """papermill's `papermill_execute_cells`: stops at the first cell that raises (its error
        is then in its outputs: see `failure`); a dead kernel (DeadKernelError) ends the run."""
        client = NotebookClient(
            self.nb, km=self.kernel.km, timeout=None, allow_errors=False, kernel_name=self.kernel.km.kernel_name
        )
        client.kc = self.kernel.kc
        client.kc.allow_stdin = False
        manager = self.manager
        manager.notebook_start()
        self.running = True
        try:
            # The cells one by one instead of client.async_execute(): that one sets up and tears
            # down the kernel itself and takes over the process's SIGINT/SIGTERM handlers.
            for index, cell in enumerate(self.nb.cells):
                if self.stopping:
                    break
                self.cell_index = index
                try:
                    manager.cell_start(cell, index)
                    await self._execute(client, cell, index)
                    self.completed = index
                except CellExecutionError as exc:
                    manager.cell_exception(cell, cell_index=index, exception=exc)
                    break
                finally:
                    manager.cell_complete(cell, cell_index=index)
            client.set_widgets_metadata()
        finally:
            self.running = False
            manager.notebook_complete()

    async def _execute(self, client: NotebookClient, cell: nbformat.NotebookNode, index: int) -> None:
        answered = index in self.answered
        if answered:
            self._json_values(True)
        # Numbered as papermill numbers them (the injected cell counts); a failure names
        # a cell by the number "Run All" gives it in JupyterLab (see `describe_cell`).
        await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        if answered:
            self._json_values(False)

    def _json_values(self, on: bool) -> None:
        """Turns the kernel's JSON form of results (kernel_values) on or off. Not waited for: a
        kernel runs its execute requests in the order they came, so the switch is in place for
        the next cell, and the run does not pay a round trip for it (nbclient passes over the
        switch's reply and its status messages, which answer another request than its cell's)."""
        self.kernel.kc.execute(switch_code(on), silent=True, store_history=False)

    async def interrupt(self) -> None:
        """Stops the run at its time limit as papermill's engine does when a cell passes its
        timeout: the kernel is interrupted, so that the running cell records the interruption
        (a KeyboardInterrupt with the line it stopped at), and no further cell starts."""
        self.stopping = True
        with contextlib.suppress(Exception):
            await self.kernel.km.interrupt_kernel()

    def record_kill(self, message: str) -> None:
        """Records in the running cell that its kernel was killed (it did not stop when
        interrupted, or the gateway cancelled the run); not in one that had ended."""
        if self.cell_index is None or self.cell_index == self.completed:
            return
        cell = self.nb.cells[self.cell_index]
        if cell.get("cell_type") == "code":
            cell.outputs.append(
                nbformat.v4.new_output("error", ename="KernelKilled", evalue=message, traceback=[message])
            )

    def failure(self) -> WorkerError | None:
        """papermill's `raise_for_execution_errors`: the first cell with an error output (a
        SystemExit with no code or code 0 is not one: it ends a run successfully), or that
        raised without one, as a WorkerError naming the exception it raised and the cell as its
        user sees it; papermill's error markers are then added to the notebook. None if none."""
        for index, cell in enumerate(self.nb.cells):
            exited = False
            for output in cell.get("outputs", []):
                if output.get("output_type") != "error":
                    continue
                if output.get("ename") == "SystemExit" and output.get("evalue") in ("", "0"):
                    exited = True
                    continue
                return self._failed(index, str(output.get("ename")), str(output.get("evalue") or ""))
            if not exited and cell.get("metadata", {}).get("papermill", {}).get("exception") is True:
                return self._failed(index, "CellExecutionError", "")
        return None

    def _failed(self, index: int, ename: str, evalue: str) -> WorkerError:
        where = describe_cell(self.nb, index)
        said = f"{ename}: {evalue}" if evalue else ename
        _add_error_markers(self.nb, index)
        return WorkerError("NotebookFailed", f"{where['label']} raised {said}", ename=ename, evalue=evalue, **where)

    def dead_kernel(self, exc: BaseException) -> WorkerError:
        """What a run whose kernel died answers: papermill's DeadKernelError, naming the cell."""
        where = describe_cell(self.nb, self.cell_index)
        label = where.get("label", "a cell")
        return WorkerError(
            "DeadKernel",
            f"{label}: the kernel died while running it (out of memory, or the code ended the process)",
            ename="DeadKernelError",
            evalue=str(exc),
            **where,
        )

    def outputs(self) -> list[Any]:
        return collect_outputs(self.nb)


def _add_error_markers(nb: nbformat.NotebookNode, index: int) -> None:
    """papermill's markers of a failed run: a red line at the top linking to an anchor just
    before the failed cell (`In [n]`, its execution count)."""
    count = nb.cells[index].get("execution_count")
    message = nbformat.v4.new_markdown_cell(ERROR_MESSAGE_TEMPLATE % str(count))
    message.metadata["tags"] = [ERROR_MARKER_TAG]
    anchor = nbformat.v4.new_markdown_cell(ERROR_ANCHOR_MSG)
    anchor.metadata["tags"] = [ERROR_MARKER_TAG]
    nb.cells.insert(index, anchor)
    nb.cells.insert(0, message)


_FIRST_LINE_CHARS = 60


def describe_cell(nb: nbformat.NotebookNode, index: int | None) -> JsonObject:
    """Cell `index` as its user sees it in JupyterLab: `cell`, its 1-based position in the
    notebook as published (the injected cell not counted); `executionCount`, the number
    JupyterLab shows beside it after Run All of that notebook (None if it never started); `firstLine`, its
    first non-blank line; and `label`, all three in words: `cell [3] (3rd cell, “x = 1”)`.
    Empty for no cell."""
    if index is None:
        return {}
    cell = nb.cells[index]
    injected = [c for c in nb.cells[:index] if "injected-parameters" in _tags(c)]
    position = index + 1 - len(injected)
    # The executed notebook numbers the cells as papermill does, the injected cell included;
    # JupyterLab's Run All of the notebook as published has no injected cell.
    count = cell.get("execution_count")
    if isinstance(count, int):
        count -= sum(1 for c in injected if isinstance(c.get("execution_count"), int))
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    if len(first) > _FIRST_LINE_CHARS:
        first = first[: _FIRST_LINE_CHARS - 1] + "…"
    quoted = f"“{first}”" if first else ""
    if isinstance(count, int):
        label = f"cell [{count}] ({_ordinal(position)} cell{', ' + quoted if quoted else ''})"
    else:
        label = f"the {_ordinal(position)} cell" + (f" ({quoted})" if quoted else "")
    return {"cell": position, "executionCount": count, "firstLine": first, "label": label}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def save(nb: nbformat.NotebookNode, path: str | None) -> None:
    """Writes the executed notebook as papermill would have: tracebacks of failed cells stay in
    their outputs, and the JSON form of the answered cells' results (kernel_values), which
    papermill's has not, is left out."""
    if not path:
        return
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(VALUE_MIME, None)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    nbformat.write(nb, tmp)
    # Readers never see a half-written file.
    os.replace(tmp, path)
