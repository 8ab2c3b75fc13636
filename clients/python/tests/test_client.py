"""The client against a real gateway: publish from memory, predict with DataFrames, feedback, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import FIXTURES, Gateway
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from slipway import Client, InvalidInputError, NotFoundError, UnauthorizedError
from slipway.errors import GatewayUnreachableError


@pytest.fixture(scope="module")
def iris() -> tuple[pd.DataFrame, pd.Series[Any]]:
    data = load_iris(as_frame=True)
    frame: pd.DataFrame = data.frame
    features = frame.drop(columns=["target"])
    features.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    target = frame["target"].map(dict(enumerate(data.target_names)))
    return features, target


@pytest.fixture(scope="module")
def fitted(iris: tuple[pd.DataFrame, pd.Series[Any]]) -> LogisticRegression:
    features, target = iris
    return LogisticRegression(max_iter=500).fit(features, target)


def test_publishes_an_estimator_from_memory_and_predicts_a_dataframe(
    gateway: Gateway, iris: tuple[pd.DataFrame, pd.Series[Any]], fitted: LogisticRegression
) -> None:
    client = Client(gateway.url, gateway.admin_token)
    deployment = client.publish(fitted, name="iris-pickle")
    assert deployment["format"] == "pickle"
    assert deployment["invokeKey"].startswith("sk_")
    # Inputs by the DataFrame's column names (the model's feature_names_in_).
    assert [f["name"] for f in deployment["signature"]["inputs"]] == list(iris[0].columns)

    rows = iris[0].iloc[[0, 60, 120]]
    answer = client.predict("iris-pickle", rows)
    assert list(answer.index) == list(rows.index)
    assert list(answer["label"]) == list(fitted.predict(rows))
    assert answer["id"].str.fullmatch(r"[0-9a-f-]{36}(:\d+)?").all()
    probabilities = answer[[f"probabilities.{c}" for c in fitted.classes_]].to_numpy()
    assert probabilities == pytest.approx(fitted.predict_proba(rows), abs=1e-6)

    # The invoke key alone predicts, from a list of records and from one record.
    caller = Client(gateway.url, deployment["invokeKey"])
    one = caller.predict("iris-pickle", rows.iloc[0].to_dict())
    assert one["label"].tolist() == [fitted.predict(rows.iloc[[0]])[0]]

    accepted = caller.feedback("iris-pickle", answer["id"], iris[1].loc[rows.index])
    assert accepted["accepted"] == 3


def test_publishes_an_estimator_as_onnx(
    gateway: Gateway, iris: tuple[pd.DataFrame, pd.Series[Any]], fitted: LogisticRegression
) -> None:
    client = Client(gateway.url, gateway.admin_token)
    numeric = LogisticRegression(max_iter=500).fit(iris[0].to_numpy(), iris[0].index % 3)
    deployment = client.publish(numeric, name="iris-onnx", as_onnx=True)
    assert deployment["format"] == "onnx"
    assert [f["name"] for f in deployment["signature"]["inputs"]] == ["X"]
    rows = iris[0].iloc[[0, 1, 2]]
    # A DataFrame's rows become the one input X, in column order.
    answer = client.predict("iris-onnx", rows)
    assert list(answer["output_label"]) == list(numeric.predict(rows.to_numpy()))
    # Records in the deployment's own shape work as well.
    same = client.predict("iris-onnx", [{"X": list(r)} for r in rows.to_numpy()])
    assert list(same["output_label"]) == list(answer["output_label"])


def test_publishes_files_lists_deployments_and_runs(gateway: Gateway) -> None:
    client = Client(gateway.url, gateway.admin_token)
    churn = client.publish(FIXTURES / "pmml" / "s2p_logistic.pmml", name="churn", public=True)
    assert churn["format"] == "pmml"
    assert churn["public"] is True
    records = json.loads(Path(FIXTURES / "pmml" / "s2p_logistic.expected.json").read_text())["records"][:4]
    # A public deployment needs no token.
    answer = Client(gateway.url, "").predict("churn", records)
    assert list(answer.columns[:2]) == ["id", "outcome"]
    assert len(answer) == 4

    names = [d["name"] for d in client.deployments()]
    assert "churn" in names
    assert set(client.deployment("churn")["snippets"]) == {"curl", "python", "javascript"}
    runs = client.runs("churn")
    assert len(runs) >= 1
    assert {"id", "version", "status", "latencyMs"} <= set(runs.columns)
    assert client.openapi("churn")["openapi"] == "3.0.3"


def test_errors_carry_the_gateways_code_field_and_message(gateway: Gateway) -> None:
    client = Client(gateway.url, gateway.admin_token)
    client.publish(FIXTURES / "onnx" / "classifier_zipmap.onnx", name="iris-file")
    with pytest.raises(InvalidInputError) as bad:
        client.predict("iris-file", [{"X": [1.0, 2.0]}])
    assert bad.value.status == 400
    assert bad.value.code == "invalid_input"
    assert bad.value.field is not None
    assert "X" in bad.value.field
    assert "shape" in bad.value.message

    with pytest.raises(UnauthorizedError) as refused:
        Client(gateway.url, "sk_wrong").predict("iris-file", [{"X": [1.0, 2.0, 3.0, 4.0]}])
    assert refused.value.status == 401

    with pytest.raises(NotFoundError):
        client.deployment("no-such-model")

    with pytest.raises(InvalidInputError) as bad_name:
        client.publish(FIXTURES / "onnx" / "classifier_zipmap.onnx", name="Not A Name")
    assert bad_name.value.field == "name"

    with pytest.raises(GatewayUnreachableError):
        Client("http://127.0.0.1:9", "x").deployments()


def test_feedback_for_unknown_ids_raises_with_the_reason(gateway: Gateway) -> None:
    client = Client(gateway.url, gateway.admin_token)
    client.publish(FIXTURES / "onnx" / "classifier_zipmap.onnx", name="iris-feedback")
    with pytest.raises(NotFoundError) as unknown:
        client.feedback("iris-feedback", ["00000000-0000-4000-8000-000000000000"], [1])
    assert unknown.value.code == "feedback_rejected"
    with pytest.raises(ValueError, match="one actual per id"):
        client.feedback("iris-feedback", ["a", "b"], [1])


def test_publish_refuses_what_it_cannot_save() -> None:
    client = Client("http://127.0.0.1:9", "x")
    with pytest.raises(TypeError, match="cannot publish a dict"):
        client.publish({"not": "a model"}, name="x")
    with pytest.raises(ValueError, match="filename="):
        client.publish(b"bytes", name="x")


def test_the_readme_example_runs_as_written(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme[readme.index("**The Python client**") :]
    start = section.index("```python\n") + len("```python\n")
    code = section[start : section.index("```", start)]
    # As in the lab under npm start: the client's defaults name the gateway and its token.
    monkeypatch.setenv("SLIPWAY_URL", gateway.url)
    monkeypatch.setenv("SLIPWAY_TOKEN", gateway.admin_token)
    scope: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - the README's own example
    assert len(scope["answer"]) == 3
    assert scope["d"]["format"] == "pickle"
