"""Model files beyond scikit-learn's own pickles: how a file's flavour is told from its bytes,
what a publisher reads when a pickle cannot be loaded or was made by another scikit-learn, and
custom transformers saved with cloudpickle, against the fixtures of
gateway/test/fixtures/pickle/make_ecosystem.py. (XGBoost, LightGBM and statsmodels models need
their libraries, which the worker lacks: the gateway's pickle tests serve them with
config.requirements.)"""

from __future__ import annotations

import importlib.abc
import json
import math
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sklearn
from sklearn.exceptions import InconsistentVersionWarning

from slipway_worker.model_flavours import sniff
from slipway_worker.models import LoadedModel, load_file, load_notes, missing_attribute
from slipway_worker.protocol import WorkerError

ECOSYSTEM = Path(__file__).resolve().parents[3] / "test" / "fixtures" / "pickle" / "ecosystem"


def expected(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((ECOSYSTEM / f"{name}.expected.json").read_text())
    return found


def agrees(actual: Any, want: Any, tol: float) -> bool:
    if isinstance(want, float):
        return isinstance(actual, float) and math.isclose(actual, want, rel_tol=tol, abs_tol=0)
    if isinstance(want, dict):
        return (
            isinstance(actual, dict)
            and actual.keys() == want.keys()
            and all(agrees(actual[k], want[k], tol) for k in want)
        )
    return bool(actual == want)


@pytest.mark.parametrize(
    ("file", "flavour"),
    [
        ("xgb_regressor.model", "xgboost-json"),
        ("xgb_binary.model", "xgboost-json"),
        ("xgb_multiclass.ubj", "xgboost-ubj"),
        ("lgbm_binary.txt", "lightgbm-text"),
        ("lgbm_multiclass.txt", "lightgbm-text"),
        ("xgb_classifier.pkl", "pickle"),
        ("xgb_regressor.joblib", "pickle"),
        ("custom_transformer.cloudpickle.pkl", "pickle"),
    ],
)
def test_a_file_is_known_by_its_first_bytes(file: str, flavour: str) -> None:
    assert sniff((ECOSYSTEM / file).read_bytes()[:4096]) == flavour


def test_xgboost_json_is_known_however_it_is_indented() -> None:
    assert sniff(b'{\n  "learner": {\n') == "xgboost-json"


def test_json_that_is_no_xgboost_model_is_left_to_the_unpickler() -> None:
    assert sniff(b'{"cells": [], "nbformat": 4}') == "pickle"
    assert sniff(b"tree\n") == "pickle"


class _Lacking(importlib.abc.MetaPathFinder):
    """Makes the libraries a worker lacks absent whatever this environment has (the dev venv's
    oracle tools bring statsmodels, for one)."""

    LIBRARIES = ("xgboost", "lightgbm", "statsmodels")

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> None:
        if fullname.split(".")[0] in self.LIBRARIES:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


@pytest.fixture
def libraries_lacking(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in _Lacking.LIBRARIES:
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_Lacking(), *sys.meta_path])


@pytest.mark.parametrize(
    ("file", "words"),
    [
        ("xgb_classifier.pkl", "the Python module 'xgboost', which is not installed; list the package xgboost-cpu"),
        ("lgbm_regressor.joblib", "the Python module 'lightgbm', which is not installed; list the package lightgbm"),
        (
            "statsmodels_ols.pkl",
            "the Python module 'statsmodels', which is not installed; list the package statsmodels",
        ),
        ("xgb_multiclass.ubj", "the file is an XGBoost model (UBJSON), which needs the Python package xgboost-cpu"),
        ("xgb_regressor.model", "the file is an XGBoost model (JSON), which needs the Python package xgboost-cpu"),
        ("lgbm_binary.txt", "the file is a LightGBM model (text), which needs the Python package lightgbm"),
    ],
)
@pytest.mark.usefixtures("libraries_lacking")
def test_a_model_of_a_library_the_worker_lacks_names_the_package_to_list(file: str, words: str) -> None:
    # The worker's own environment has none of them: deployments bring them in config.requirements.
    with pytest.raises(WorkerError) as caught:
        load_file(str(ECOSYSTEM / file))
    assert caught.value.type == "InvalidModel"
    assert words in caught.value.message
    assert "config.requirements" in caught.value.message


def test_a_class_from_the_notebook_is_named_with_both_fixes() -> None:
    with pytest.raises(WorkerError) as caught:
        load_file(str(ECOSYSTEM / "needs_main_class.pkl"))
    assert caught.value.type == "InvalidModel"
    message = caught.value.message
    assert "Doubler" in message
    assert "__main__" in message
    assert "cloudpickle.dump" in message
    assert "config.requirements" in message
    assert "Can't get attribute" not in message


def test_a_module_the_worker_lacks_is_named_with_both_fixes() -> None:
    with pytest.raises(WorkerError) as caught:
        load_file(str(ECOSYSTEM / "needs_module.pkl"))
    message = caught.value.message
    assert "'my_transformers'" in message
    assert "cloudpickle.register_pickle_by_value(my_transformers)" in message
    assert "config.requirements" in message


def test_missing_attribute_reads_pickles_and_newer_pythons_words() -> None:
    old = missing_attribute("Can't get attribute 'Doubler' on <module '__main__' from '/x/ipykernel.py'>")
    new = missing_attribute("module '__main__' has no attribute 'Doubler'")
    assert old is not None
    assert old == new
    # How pickle names the running __main__ of `python -m slipway_worker`.
    assert missing_attribute("Can't get attribute 'Doubler' on <module 'slipway_worker.__main__' from '…'>") == old
    other = missing_attribute("Can't get attribute '_Loss' on <module 'sklearn._loss' from '…'>")
    assert other is not None
    assert "_Loss" in other
    assert "sklearn._loss" in other
    assert "pin" in other
    assert missing_attribute("'NoneType' object has no attribute 'x'") is None


def test_a_pickle_of_another_scikit_learn_loads_with_one_note_naming_both_versions_and_the_pin() -> None:
    e = expected("sklearn_1_5")
    model, notes = load_file(str(ECOSYSTEM / e["file"]))
    assert model is not None
    assert len(notes) == 1
    assert e["sklearn"] in notes[0]
    assert sklearn.__version__ in notes[0]
    assert f'config.requirements: ["scikit-learn=={e["sklearn"]}"]' in notes[0]


def test_load_notes_groups_version_warnings_and_keeps_other_user_warnings() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in ("StandardScaler", "LogisticRegression"):
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=name, current_sklearn_version="1.6.1", original_sklearn_version="1.4.0"
                ),
                stacklevel=1,
            )
        warnings.warn("something else", UserWarning, stacklevel=1)
        warnings.warn("not for the publisher", DeprecationWarning, stacklevel=1)
    notes = load_notes(caught)
    assert len(notes) == 2
    assert "something else" in notes
    version = next(n for n in notes if "1.4.0" in n)
    assert "(LogisticRegression, StandardScaler)" in version


@pytest.mark.parametrize("name", ["custom_transformer", "module_by_value", "sklearn_1_5"])
def test_cloudpickled_custom_transformers_answer_as_scikit_learn_did(name: str) -> None:
    e = expected(name)
    loaded = LoadedModel({"path": str(ECOSYSTEM / e["file"]), "signature": e["config"].get("signature")})
    answers = loaded.predict(e["records"])
    assert len(answers) == len(e["predictions"])
    for got, want in zip(answers, e["predictions"], strict=True):
        assert agrees(got, want, e["tolerance"]), (got, want)
