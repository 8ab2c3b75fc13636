"""Inspecting and running parameterised notebooks the way papermill does."""

import ast
import asyncio
import json
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from papermill.inspection import _infer_parameters
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from .protocol import WorkerError

OUTPUT_TAG = "output"


def read_notebook(path):
    try:
        # papermill's own loader: it adds the metadata its parameterize and inspect expect.
        return load_notebook_node(path)
    except Exception as exc:  # noqa: BLE001 - any parse failure makes the file unusable
        raise WorkerError("InvalidNotebook", f"not a readable .ipynb notebook: {exc}") from exc


def kernel_name_of(nb):
    return (nb.metadata.get("kernelspec") or {}).get("name") or "python3"


def _literal(source):
    """The default's value when it is a Python literal, else (False, None)."""
    try:
        return True, ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def _type_of(annotation, is_literal, value):
    """A type name from the annotation when there is one, else from the default's value."""
    if annotation and annotation != "None":
        return annotation
    if not is_literal:
        return "object"
    return type(value).__name__


def inspect(path):
    """The parameters cell read as papermill's inspect_notebook reads it, with each
    parameter's type inferred from its default when it has no annotation."""
    nb = read_notebook(path)
    has_cell = any("parameters" in (c.get("metadata", {}).get("tags") or []) for c in nb.cells)
    params = []
    for p in _infer_parameters(nb):
        is_literal, value = _literal(p.default)
        entry = {"name": p.name, "type": _type_of(p.inferred_type_name, is_literal, value), "source": p.default, "help": p.help}
        if is_literal and _json_safe(value):
            entry["default"] = value
        params.append(entry)
    return {"hasParametersCell": has_cell, "parameters": params, "kernelName": kernel_name_of(nb)}


def _json_safe(value):
    try:
        json.dumps(value, allow_nan=False)
        return True
    except (TypeError, ValueError):
        return False


def _value_of(output):
    """One output as a JSON value: JSON as itself, images as data URLs, text as text."""
    kind = output.get("output_type")
    if kind == "stream":
        return output.get("text", "")
    if kind not in ("execute_result", "display_data"):
        return None
    data = output.get("data", {})
    if "application/json" in data:
        value = data["application/json"]
        return json.loads(value) if isinstance(value, str) else value
    for mime in ("image/png", "image/jpeg", "image/gif"):
        if mime in data:
            return f"data:{mime};base64,{''.join(data[mime]).strip()}"
    if "image/svg+xml" in data:
        import base64

        svg = "".join(data["image/svg+xml"]).encode()
        return f"data:image/svg+xml;base64,{base64.b64encode(svg).decode()}"
    if "text/plain" in data:
        return "".join(data["text/plain"])
    if "text/html" in data:
        return "".join(data["text/html"])
    return None


def collect_outputs(nb):
    """Outputs of the cells tagged `output`; with none tagged, the last code cell's."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if OUTPUT_TAG in (c.get("metadata", {}).get("tags") or [])]
    cells = tagged or code[-1:]
    values = []
    for cell in cells:
        for output in cell.get("outputs", []):
            value = _value_of(output)
            if value is not None:
                values.append(value)
    return values


async def run(pool, path, parameters, timeout, output_path):
    """Injects `parameters` as papermill does, executes on a kernel from `pool`, stores the result."""
    nb = read_notebook(path)
    nb = parameterize_notebook(nb, parameters, kernel_name=kernel_name_of(nb))
    kernel, cold = await pool.take()
    started = time.monotonic()
    client = NotebookClient(nb, km=kernel.km, kernel_name=pool.kernel_name, timeout=None, allow_errors=False)
    client.kc = kernel.kc
    pid = kernel.pid
    try:
        await asyncio.wait_for(client.async_execute(), timeout=timeout)
    except asyncio.TimeoutError:
        await kernel.shutdown()
        _write(nb, output_path)
        raise WorkerError("Timeout", f"the run passed its timeout of {timeout} s; its kernel was stopped", kernelPid=pid)
    except CellExecutionError as exc:
        await kernel.shutdown()
        _write(nb, output_path)
        index = _failed_cell(nb)
        raise WorkerError(
            "NotebookFailed",
            f"cell {index} raised {exc.ename}: {exc.evalue}",
            cell=index,
            ename=exc.ename,
            evalue=exc.evalue,
            kernelPid=pid,
        )
    except BaseException:
        await kernel.shutdown()
        raise
    duration_ms = (time.monotonic() - started) * 1000
    # Each run gets a fresh kernel: this one goes, so no state reaches the next call.
    asyncio.create_task(kernel.shutdown())
    _write(nb, output_path)
    return {"outputs": collect_outputs(nb), "durationMs": duration_ms, "cold": cold, "kernelPid": pid}


def _failed_cell(nb):
    """The failing cell's index in the notebook as published (the injected cell not counted)."""
    injected = 0
    for i, cell in enumerate(nb.cells):
        if "injected-parameters" in (cell.get("metadata", {}).get("tags") or []):
            injected += 1
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return i - injected
    return None


def _write(nb, path):
    if path:
        nbformat.write(nb, path)
