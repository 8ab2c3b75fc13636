"""Models that are not scikit-learn estimators, made to look like one for the model worker.

A pickle deployment's file is read by its content, not its name:
- a pickle, joblib or cloudpickle file is unpickled (models.load_file);
- an XGBoost model file, JSON or UBJSON (`booster.save_model("m.json")` / `"m.ubj"`), is
  loaded as an `xgboost.Booster`;
- a LightGBM text model file (`booster.save_model("m.txt")`) as a `lightgbm.Booster`.

Boosters (loaded from their own format, or pickled) and statsmodels results objects are then
wrapped in adapters that give them what the worker reads off a scikit-learn estimator:
`feature_names_in_` or `n_features_in_`, `_estimator_type`, `classes_` and `predict_proba`
for classifiers, `predict`. A Booster answers what its `predict` answers; when its objective
is a classifier's (XGBoost `binary:logistic`, `multi:softprob`, `multi:softmax`, `binary:hinge`;
LightGBM `binary`, `multiclass`, `multiclassova`) it answers a `label` (class index, as
XGBoost's and LightGBM's scikit-learn classes do) and, when it gives probabilities, those.
XGBoost, LightGBM and statsmodels are imported only when such a model is loaded: a deployment
lists them in `config.requirements`.
"""

from __future__ import annotations

import ast
import json
from typing import Any

import numpy as np
import numpy.typing as npt

from .protocol import WorkerError

HEAD_BYTES = 4096

PIP_NAMES = {
    "xgboost": "xgboost-cpu (or xgboost, which also installs NVIDIA libraries)",
    "lightgbm": "lightgbm",
    "statsmodels": "statsmodels",
    "sklearn": "scikit-learn",
    "patsy": "patsy",
}


def sniff(head: bytes) -> str:
    """The flavour of a model file from its first bytes: `xgboost-json`, `xgboost-ubj`,
    `lightgbm-text`, or `pickle` (anything else: joblib.load tells what it is not)."""
    if head.startswith(b"tree\n") and b"\nversion=" in head[:64]:
        return "lightgbm-text"
    if head[:1] == b"{":
        text = head.lstrip(b"{ \t\r\n")
        if text.startswith(b'"learner"'):
            return "xgboost-json"
        # UBJSON: `{`, then the first key's length (a type marker and an integer), then the key.
        if b"learner" in head[:32] and head[1:2] in (b"i", b"U", b"I", b"l", b"L"):
            return "xgboost-ubj"
    return "pickle"


def load_native(path: str, flavour: str) -> Any:
    """Loads an XGBoost or LightGBM model file into its library's Booster."""
    library = "xgboost" if flavour.startswith("xgboost") else "lightgbm"
    try:
        if library == "xgboost":
            import xgboost

            # From memory: XGBoost reads a file's format off its extension, and the gateway
            # stores artifacts without one; a buffer's format it reads off its content.
            booster = xgboost.Booster()
            with open(path, "rb") as f:
                booster.load_model(bytearray(f.read()))
            return booster
        import lightgbm

        return lightgbm.Booster(model_file=path)
    except ModuleNotFoundError as exc:
        if exc.name != library:
            raise
        raise WorkerError(
            "InvalidModel",
            f"the file is {describe_flavour(flavour)}, which needs the Python package {PIP_NAMES[library]}; "
            f"list it in config.requirements with the version that saved the file, "
            f'e.g. ["{_example_pin(library)}"]',
        ) from None
    except Exception as exc:  # noqa: BLE001 - the library refused its own format: a bad file
        raise WorkerError(
            "InvalidModel", f"the file looks like {describe_flavour(flavour)} but {library} cannot load it: {exc}"
        ) from None


def describe_flavour(flavour: str) -> str:
    return {
        "xgboost-json": "an XGBoost model (JSON)",
        "xgboost-ubj": "an XGBoost model (UBJSON)",
        "lightgbm-text": "a LightGBM model (text)",
    }.get(flavour, "a pickle")


def _example_pin(library: str) -> str:
    return {"xgboost": "xgboost-cpu==3.2.0", "lightgbm": "lightgbm==4.7.0"}.get(library, library)


def adapt(model: Any) -> Any:
    """The object the worker serves for `model`: an adapter for Boosters and statsmodels
    results, the model itself otherwise."""
    module = type(model).__module__ or ""
    name = type(model).__name__
    if module.startswith("xgboost") and name == "Booster":
        return XGBoostBooster(model)
    if module.startswith("lightgbm") and name == "Booster":
        return LightGBMBooster(model)
    if module.startswith("statsmodels") and hasattr(model, "params") and hasattr(model, "model"):
        return StatsmodelsResults(model)
    return model


class BoosterAdapter:
    """What XGBoost's and LightGBM's Boosters have in common once wrapped."""

    _estimator_type = "regressor"
    n_outputs_ = 1

    def __init__(self, names: list[str] | None, n_features: int, objective: str, n_classes: int) -> None:
        self.objective = objective
        if names:
            self.feature_names_in_ = np.array(names, dtype=object)
        self.n_features_in_ = n_features
        if n_classes:
            self._estimator_type = "classifier"
            self.classes_ = np.arange(max(n_classes, 2))

    def raw(self, data: Any) -> npt.NDArray[Any]:
        raise NotImplementedError

    def proba(self, data: Any) -> npt.NDArray[Any]:
        """Class probabilities, one column per class."""
        # In the booster's own precision (XGBoost's float32), as its scikit-learn class does.
        out = np.asarray(self.raw(data))
        return np.column_stack([1 - out, out]) if out.ndim == 1 else out

    def labels_and_proba(self, data: Any) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
        """The class indices and probabilities from one prediction."""
        proba = self.proba(data)
        return np.asarray(proba.argmax(axis=1), dtype=np.int64), proba

    def predict(self, data: Any) -> npt.NDArray[Any]:
        if self._estimator_type != "classifier":
            return np.asarray(self.raw(data))
        if not hasattr(self, "predict_proba"):
            return np.asarray(self.raw(data)).astype(np.int64)
        return np.asarray(self.proba(data).argmax(axis=1), dtype=np.int64)


class XGBoostBooster(BoosterAdapter):
    """An `xgboost.Booster`; its config names the objective and the number of classes."""

    def __init__(self, booster: Any) -> None:
        self.booster = booster
        learner = json.loads(booster.save_config())["learner"]
        objective = str(learner["objective"]["name"])
        n_classes = int(learner["learner_model_param"].get("num_class", "0") or 0)
        n_targets = int(learner["learner_model_param"].get("num_target", "1") or 1)
        if "c" in (booster.feature_types or []):
            raise WorkerError(
                "InvalidModel",
                "the XGBoost model has categorical features, which a model file does not say how to encode; "
                "publish the pickled XGBClassifier/XGBRegressor (or its pipeline) instead",
            )
        classes = {"binary:logistic": 2, "binary:hinge": 2, "multi:softprob": n_classes, "multi:softmax": n_classes}
        super().__init__(booster.feature_names, booster.num_features(), objective, classes.get(objective, 0))
        if objective in ("binary:logistic", "multi:softprob"):
            self.predict_proba = self.proba
        if n_targets > 1:
            self.n_outputs_ = n_targets

    def raw(self, data: Any) -> npt.NDArray[Any]:
        import xgboost

        return np.asarray(self.booster.predict(xgboost.DMatrix(data, missing=np.nan)))


class LightGBMBooster(BoosterAdapter):
    """A `lightgbm.Booster`; the model text's header names the objective and classes."""

    def __init__(self, booster: Any) -> None:
        self.booster = booster
        header = _lightgbm_header(booster.model_to_string(num_iteration=0))
        objective = header.get("objective", "regression").split(" ")[0]
        n_classes = int(header.get("num_class", "1"))
        classes = {"binary": 2, "multiclass": n_classes, "multiclassova": n_classes}
        names = [str(n) for n in booster.feature_name()]
        # Fitted on an array, LightGBM names the columns Column_0, Column_1, …: no names.
        unnamed = names == [f"Column_{i}" for i in range(len(names))]
        super().__init__(None if unnamed else names, booster.num_feature(), objective, classes.get(objective, 0))
        if objective in classes:
            self.predict_proba = self.proba

    def raw(self, data: Any) -> npt.NDArray[Any]:
        values = data.to_numpy(dtype=np.float64) if hasattr(data, "to_numpy") else np.asarray(data, dtype=np.float64)
        return np.asarray(self.booster.predict(values))


def _lightgbm_header(text: str) -> dict[str, str]:
    header: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("Tree="):
            break
        key, sep, value = line.partition("=")
        if sep:
            header[key] = value
    return header


# Names a patsy formula may use that are not the data's columns.
FORMULA_NAMES = frozenset(
    {"np", "numpy", "C", "I", "Q", "center", "standardize", "scale", "bs", "cr", "cc", "te", "Treatment", "Sum"}
    | {"Poly", "Diff", "Helmert", "T", "log", "exp", "sqrt", "True", "False", "None"}
)


class StatsmodelsResults:
    """A fitted statsmodels results object (OLS, Logit, GLM, …): `predict` answers what
    `results.predict` does (for Logit, the probability of 1).

    Fitted with a formula (`smf.ols("y ~ x + C(city)", data)`), it takes the data's columns the
    formula reads, and patsy builds the design matrix as in fitting. Fitted on arrays
    (`sm.OLS(y, sm.add_constant(X))`), it takes one input per exog column but the constant,
    which it adds itself."""

    _estimator_type = "regressor"
    n_outputs_ = 1

    def __init__(self, results: Any) -> None:
        self.results = results
        model = results.model
        data = getattr(model, "data", None)
        # patsy's DesignInfo: `design_info` up to statsmodels 0.14, `model_spec` from 0.15.
        self.design = getattr(data, "design_info", None) or getattr(data, "model_spec", None)
        self.const: int | None = None
        if getattr(model, "formula", None) is not None:
            if not hasattr(self.design, "factor_infos"):
                raise WorkerError(
                    "InvalidSignature",
                    "cannot tell which columns this statsmodels formula reads (not a patsy formula); declare config.signature.inputs",
                )
            names, self.facts = _formula_inputs(self.design)
        else:
            names = _exog_names(results)
            const = getattr(getattr(model, "data", None), "const_idx", None)
            if const is None and "const" in names:
                const = names.index("const")
            if getattr(model, "k_constant", 0) and const is not None:
                self.const = int(const)
                del names[self.const]
            self.facts = {}
        self.feature_names_in_ = np.array(names, dtype=object)

    def column_facts(self) -> dict[str, Any]:
        """name -> {type, values} for the columns a formula reads as categories: patsy refuses
        a level it did not see in fitting, so the gateway refuses it first (400)."""
        out: dict[str, Any] = {}
        for name, categories in self.facts.items():
            if all(isinstance(c, str) for c in categories):
                out[name] = {"type": "string", "values": list(categories)}
        return out

    def predict(self, data: Any) -> npt.NDArray[Any]:
        if self.design is not None:
            out = self.results.predict(data)
        else:
            exog = data.to_numpy(dtype=np.float64)
            if self.const is not None:
                exog = np.insert(exog, self.const, 1.0, axis=1)
            out = self.results.predict(exog)
        values = np.asarray(out, dtype=np.float64)
        if len(values) != len(data):
            raise WorkerError(
                "PredictionFailed",
                "statsmodels dropped records with missing values (patsy leaves such rows out); send every input",
            )
        return values


def _exog_names(results: Any) -> list[str]:
    """The exog columns' names: the params' index when fitted on a DataFrame (it survives
    `remove_data()`), else the model's names, else x1, x2, … as statsmodels calls them."""
    index = getattr(results.params, "index", None)
    if index is not None and all(isinstance(n, str) for n in index):
        return [str(n) for n in index]
    names = getattr(results.model, "exog_names", None)
    if names:
        return [str(n) for n in names]
    # `remove_data()` leaves the params of a model fitted on a DataFrame keyed 0, 1, ….
    return [f"x{i + 1}" for i in range(len(results.params))]


def _formula_inputs(design: Any) -> tuple[list[str], dict[str, Any]]:
    """The data columns a patsy design reads, in order, and for a column that is a
    categorical factor on its own, its categories."""
    names: list[str] = []
    facts: dict[str, Any] = {}
    for factor, info in design.factor_infos.items():
        used = _variables(str(factor.code))
        for n in used:
            if n not in names:
                names.append(n)
        if len(used) == 1 and info.type == "categorical":
            facts[used[0]] = [c.item() if isinstance(c, np.generic) else c for c in info.categories]
    return names, facts


def _variables(code: str) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(code.strip(), mode="eval")):
        if isinstance(node, ast.Name) and node.id not in FORMULA_NAMES and node.id not in found:
            found.append(node.id)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "Q"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(node.args[0].value)
    return found
