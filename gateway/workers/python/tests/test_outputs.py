"""What a run answers: each output of the cells tagged `output` as a JSON value."""

from __future__ import annotations

import base64
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from slipway_worker.kernel_values import VALUE_MIME
from slipway_worker.outputs import collect_outputs, output_cell_indexes, value_of


def display(data: dict[str, Any]) -> dict[str, Any]:
    return {"output_type": "display_data", "data": data, "metadata": {}}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"application/json": {"a": [1, 2]}, "text/plain": "{'a': [1, 2]}"}, {"a": [1, 2]}),
        # Stored as text by some writers: decoded.
        ({"application/json": '{"a": 1}'}, {"a": 1}),
        ({"application/vnd.vega.v5+json": {"mark": "bar"}, "text/plain": "<Vega>"}, {"mark": "bar"}),
        ({"application/json": [1, 2], "image/png": "iVBORw0KGgo="}, [1, 2]),
    ],
)
def test_json_is_answered_as_json(data: dict[str, Any], expected: Any) -> None:
    assert value_of(display(data)) == expected


def test_a_binary_image_is_a_data_url_without_the_line_breaks_of_its_base64() -> None:
    output = display({"image/png": "iVBORw0K\nGgoAAAAN\n", "text/plain": "<Figure>"})
    assert value_of(output) == "data:image/png;base64,iVBORw0KGgoAAAAN"
    assert value_of(display({"image/jpeg": ["/9j/", "4AAQ"]})) == "data:image/jpeg;base64,/9j/4AAQ"


def test_an_svg_image_is_base64_encoded_into_its_data_url() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg"/>'
    url = value_of(display({"image/svg+xml": [svg[:10], svg[10:]], "text/plain": "<SVG>"}))
    assert url == f"data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}"


def test_text_plain_is_the_text_else_markdown_html_or_latex() -> None:
    result = {"output_type": "execute_result", "data": {"text/plain": ["'a'\n", "'b'"]}, "metadata": {}}
    assert value_of(result) == "'a'\n'b'"
    assert value_of(display({"text/html": "<b>hi</b>"})) == "<b>hi</b>"
    assert value_of(display({"text/markdown": "# hi", "text/html": "<h1>hi</h1>"})) == "# hi"
    assert value_of(display({"application/pdf": "JVBERi0="})) is None


def test_stdout_is_text_and_stderr_is_not_an_output() -> None:
    assert value_of({"output_type": "stream", "name": "stdout", "text": ["one\n", "two\n"]}) == "one\ntwo\n"
    assert value_of({"output_type": "stream", "name": "stderr", "text": "a warning\n"}) is None


def test_an_error_is_not_an_output() -> None:
    error = {"output_type": "error", "ename": "ValueError", "evalue": "bad", "traceback": ["..."]}
    assert value_of(error) is None


def notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb: nbformat.NotebookNode = new_notebook(cells=list(cells))
    return nb


def code(
    *outputs: nbformat.NotebookNode, tags: tuple[str, ...] = (), source: str = "...", ran: bool = True
) -> nbformat.NotebookNode:
    """A code cell with these outputs; `ran`: it has an execution count."""
    cell: nbformat.NotebookNode = new_code_cell(source, outputs=list(outputs), execution_count=1 if ran else None)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def text(value: str) -> nbformat.NotebookNode:
    output: nbformat.NotebookNode = new_output("execute_result", data={"text/plain": value}, execution_count=1)
    return output


def test_the_outputs_of_the_tagged_cells_in_order() -> None:
    nb = notebook(
        code(text("first"), tags=("output",)),
        code(text("not tagged")),
        code(
            new_output("stream", name="stdout", text="printed\n"),
            new_output("stream", name="stderr", text="logged\n"),
            new_output("display_data", data={"application/json": {"n": 2}}),
            tags=("output", "other"),
        ),
    )
    assert collect_outputs(nb) == ["first", "printed\n", {"n": 2}]


def test_without_a_tagged_cell_the_outputs_of_the_last_code_cell() -> None:
    nb = notebook(code(text("early")), code(text("last")), nbformat.v4.new_markdown_cell("the end"))
    assert collect_outputs(nb) == ["last"]
    assert collect_outputs(notebook()) == []


def test_a_blank_last_cell_is_not_the_last_code_cell() -> None:
    nb = notebook(code(text("last")), code(source="  \n", ran=False), code(source="", ran=False))
    assert output_cell_indexes(nb) == [0]
    assert collect_outputs(nb) == ["last"]


def test_a_run_that_ended_early_answers_the_last_cell_that_ran() -> None:
    # sys.exit() in the second cell: the third never ran.
    nb = notebook(code(text("first")), code(new_output("stream", name="stdout", text="so far\n")), code(ran=False))
    assert output_cell_indexes(nb) == [2]
    assert collect_outputs(nb) == ["so far\n"]
    # A tagged cell is answered whether it ran or not.
    nb = notebook(code(text("first")), code(ran=False, tags=("output",)))
    assert collect_outputs(nb) == []


def test_what_a_cell_printed_in_pieces_is_one_text() -> None:
    stdout = [new_output("stream", name="stdout", text=f"line {i}\n") for i in range(3)]
    stderr = new_output("stream", name="stderr", text="a warning\n")
    nb = notebook(code(stdout[0], stderr, stdout[1], text("a value"), stdout[2], tags=("output",)))
    assert collect_outputs(nb) == ["line 0\nline 1\n", "a value", "line 2\n"]


def test_a_failed_cells_traceback_is_not_among_its_outputs() -> None:
    failed = code(
        new_output("stream", name="stdout", text="before\n"),
        new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=["..."]),
        tags=("output",),
    )
    assert collect_outputs(notebook(failed)) == ["before\n"]


def test_a_results_json_value_comes_first_and_is_never_decoded_again() -> None:
    # What a kernel's value formatter (kernel_values) adds beside the repr.
    assert value_of(display({"text/plain": "'a \"b\"'", VALUE_MIME: 'a "b"'})) == 'a "b"'
    assert value_of(display({"application/json": {"other": 1}, VALUE_MIME: [1, None]})) == [1, None]
    assert value_of(display({"text/plain": "0", VALUE_MIME: 0})) == 0
