"""Results as JSON values (kernel_values.to_json_value), in this process: what the kernel's
formatter answers for each kind of result."""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from slipway_worker.kernel_values import NotJsonable, install_code, switch_code, to_json_value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"label": "demo", "n": 3}, {"label": "demo", "n": 3}),
        ((1, [2.5, None], True), [1, [2.5, None], True]),
        ("a 'quoted' string", "a 'quoted' string"),
        (42, 42),
        (0.1, 0.1),
        (
            {2: "int key", None: "none", True: "bool", 2.5: "float"},
            {"2": "int key", "null": "none", "true": "bool", "2.5": "float"},
        ),
        (datetime.date(2024, 1, 2), "2024-01-02"),
        (np.int64(7), 7),
        (np.float32(1.5), 1.5),
        (np.bool_(True), True),
        (np.str_("numpy text"), "numpy text"),
        (np.arange(6).reshape(2, 3), [[0, 1, 2], [3, 4, 5]]),
        ({np.int64(1): np.float64(2.0)}, {"1": 2.0}),
    ],
)
def test_json_able_values_keep_their_json_form(value: Any, expected: Any) -> None:
    converted = to_json_value(value)
    assert converted == expected
    assert type(converted) is type(expected)


def test_nan_and_infinities_become_null_so_the_json_stays_valid() -> None:
    value = {"nan": math.nan, "inf": math.inf, "array": np.array([1.0, np.nan, -np.inf])}
    converted = to_json_value(value)
    assert converted == {"nan": None, "inf": None, "array": [1.0, None, None]}
    json.dumps(converted, allow_nan=False)


def test_a_dataframe_is_its_records_and_a_named_index_is_kept_as_a_column() -> None:
    frame = pd.DataFrame(
        {"x": [1, 2], "y": [0.5, np.nan], "when": pd.to_datetime(pd.Series(["2024-01-01", None])), "s": ["a", None]}
    )
    assert to_json_value(frame) == [
        {"x": 1, "y": 0.5, "when": "2024-01-01T00:00:00", "s": "a"},
        {"x": 2, "y": None, "when": None, "s": None},
    ]
    # Row numbers left by a filter are not data; an index someone named is.
    assert to_json_value(frame[frame.x > 1][["x"]]) == [{"x": 2}]
    assert to_json_value(frame.set_index("x")[["y"]]) == [{"x": 1, "y": 0.5}, {"x": 2, "y": None}]
    counts = pd.Series([3, 1], index=pd.Index(["a", "b"], name="letter"), name="count")
    assert to_json_value(counts) == [{"letter": "a", "count": 3}, {"letter": "b", "count": 1}]
    assert to_json_value(pd.Series([1.5, np.nan])) == [1.5, None]


@pytest.mark.parametrize(
    "value",
    [
        {1, 2},
        object(),
        {"inside": object()},
        {(1, 2): "tuple key"},
        1 + 2j,
        np.array([1 + 2j]),
        np.array(["2024-01-01"], dtype="datetime64[ns]"),
        pd.DataFrame([[1, 2]], columns=["a", "a"]),
    ],
)
def test_values_without_a_json_form_are_refused_and_stay_text(value: Any) -> None:
    with pytest.raises(NotJsonable):
        to_json_value(value)


def test_a_value_that_contains_itself_is_refused() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(NotJsonable, match="too deep"):
        to_json_value(loop)


def test_the_kernel_code_compiles_and_switches_the_formatter() -> None:
    compile(install_code(), "<install>", "exec")
    assert switch_code(True).endswith("].enabled = True")
    assert switch_code(False).endswith("].enabled = False")
