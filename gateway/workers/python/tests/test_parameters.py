"""The parameters cell, read as papermill reads it (and right where papermill's pattern is not)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import nbformat
import papermill
import pytest
from papermill.translators import PythonTranslator

from slipway_worker import notebooks
from slipway_worker.parameters import Parameter, infer_parameters


def as_papermill(params: list[Parameter]) -> dict[str, dict[str, str]]:
    """Our parameters in the shape of papermill.inspect_notebook's answer."""
    return {
        p.name: {"name": p.name, "inferred_type_name": p.annotation or "None", "default": p.source, "help": p.help}
        for p in params
    }


def parameters_cell_source(path: str) -> str:
    nb = nbformat.read(path, as_version=4)
    cell = next((c for c in nb.cells if "parameters" in c.metadata.get("tags", [])), None)
    return "" if cell is None else str(cell.source)


def test_every_fixture_notebook_reads_as_papermill_inspects_it(each_notebook: str) -> None:
    expected = papermill.inspect_notebook(each_notebook)
    assert as_papermill(infer_parameters(parameters_cell_source(each_notebook))) == expected


def test_the_fixtures_that_declare_parameters_are_compared_with_something(notebook_path: Callable[[str], str]) -> None:
    # Guards the comparison above against passing on empty answers alone.
    declared = papermill.inspect_notebook(notebook_path("inspect"))
    assert list(declared) == ["threshold", "day", "nothing", "pair", "name"]


# Cells that papermill's own Python translator reads right: ours must agree on each.
AGREED_CELLS = [
    "x = 1",
    "x: int = 1  # a number",
    "ratio = 0.5  # type: float  the ratio",
    "names: List[str] = ['a', 'b']",
    "label = 'hello'  #    spaced help   ",
    "nothing = None\nflag = False  # on or off\n",
    "# a comment only\n\n",
    "",
    "import datetime\nday = datetime.date(2024, 1, 1)  # not a literal",
    "x = 1  #",
    "x = 1  # type:int",
    "big = 10_000_000",
]


@pytest.mark.parametrize("source", AGREED_CELLS)
def test_agrees_with_papermills_translator(source: str) -> None:
    cell = nbformat.v4.new_code_cell(source)
    assert as_papermill(infer_parameters(source)) == {p.name: p._asdict() for p in PythonTranslator.inspect(cell)}


def test_reads_names_annotations_defaults_and_help() -> None:
    assert infer_parameters("count: int = 3  # how many\nrate = 0.5\n") == [
        Parameter(name="count", annotation="int", source="3", help="how many"),
        Parameter(name="rate", annotation=None, source="0.5", help=""),
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # papermill cuts the value at the first `#`, even inside a string.
        ('color = "#fff"  # the colour', [Parameter("color", None, '"#fff"', "the colour")]),
        # papermill skips any line with two `=`.
        ('query = "a=b"', [Parameter("query", None, '"a=b"', "")]),
        ("when = dict(year=2024)", [Parameter("when", None, "dict(year=2024)", "")]),
        # papermill's pattern knows no `|`, and drops the whole line.
        ("limit: int | None = None  # optional", [Parameter("limit", "int | None", "None", "optional")]),
        ('size: "int" = 3', [Parameter("size", "int", "3", "")]),
        # papermill glues a statement that is not an assignment onto the one before it.
        ("x = 1\nprint(x)\ny = 2", [Parameter("x", None, "1", ""), Parameter("y", None, "2", "")]),
    ],
)
def test_reads_right_where_papermills_pattern_does_not(source: str, expected: list[Parameter]) -> None:
    assert infer_parameters(source) == expected


def test_a_value_over_several_lines_is_one_line_without_its_inner_comments() -> None:
    source = (
        "options = {\n"
        "    'mode': 'fast',  # how it runs\n"
        "    'sizes': [\n"
        "        1,\n"
        "        2,\n"
        "    ],\n"
        "}  # the options\n"
        "total = 1 + \\\n"
        "    2\n"
    )
    assert infer_parameters(source) == [
        # Trailing commas stay: in `a[1,]` one means something.
        Parameter("options", None, "{'mode': 'fast', 'sizes': [1, 2,],}", "the options"),
        Parameter("total", None, "1 + 2", ""),
    ]


@pytest.mark.parametrize(
    "source",
    [
        "a, b = 1, 2",
        "a = b = 3",
        "c += 1",
        "d: int",
        "obj.attr = 1",
        "items[0] = 1",
        "if True:\n    e = 5",
        "def f():\n    g = 1",
    ],
)
def test_only_a_top_level_assignment_to_one_name_is_a_parameter(source: str) -> None:
    assert infer_parameters(source) == []


def test_a_comment_belongs_to_the_last_statement_of_its_line() -> None:
    assert infer_parameters("a = 1; b = 2  # b's help") == [
        Parameter("a", None, "1", ""),
        Parameter("b", None, "2", "b's help"),
    ]


def test_ipython_syntax_in_the_cell_does_not_hide_the_parameters() -> None:
    source = "%matplotlib inline\nx = 1  # a number\n!echo hello\ny = 'two'\n"
    assert infer_parameters(source) == [Parameter("x", None, "1", "a number"), Parameter("y", None, "'two'", "")]


def test_a_cell_that_is_not_python_declares_nothing_and_says_why(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="slipway_worker"):
        assert infer_parameters("x = (1,\ny = 2") == []
    assert any("not valid Python" in r.getMessage() for r in caplog.records)


def test_inspect_answers_types_defaults_and_help(notebook_path: Callable[[str], str]) -> None:
    info = notebooks.inspect(notebook_path("typed"))
    assert info == {
        "hasParametersCell": True,
        "kernelName": "python3",
        "language": "python",
        "parameters": [
            {"name": "count", "type": "int", "source": "3", "default": 3, "help": "how many items"},
            {"name": "rate", "type": "float", "source": "0.5", "default": 0.5, "help": "a float"},
            {"name": "enabled", "type": "bool", "source": "True", "default": True, "help": ""},
            {"name": "label", "type": "str", "source": "'hello'", "default": "hello", "help": "some text"},
            {"name": "items", "type": "list", "source": "[1, 2, 3]", "default": [1, 2, 3], "help": ""},
            {"name": "options", "type": "dict", "source": "{'mode': 'fast'}", "default": {"mode": "fast"}, "help": ""},
        ],
    }


def test_inspect_prefers_the_annotation_and_leaves_out_defaults_that_are_not_json(
    notebook_path: Callable[[str], str],
) -> None:
    info = notebooks.inspect(notebook_path("inspect"))
    assert info["parameters"] == [
        {
            "name": "threshold",
            "type": "float",
            "source": "1",
            "default": 1,
            "help": "annotated float, written as an int",
        },
        # Not a literal: no default, the type unknown.
        {"name": "day", "type": "object", "source": "datetime.date(2024, 1, 1)", "help": "not a literal"},
        {"name": "nothing", "type": "NoneType", "source": "None", "default": None, "help": ""},
        # A tuple: a JSON list on the wire.
        {"name": "pair", "type": "tuple", "source": "(1, 2)", "default": (1, 2), "help": "a tuple"},
        {"name": "name", "type": "str", "source": '"O\'Brien"', "default": "O'Brien", "help": ""},
    ]


def test_inspect_without_a_parameters_cell(notebook_path: Callable[[str], str]) -> None:
    info = notebooks.inspect(notebook_path("no_parameters"))
    assert info["hasParametersCell"] is False
    assert info["parameters"] == []


def test_inspect_reads_no_parameters_from_another_languages_cell(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1  # valid Python, but R's cell", metadata={"tags": ["parameters"]})],
        metadata={"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}},
    )
    path = tmp_path / "r.ipynb"
    nbformat.write(nb, str(path))
    info = notebooks.inspect(str(path))
    assert info["hasParametersCell"] is True
    assert info["parameters"] == []
    assert (info["kernelName"], info["language"]) == ("ir", "R")
