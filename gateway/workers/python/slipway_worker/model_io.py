"""Records in, JSON out: how validated records become a model's input, and its answers JSON."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from .protocol import JsonObject

Record = JsonObject
"""One record of a predict call, as the gateway validated it: input name → JSON value."""

FLOATS = ("float32", "float64")
INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


class ModelInput:
    """Builds the model's input from records the gateway validated against `inputs`.

    - `columns`: a pandas DataFrame with one column per input, in signature order, as the
      model was fitted (pipelines select columns by name). A missing number (null) is NaN, a
      missing category NaN as well, which is what pandas gave the model when it was fitted.
    - `array`: the values of the one input, stacked into a float64 array (null as NaN).
    - `records`: the records as they are, for a preprocess snippet.
    """

    def __init__(self, inputs: list[JsonObject], layout: str) -> None:
        self.inputs = inputs
        self.layout = layout
        self.names = [f["name"] for f in inputs]

    def frame(self, records: list[Record]) -> Any:
        """The model's input for `records`, in this input's layout."""
        if self.layout == "records":
            return records
        if self.layout == "array":
            name = self.names[0]
            return np.array([[_nan(v) for v in r[name]] for r in records], dtype=np.float64)
        import pandas as pd

        columns: dict[str, npt.NDArray[Any]] = {}
        for f in self.inputs:
            name, kind = f["name"], f["type"]
            values = [r.get(name) for r in records]
            if kind in FLOATS and (f.get("shape") in (None, [])):
                columns[name] = np.array([_nan(v) for v in values], dtype=np.float64)
            elif kind in INTS and None not in values:
                columns[name] = np.array(values, dtype=np.int64)
            elif kind == "string":
                columns[name] = np.array([np.nan if v is None else v for v in values], dtype=object)
            else:
                columns[name] = _object_array(values)
        return pd.DataFrame(columns, columns=self.names)


def _nan(v: Any) -> Any:
    return math.nan if v is None else v


def _object_array(values: list[Any]) -> npt.NDArray[np.object_]:
    # np.array would turn equal-length lists into a 2-D array: keep one object per record.
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = v
    return out


def to_json(value: Any) -> Any:
    """numpy scalars and arrays as plain JSON values; NaN and infinities as null."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_json(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
