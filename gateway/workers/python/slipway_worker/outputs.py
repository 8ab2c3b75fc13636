"""What a run answers: the outputs of the cells tagged `output` as JSON values."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

import nbformat

from .kernel_values import VALUE_MIME

OUTPUT_TAG = "output"
_IMAGES = ("image/png", "image/jpeg", "image/gif", "image/webp")


def _text(value: str | list[str]) -> str:
    # nbformat stores multi-line strings either whole or as a list of lines.
    return "".join(value) if isinstance(value, list) else value


def value_of(output: Mapping[str, Any]) -> Any:
    """One output as a JSON value, or None when it carries nothing for a caller: a result's
    JSON form (see kernel_values), application/json as the JSON itself, images as data URLs,
    else the text/plain text. stdout is text too (what `print` shows); stderr (warnings, logs)
    is not an output."""
    kind = output.get("output_type")
    if kind == "stream":
        return _text(output.get("text", "")) if output.get("name") == "stdout" else None
    if kind not in ("execute_result", "display_data"):
        return None
    data = output.get("data", {})
    if VALUE_MIME in data:
        # Any JSON value, a bare string included: never decoded again.
        return data[VALUE_MIME]
    for mime, value in data.items():
        # application/json, and vendor types built on it (application/vnd.foo+json).
        if mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json")):
            return json.loads(value) if isinstance(value, str) else value
    for mime in _IMAGES:
        if mime in data:
            # Binary images are base64 in nbformat already, sometimes wrapped over lines.
            return f"data:{mime};base64,{''.join(_text(data[mime]).split())}"
    if "image/svg+xml" in data:
        svg = _text(data["image/svg+xml"]).encode()
        return f"data:image/svg+xml;base64,{base64.b64encode(svg).decode()}"
    if "text/plain" in data:
        return _text(data["text/plain"])
    for mime in ("text/markdown", "text/html", "text/latex"):
        if mime in data:
            return _text(data[mime])
    return None


def _tagged(cell: Mapping[str, Any]) -> bool:
    return OUTPUT_TAG in (cell.get("metadata", {}).get("tags") or [])


def _blank(cell: Mapping[str, Any]) -> bool:
    return not _text(cell.get("source", "")).strip()


def output_cell_indexes(nb: nbformat.NotebookNode) -> list[int]:
    """Indexes of the cells whose outputs a run answers: those tagged `output`; when no cell is
    tagged, the last code cell that is not blank (what a reader of the notebook sees as its
    result; a blank cell at the end, left there to type in, is not it)."""
    code = [i for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"]
    tagged = [i for i in code if _tagged(nb.cells[i])]
    return tagged or [i for i in code if not _blank(nb.cells[i])][-1:]


def answered_cell_indexes(nb: nbformat.NotebookNode) -> list[int]:
    """The cells whose outputs an executed notebook answers: `output_cell_indexes`, except that
    without a tagged cell, a run that ended early (a `sys.exit()`) answers the last cell that
    ran, with what it produced so far."""
    tagged = [i for i, c in enumerate(nb.cells) if c.get("cell_type") == "code" and _tagged(c)]
    if tagged:
        return tagged
    ran = [
        i
        for i, c in enumerate(nb.cells)
        if c.get("cell_type") == "code" and not _blank(c) and c.get("execution_count") is not None
    ]
    return ran[-1:]


def collect_outputs(nb: nbformat.NotebookNode) -> list[Any]:
    """Values of the outputs of the cells `answered_cell_indexes` names, in order; what one
    cell printed in several pieces (the kernel sends stdout as it comes) is one text."""
    values: list[Any] = []
    for index in answered_cell_indexes(nb):
        printing = False
        for output in nb.cells[index].get("outputs", []):
            value = value_of(output)
            if value is None:
                # stderr between two prints does not part them: it is not an output.
                continue
            stdout = output.get("output_type") == "stream"
            if stdout and printing:
                values[-1] += value
            else:
                values.append(value)
            printing = stdout
    return values
