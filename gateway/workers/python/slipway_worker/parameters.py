"""The parameters a notebook declares in its cell tagged `parameters`.

What papermill's `inspect_notebook` reports, read with Python's own parser and tokenizer rather
than papermill's private `_infer_parameters` (a regular expression over lines): each top-level
`name = value` or `name: annotation = value`, with

- the annotation, else the type of a `# type: T` comment, as the inferred type (None if neither);
- the value's source text as the default (a value over several lines on one line, without the
  comments inside it);
- the rest of the comment at the end of its line as the help.

On the usual parameters cell this gives what papermill gives (tests/test_parameters.py compares
the two on the gateway's fixture notebooks). It differs where papermill's pattern misreads a
line: `#` or `=` inside a string, a call with keyword arguments, an annotation such as
`int | None`, an import or another statement among the assignments, and assignments nested in a
block (papermill lists them; they are not parameters, since the injected cell sets names at the
top level).
"""

from __future__ import annotations

import ast
import io
import logging
import tokenize
from dataclasses import dataclass

log = logging.getLogger(__name__)

_OPENING = ("(", "[", "{")
_CLOSING = (")", "]", "}")
_SKIPPED_TOKENS = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)


@dataclass(frozen=True)
class Parameter:
    """One assignment of the parameters cell."""

    name: str
    annotation: str | None
    """The annotation's text (quotes of a string annotation removed), else the type of a
    `# type:` comment; papermill's `inferred_type_name`, which says "None" where this is None."""
    source: str
    """The value's source text: papermill's `default`."""
    help: str


def infer_parameters(source: str) -> list[Parameter]:
    """The parameters assigned at the top level of a (Python) parameters cell, in order. A cell
    that is not Python, even with IPython's magics turned into calls, declares none."""
    code = _as_python(source)
    if code is None:
        return []
    tree, text = code
    comments = _comments_by_line(text)
    found = []
    for index, node in enumerate(tree.body):
        target, annotation, value = _assignment(node)
        if target is None or value is None:
            continue
        # A comment belongs to the last statement on its line (`a = 1; b = 2  # b's help`).
        following = tree.body[index + 1] if index + 1 < len(tree.body) else None
        shares_line = following is not None and following.lineno == node.end_lineno
        type_comment, help_text = _split_comment("" if shares_line else comments.get(node.end_lineno or 0, ""))
        found.append(
            Parameter(
                name=target,
                annotation=_annotation_text(text, annotation) or type_comment,
                source=_one_line(ast.get_source_segment(text, value) or ""),
                help=help_text,
            )
        )
    return found


def _as_python(source: str) -> tuple[ast.Module, str] | None:
    """The cell parsed, with the text the tree's positions refer to; IPython's syntax (magics,
    `!shell`) is first turned into Python the way IPython itself does before it runs a cell."""
    try:
        return ast.parse(source), source
    except (SyntaxError, ValueError):
        pass
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - ipykernel brings IPython
        log.warning("the parameters cell is not plain Python, and IPython is missing to read it")
        return None
    try:
        text = TransformerManager().transform_cell(source)
        return ast.parse(text), text
    except (SyntaxError, ValueError) as exc:
        log.warning("the parameters cell is not valid Python, so it declares no parameters: %s", exc)
        return None


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None, ast.expr | None]:
    """(name, annotation, value) of `name = value` or `name: annotation = value`, else Nones:
    several targets, unpacking, attributes, augmented assignments and bare annotations are
    not parameters."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, None, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.annotation, node.value
    return None, None, None


def _annotation_text(text: str, annotation: ast.expr | None) -> str | None:
    if annotation is None:
        return None
    # `x: "int" = 1` (a forward reference) is the type int, as papermill reads it.
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return annotation.value.strip() or None
    return _one_line(ast.get_source_segment(text, annotation) or "") or None


def _comments_by_line(text: str) -> dict[int, str]:
    """Line number → the text of the comment ending that line, without its `#`."""
    comments = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.string[1:].strip()
    except (tokenize.TokenError, SyntaxError):  # pragma: no cover - the text parsed already
        pass
    return comments


def _split_comment(comment: str) -> tuple[str | None, str]:
    """`type: int  the help` → ("int", "the help"); anything else is all help."""
    if not comment.startswith("type:"):
        return None, comment
    declared, _, rest = comment[len("type:") :].strip().partition(" ")
    return declared or None, rest.strip()


def _one_line(segment: str) -> str:
    """An expression's source on one line: tokens on one line keep their spacing, a line break
    becomes one space (none just inside brackets), and comments inside it go."""
    if "\n" not in segment:
        return segment.strip()
    try:
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(segment).readline)
            if t.type not in _SKIPPED_TOKENS and t.type != tokenize.ENDMARKER
        ]
    except (tokenize.TokenError, SyntaxError):  # pragma: no cover - the segment parsed already
        return " ".join(line.strip() for line in segment.splitlines())
    lines = segment.splitlines()
    out: list[str] = []
    previous: tokenize.TokenInfo | None = None
    for token in tokens:
        if previous is not None:
            (row, col), (last_row, last_col) = token.start, previous.end
            if row == last_row:
                out.append(lines[row - 1][last_col:col])
            elif previous.string not in _OPENING and token.string not in _CLOSING:
                out.append(" ")
        out.append(token.string)
        previous = token
    return "".join(out)
