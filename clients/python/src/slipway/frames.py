"""Records in (a list, one record or a DataFrame) and a DataFrame of predictions out."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

#: What ``Client.predict`` takes: a DataFrame, one record, or a list of records.
Records = pd.DataFrame | Mapping[Any, Any] | Sequence[Mapping[Any, Any]]


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars and arrays as Python values and NaN as None (JSON's null)."""
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return jsonable(value.tolist())
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records_of(records: Records, inputs: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """
    The records API body for ``records``. A DataFrame's rows become records by column name; when
    the deployment takes one input that is not a column (an ONNX model's ``X``), each row's
    values become that input's vector, in column order. ``inputs``: the deployment's input names.
    """
    if isinstance(records, pd.DataFrame):
        columns = [str(c) for c in records.columns]
        if inputs is not None and len(inputs) == 1 and inputs[0] not in columns:
            return [{inputs[0]: jsonable(list(row))} for row in records.itertuples(index=False)]
        rows = records.to_dict(orient="records")
        return [{str(k): jsonable(v) for k, v in row.items()} for row in rows]
    if isinstance(records, Mapping):
        return [jsonable(records)]
    return [jsonable(r) for r in records]


def predictions_frame(answer: Mapping[str, Any], index: Any = None) -> pd.DataFrame:
    """
    The records API's answer to a list as a DataFrame: an ``id`` column (send it back with the
    ground truth), then a column per output (nested ones flattened: ``probabilities.setosa``), or
    ``prediction`` when the model answers a bare value.
    """
    predictions = list(answer["predictions"])
    if predictions and all(isinstance(p, Mapping) for p in predictions):
        frame = pd.json_normalize(predictions)
    else:
        frame = pd.DataFrame({"prediction": predictions})
    frame.insert(0, "id", list(answer["ids"]))
    if index is not None:
        frame.index = index
    return frame
