"""Reading, parameterising and executing notebooks the way papermill does."""

from __future__ import annotations

import ast
import copy
import datetime
import json
import os
import time
from typing import Any

import nbformat
import papermill
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError
from papermill.parameterize import parameterize_notebook

from .kernel_values import switch_code
from .kernels import START_TIMEOUT_SECONDS, Kernel
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
    return str((nb.metadata.get("kernelspec") or {}).get("name") or "python3")


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


def parameterize(path: str, parameters: JsonObject) -> nbformat.NotebookNode:
    """The notebook with `parameters` injected exactly as papermill injects them: a cell
    tagged `injected-parameters` right after the `parameters` cell (at the top if none)."""
    nb = read_notebook(path)
    injected: nbformat.NotebookNode = parameterize_notebook(
        nb, parameters, kernel_name=kernel_name_of(nb), language=language_of(nb)
    )
    return injected


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


class Execution:
    """Runs the cells of one parameterised notebook on one kernel, recording what papermill
    records (per-cell status and times), and remembering which cell is running."""

    def __init__(self, nb: nbformat.NotebookNode, kernel: Kernel) -> None:
        self.nb = nb
        self.kernel = kernel
        self.cell_index: int | None = None
        self.started = time.monotonic()
        if kernel.language_info:
            nb.metadata["language_info"] = kernel.language_info
        nb.metadata.papermill.update({"start_time": _now(), "exception": None})
        for cell in nb.cells:
            cell.metadata["papermill"] = {
                "exception": None,
                "start_time": None,
                "end_time": None,
                "duration": None,
                "status": "pending",
            }

    async def run(self) -> None:
        client = NotebookClient(
            self.nb, km=self.kernel.km, timeout=None, allow_errors=False, kernel_name=self.kernel.km.kernel_name
        )
        client.kc = self.kernel.kc
        client.kc.allow_stdin = False
        answered = set(output_cell_indexes(self.nb)) if self.kernel.json_values else set()
        # The cells one by one instead of client.async_execute(): that one sets up and tears
        # down the kernel itself and takes over the process's SIGINT/SIGTERM handlers.
        for index, cell in enumerate(self.nb.cells):
            self.cell_index = index
            meta = cell.metadata["papermill"]
            meta.update({"status": "running", "start_time": _now()})
            began = time.monotonic()
            try:
                if index in answered:
                    await self._json_values(True)
                # Numbered as papermill numbers them (the injected cell counts); a failure names
                # a cell by the number "Run All" gives it in JupyterLab (see `describe_cell`).
                await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
                if index in answered:
                    await self._json_values(False)
            except BaseException:
                meta.update(
                    {"status": "failed", "exception": True, "end_time": _now(), "duration": time.monotonic() - began}
                )
                self.nb.metadata.papermill["exception"] = True
                raise
            meta.update({"status": "completed", "end_time": _now(), "duration": time.monotonic() - began})
        self.cell_index = None

    async def _json_values(self, on: bool) -> None:
        """Turns the kernel's JSON form of results (kernel_values) on or off."""
        await self.kernel.kc.execute(
            switch_code(on), silent=True, store_history=False, reply=True, timeout=START_TIMEOUT_SECONDS
        )

    def failure(self, exc: BaseException) -> WorkerError:
        """The WorkerError for a failed cell, named as its user sees it (see `describe_cell`),
        with the exception's name and message."""
        where = describe_cell(self.nb, self.cell_index)
        label = where.get("label", "a cell")
        if isinstance(exc, DeadKernelError):
            return WorkerError(
                "NotebookFailed",
                f"{label}: the kernel died while running it (out of memory, or the code ended the process)",
                ename="DeadKernelError",
                evalue=str(exc),
                **where,
            )
        ename = getattr(exc, "ename", type(exc).__name__)
        evalue = getattr(exc, "evalue", str(exc))
        said = f"{ename}: {evalue}" if evalue else ename
        return WorkerError("NotebookFailed", f"{label} raised {said}", ename=ename, evalue=evalue, **where)

    def finish(self, exception: bool = False) -> None:
        meta = self.nb.metadata.papermill
        meta.update({"end_time": _now(), "duration": time.monotonic() - self.started})
        if exception:
            meta["exception"] = True

    def outputs(self) -> list[Any]:
        return collect_outputs(self.nb)


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


def is_cell_failure(exc: BaseException) -> bool:
    return isinstance(exc, (CellExecutionError, DeadKernelError))


def save(nb: nbformat.NotebookNode, path: str | None) -> None:
    """Writes the executed notebook; tracebacks of failed cells stay in their outputs."""
    if not path:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    nbformat.write(nb, tmp)
    # Readers never see a half-written file.
    os.replace(tmp, path)
