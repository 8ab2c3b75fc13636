"""Reading, parameterising and executing notebooks the way papermill does."""

import ast
import copy
import datetime
import json
import os
import time

import nbformat
import papermill
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError
from papermill.inspection import _infer_parameters
from papermill.parameterize import parameterize_notebook

from .outputs import collect_outputs
from .protocol import WorkerError

# Artifacts are content-addressed, so a path's content only changes if the file is replaced;
# (mtime, size) in the key catches that anyway.
_cache = {}
_CACHE_SIZE = 64


def read_notebook(path):
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


def _load(path):
    """papermill.iorw.load_notebook_node for a local file, minus its I/O layer: that one warns
    about every artifact (they are stored without the .ipynb extension) and would treat an
    `s3://` or `http://` path as remote."""
    with open(path, encoding="utf-8") as f:
        nb = nbformat.read(f, as_version=4)
    nb = nbformat.v4.upgrade(nb) or nb
    nb.metadata.setdefault(
        "papermill", {"default_parameters": {}, "parameters": {}, "environment_variables": {}, "version": papermill.__version__}
    )
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])
        cell.metadata.setdefault("papermill", {})
    return nb


def kernel_name_of(nb):
    return (nb.metadata.get("kernelspec") or {}).get("name") or "python3"


def language_of(nb):
    return (nb.metadata.get("kernelspec") or {}).get("language") or (nb.metadata.get("language_info") or {}).get("name") or "python"


def _tags(cell):
    return cell.get("metadata", {}).get("tags") or []


def _literal(source):
    """(True, value) when the default is a Python literal, else (False, None)."""
    try:
        return True, ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def _json_safe(value):
    try:
        json.dumps(value, allow_nan=False)
        return True
    except (TypeError, ValueError):
        return False


def inspect(path):
    """The `parameters` cell read as papermill's inspect_notebook reads it: names, the help
    from the comments; and each type from the annotation, else from the default's value."""
    nb = read_notebook(path)
    kernel_name, language = kernel_name_of(nb), language_of(nb)
    has_cell = any("parameters" in _tags(c) for c in nb.cells)
    params = []
    # papermill.inspect_notebook is this function plus reading the file; this form takes the
    # kernel and language as overrides, so a notebook without a kernelspec still inspects.
    for p in _infer_parameters(nb, name=kernel_name, language=language):
        is_literal, value = _literal(p.default)
        annotation = p.inferred_type_name if p.inferred_type_name not in (None, "None") else None
        entry = {
            "name": p.name,
            "type": annotation or (type(value).__name__ if is_literal else "object"),
            "source": p.default,
            "help": p.help or "",
        }
        if is_literal and _json_safe(value):
            entry["default"] = value
        params.append(entry)
    return {"hasParametersCell": has_cell, "parameters": params, "kernelName": kernel_name, "language": language}


def parameterize(path, parameters):
    """The notebook with `parameters` injected exactly as papermill injects them: a cell
    tagged `injected-parameters` right after the `parameters` cell (at the top if none)."""
    nb = read_notebook(path)
    return parameterize_notebook(nb, parameters, kernel_name=kernel_name_of(nb), language=language_of(nb))


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


class Execution:
    """Runs the cells of one parameterised notebook on one kernel, recording what papermill
    records (per-cell status and times), and remembering which cell is running."""

    def __init__(self, nb, kernel):
        self.nb = nb
        self.kernel = kernel
        self.cell_index = None
        self.started = time.monotonic()
        if kernel.language_info:
            nb.metadata["language_info"] = kernel.language_info
        nb.metadata.papermill.update({"start_time": _now(), "exception": None})
        for cell in nb.cells:
            cell.metadata["papermill"] = {"exception": None, "start_time": None, "end_time": None, "duration": None, "status": "pending"}

    async def run(self):
        client = NotebookClient(self.nb, km=self.kernel.km, timeout=None, allow_errors=False, kernel_name=self.kernel.km.kernel_name)
        client.kc = self.kernel.kc
        client.kc.allow_stdin = False
        # The cells one by one instead of client.async_execute(): that one sets up and tears
        # down the kernel itself and takes over the process's SIGINT/SIGTERM handlers.
        for index, cell in enumerate(self.nb.cells):
            self.cell_index = index
            meta = cell.metadata["papermill"]
            meta.update({"status": "running", "start_time": _now()})
            began = time.monotonic()
            try:
                await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            except BaseException:
                meta.update({"status": "failed", "exception": True, "end_time": _now(), "duration": time.monotonic() - began})
                self.nb.metadata.papermill["exception"] = True
                raise
            meta.update({"status": "completed", "end_time": _now(), "duration": time.monotonic() - began})
        self.cell_index = None

    def failure(self, exc):
        """The WorkerError for a failed cell: its index in the notebook as published (the
        injected cell not counted), the exception's name and message."""
        index = self.published_index(self.cell_index)
        if isinstance(exc, DeadKernelError):
            return WorkerError(
                "NotebookFailed",
                f"cell {index}: the kernel died while running it (out of memory, or the code ended the process)",
                cell=index,
                ename="DeadKernelError",
                evalue=str(exc),
            )
        ename = getattr(exc, "ename", type(exc).__name__)
        evalue = getattr(exc, "evalue", str(exc))
        said = f"{ename}: {evalue}" if evalue else ename
        return WorkerError("NotebookFailed", f"cell {index} raised {said}", cell=index, ename=ename, evalue=evalue)

    def published_index(self, index):
        if index is None:
            return None
        injected = sum(1 for c in self.nb.cells[:index] if "injected-parameters" in _tags(c))
        return index - injected

    def finish(self, exception=None):
        meta = self.nb.metadata.papermill
        meta.update({"end_time": _now(), "duration": time.monotonic() - self.started})
        if exception:
            meta["exception"] = True

    def outputs(self):
        return collect_outputs(self.nb)


def is_cell_failure(exc):
    return isinstance(exc, (CellExecutionError, DeadKernelError))


def save(nb, path):
    """Writes the executed notebook; tracebacks of failed cells stay in their outputs."""
    if not path:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    nbformat.write(nb, tmp)
    # Readers never see a half-written file.
    os.replace(tmp, path)
