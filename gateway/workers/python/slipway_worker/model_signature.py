"""What a pickled model takes and answers, read off the fitted estimator.

Inputs, in this order of preference:
1. `config.signature.inputs`, when the publisher declared them (required with a preprocess
   snippet, whose input only the publisher knows);
2. `feature_names_in_` (a model fitted on a DataFrame): one field per column, `string` for
   the columns a OneHotEncoder / OrdinalEncoder encodes (with their categories as allowed
   values when the encoder refuses unknown ones, and optional when missing values are imputed
   or encoded), `float64` for the rest (`null` is a missing value);
3. `n_features_in_` (fitted on an array): one field `features`, `float64` of shape [n].

Outputs: a classifier answers `label` (one of `classes_`) and, when it has `predict_proba`,
`probabilities` keyed by class label; a regressor `prediction`; a clusterer `cluster`; a
predict snippet `prediction` (any JSON) unless `config.signature.outputs` declares them.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

from .protocol import JsonObject, WorkerError

ENCODERS = ("OneHotEncoder", "OrdinalEncoder")


def describe(model: Any, explicit: JsonObject | None, has_preprocess: bool, has_predict: bool) -> JsonObject:
    """What the model takes (`inputs`, `layout`) and answers (`kind`, `outputs`, …), with
    `warnings` for the publisher."""
    warnings: list[str] = []
    explicit = explicit or {}
    if explicit.get("inputs"):
        inputs = explicit["inputs"]
    elif has_preprocess:
        raise WorkerError(
            "InvalidSignature", "a preprocess snippet needs its inputs declared in config.signature.inputs"
        )
    else:
        inputs, note = infer_inputs(model)
        if note:
            warnings.append(note)
    if has_preprocess:
        layout = "records"
    elif len(inputs) == 1 and len(inputs[0].get("shape") or []) == 1 and inputs[0]["type"] != "json":
        layout = "array"
    else:
        layout = "columns"
    info: JsonObject = {
        "inputs": inputs,
        "layout": layout,
        "warnings": warnings,
        "probabilities": False,
        "classKeys": None,
    }
    if has_predict:
        info["kind"] = "custom"
        info["declaredOutputs"] = bool(explicit.get("outputs"))
        info["outputs"] = explicit.get("outputs") or [{"name": "prediction", "type": "json"}]
        return info
    info.update(infer_outputs(model))
    info["declaredOutputs"] = False
    if explicit.get("outputs"):
        warnings.append(
            "config.signature.outputs is only used with a predict snippet; the model's own outputs are served"
        )
    return info


def infer_inputs(model: Any) -> tuple[list[JsonObject], str | None]:
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        columns = column_facts(model)
        return [field_for(str(name), columns.get(str(name))) for name in names], None
    n = getattr(model, "n_features_in_", None)
    if n is not None:
        note = (
            f"the model was fitted without column names, so it takes one input `features`: a list of "
            f"{int(n)} numbers in the training columns' order (fit it on a DataFrame, or declare config.signature, for named inputs)"
        )
        return [{"name": "features", "type": "float64", "shape": [int(n)]}], note
    raise WorkerError(
        "InvalidSignature",
        f"cannot tell what a {type(model).__name__} takes (no feature_names_in_ or n_features_in_); declare config.signature.inputs",
    )


def field_for(name: str, facts: JsonObject | None) -> JsonObject:
    if facts is None:
        return {"name": name, "type": "float64", "shape": []}
    field: JsonObject = {"name": name, "type": facts["type"], "shape": []}
    if facts.get("values"):
        field["values"] = facts["values"]
    if facts.get("optional"):
        field["required"] = False
    return field


def first_step(model: Any) -> Any:
    """The estimator that reads the columns by name: the first step of (nested) pipelines,
    past FunctionTransformers (they usually rework values, not which columns there are)."""
    while hasattr(model, "steps"):
        steps = [s for _, s in model.steps]
        model = next((s for s in steps if type(s).__name__ != "FunctionTransformer"), steps[0])
    return model


def column_facts(model: Any) -> dict[str, JsonObject]:
    """name -> {type, values?, optional?} for the columns an encoder handles."""
    if callable(getattr(model, "column_facts", None)):
        # An adapter (model_flavours) that knows its own columns.
        own: dict[str, JsonObject] = model.column_facts()
        return own
    first = first_step(model)
    names = [str(n) for n in getattr(model, "feature_names_in_", [])]
    facts: dict[str, JsonObject] = {}
    if type(first).__name__ == "ColumnTransformer":
        indices = getattr(first, "_transformer_to_input_indices", {})
        for name, transformer, _ in getattr(first, "transformers_", []):
            columns = [names[i] for i in indices.get(name, []) if i < len(names)]
            facts.update(encoded_columns(transformer, columns))
    else:
        facts.update(encoded_columns(first, names))
    return facts


def encoded_columns(transformer: Any, columns: list[str]) -> dict[str, JsonObject]:
    steps = [s for _, s in transformer.steps] if hasattr(transformer, "steps") else [transformer]
    imputed = False
    for step in steps:
        kind = type(step).__name__
        if kind == "SimpleImputer":
            imputed = True
        if kind in ENCODERS:
            categories = getattr(step, "categories_", None)
            if categories is None or len(categories) != len(columns):
                return {}
            refuses_unknown = getattr(step, "handle_unknown", "error") == "error"
            return {
                c: category_facts(cats, refuses_unknown, imputed) for c, cats in zip(columns, categories, strict=True)
            }
        if not hasattr(step, "transform") or kind not in ("SimpleImputer", "FunctionTransformer"):
            # Anything else before the encoder changes the values: say nothing of them.
            return {}
    return {}


def category_facts(categories: Any, refuses_unknown: bool, imputed: bool) -> JsonObject:
    known = [c for c in categories.tolist() if not _is_missing(c)]
    has_missing = len(known) < len(categories)
    if all(isinstance(c, str) for c in known):
        facts: JsonObject = {"type": "string", "optional": imputed or has_missing}
    elif all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in known):
        facts = {"type": "float64"}
    else:
        return {"type": "json"}
    if refuses_unknown and known:
        facts["values"] = known
    return facts


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def estimator_kind(model: Any) -> str:
    from sklearn import base

    for kind, test in (("classifier", "is_classifier"), ("regressor", "is_regressor"), ("cluster", "is_clusterer")):
        fn = getattr(base, test, None)
        # A custom object may not support the tags.
        with contextlib.suppress(Exception):
            if fn is not None and fn(model):
                return kind
    declared = getattr(model, "_estimator_type", None)
    return {"classifier": "classifier", "regressor": "regressor", "clusterer": "cluster"}.get(str(declared), "other")


def final_step(model: Any) -> Any:
    while hasattr(model, "steps"):
        model = model.steps[-1][1]
    return model


def infer_outputs(model: Any) -> JsonObject:
    kind = estimator_kind(model)
    if kind == "classifier" and getattr(model, "classes_", None) is not None:
        classes = model.classes_
        label_type = {"i": "int64", "u": "int64", "f": "float64", "b": "bool"}.get(classes.dtype.kind, "string")
        values = [to_label(c) for c in classes.tolist()]
        if label_type == "string" and not all(isinstance(v, str) for v in values):
            label_type = "json"
        outputs = [{"name": "label", "type": label_type, "shape": [], "values": values}]
        has_proba = hasattr(model, "predict_proba")
        if has_proba:
            outputs.append({"name": "probabilities", "type": "float64", "shape": [len(values)], "values": values})
        keys = [label_key(v) for v in values]
        return {"kind": kind, "outputs": outputs, "probabilities": has_proba, "classKeys": keys}
    if kind == "cluster":
        return {"kind": kind, "outputs": [{"name": "cluster", "type": "int64", "shape": []}]}
    if kind == "regressor":
        n = getattr(final_step(model), "n_outputs_", 1)
        shape = [int(n)] if isinstance(n, int) and n > 1 else []
        return {"kind": kind, "outputs": [{"name": "prediction", "type": "float64", "shape": shape}]}
    return {"kind": "other", "outputs": [{"name": "prediction", "type": "json"}]}


def to_label(c: Any) -> Any:
    return c.item() if hasattr(c, "item") else c


def label_key(v: Any) -> str:
    """A class label as the gateway's JSON keys spell it (as JavaScript's String() does)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
