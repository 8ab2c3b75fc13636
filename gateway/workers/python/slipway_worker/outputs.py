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


def output_cell_indexes(nb: nbformat.NotebookNode) -> list[int]:
    """Indexes of the cells whose outputs a run answers: those tagged `output`; when no cell is
    tagged, the last code cell (what a reader of the notebook sees as its result)."""
    code = [i for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"]
    tagged = [i for i in code if OUTPUT_TAG in (nb.cells[i].get("metadata", {}).get("tags") or [])]
    return tagged or code[-1:]


def collect_outputs(nb: nbformat.NotebookNode) -> list[Any]:
    """Values of the outputs of the cells `output_cell_indexes` names, in order."""
    values = []
    for index in output_cell_indexes(nb):
        for output in nb.cells[index].get("outputs", []):
            value = value_of(output)
            if value is not None:
                values.append(value)
    return values
