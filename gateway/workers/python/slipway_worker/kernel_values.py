"""Results as JSON values: runs inside each notebook kernel, not in the worker.

A cell's result reaches the worker as a display mime bundle, where a dict is only its repr in
text/plain. This module registers one more IPython display formatter, for
`application/vnd.slipway.value+json`, that carries the JSON form of dicts, lists, tuples,
strings, numbers, booleans, numpy scalars and arrays, and pandas DataFrames and Series (as
records). The worker sends this file's source to each kernel it starts (the kernel's Python may
not be able to import `slipway_worker`), and turns the formatter on only around the cells whose
outputs a run answers, so that other cells displaying a big frame do not pay for converting it.

Values that are not JSON-able (a set, a custom object, anywhere inside) get no such output and
stay text. NaN and infinities become null: JSON has no spelling for them. nbformat accepts any
JSON under a `+json` mime type, so the executed notebook stays valid, and JupyterLab, which has
no renderer for this type, shows the usual text/plain beside it.
"""

from __future__ import annotations

import datetime
import functools
import math
import sys
from typing import Any

VALUE_MIME = "application/vnd.slipway.value+json"
_MAX_DEPTH = 100


class NotJsonable(Exception):
    """The value (or something inside it) has no JSON form; it stays text."""


def _key(key: Any) -> str:
    # What json.dumps makes of the keys it accepts.
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return str(int(key))
    if isinstance(key, float):
        return float.__repr__(float(key)) if math.isfinite(key) else ("NaN" if key != key else str(key))
    if isinstance(key, (datetime.date, datetime.time)):
        return key.isoformat()
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(key, numpy.generic):
        return _key(key.item())
    raise NotJsonable(f"a key of type {type(key).__name__}")


def _frame_records(frame: Any, depth: int) -> list[Any]:
    # A named index (set_index, groupby) is data; a plain row number is not.
    if any(name is not None for name in frame.index.names):
        frame = frame.reset_index()
    if not frame.columns.is_unique:
        raise NotJsonable("a DataFrame with repeated column names")
    return [to_json_value(row, depth + 1) for row in frame.to_dict(orient="records")]


def _pandas_value(value: Any, pandas: Any, depth: int) -> Any:
    if isinstance(value, pandas.DataFrame):
        return _frame_records(value, depth)
    if isinstance(value, pandas.Series):
        if any(name is not None for name in value.index.names):
            return _frame_records(value.to_frame(name=value.name if value.name is not None else "value"), depth)
        return [to_json_value(v, depth + 1) for v in value.tolist()]
    if value is pandas.NaT or value is pandas.NA:
        return None
    raise NotJsonable(type(value).__name__)


def to_json_value(value: Any, depth: int = 0) -> Any:
    """The JSON form of `value` (what `json.dumps(..., allow_nan=False)` accepts); raises
    NotJsonable for anything without one."""
    if depth > _MAX_DEPTH:
        raise NotJsonable("nested too deep")
    if value is None or isinstance(value, (bool, str)):
        return str(value) if isinstance(value, str) and type(value) is not str else value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {_key(k): to_json_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v, depth + 1) for v in value]
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(value, (pandas.DataFrame, pandas.Series, type(pandas.NaT), type(pandas.NA))):
        return _pandas_value(value, pandas, depth)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, (numpy.ndarray, numpy.generic)):
        if isinstance(value, numpy.ndarray) and value.dtype.kind in "mMcV":
            raise NotJsonable(f"an array of {value.dtype}")
        if isinstance(value, numpy.generic) and value.dtype.kind in "mMcV":
            raise NotJsonable(f"a numpy {value.dtype}")
        return to_json_value(value.tolist(), depth + 1)
    raise NotJsonable(type(value).__name__)


def _value_or_none(value: Any) -> Any:
    """The formatter's printer: IPython shows a printer's exception as an error output, so a
    value without a JSON form answers None (no output of this type) instead."""
    try:
        return to_json_value(value)
    except (NotJsonable, RecursionError, ValueError, TypeError, AttributeError):
        return None


def install() -> None:
    """Registers the formatter in this kernel, off until the worker turns it on."""
    from IPython import get_ipython
    from IPython.core.formatters import BaseFormatter

    shell = get_ipython()
    if shell is None:
        return

    class ValueFormatter(BaseFormatter):
        format_type = VALUE_MIME
        # Any JSON value, a bare string or number included (IPython's own JSON formatter
        # takes only dicts and lists).
        _return_type = object
        # Only the types registered below: BaseFormatter's default would call every object's
        # __repr__ and shadow its other outputs (an IPython JSON or Image display).
        print_method = "_repr_slipway_value_"

    formatter = ValueFormatter(parent=shell.display_formatter)
    formatter.enabled = False
    for kind in (dict, list, tuple, str, int, float, bool, datetime.date, datetime.time):
        formatter.for_type(kind, _value_or_none)  # type: ignore[no-untyped-call]
    # By name: registering them does not import numpy or pandas into a kernel that never uses them.
    for module, name in (
        ("numpy", "ndarray"),
        ("numpy", "generic"),
        ("pandas.core.frame", "DataFrame"),
        ("pandas.core.series", "Series"),
    ):
        formatter.for_type_by_name(module, name, _value_or_none)  # type: ignore[no-untyped-call]
    shell.display_formatter.formatters[VALUE_MIME] = formatter


def switch_code(on: bool) -> str:
    """Kernel code that turns the formatter on or off (run silently, defines no name)."""
    return f"__import__('IPython').get_ipython().display_formatter.formatters[{VALUE_MIME!r}].enabled = {on!r}"


@functools.cache
def install_code() -> str:
    """Kernel code that runs this module's source in a namespace of its own and installs the
    formatter, leaving no name behind in the user's namespace."""
    with open(__file__, encoding="utf-8") as f:
        source = f.read()
    return f"exec(compile({source!r}, '<slipway values>', 'exec'), {{'__name__': '_slipway_values'}})"


if __name__ == "_slipway_values":
    install()
