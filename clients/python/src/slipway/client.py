"""``Client``: the Slipway gateway's management API and data plane from Python."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import requests

from .artifacts import artifact_of
from .errors import GatewayUnreachableError, SlipwayError, error_from_answer
from .frames import Records, jsonable, predictions_frame, records_of

DEFAULT_URL = "http://127.0.0.1:8787"


def _default_token() -> str | None:
    """``SLIPWAY_TOKEN``, else the file ``SLIPWAY_TOKEN_FILE`` names (``npm start`` sets it), else ``SLIPWAY_ADMIN_TOKEN``."""
    token = os.environ.get("SLIPWAY_TOKEN")
    if token:
        return token
    path = os.environ.get("SLIPWAY_TOKEN_FILE")
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return f.read().strip() or None
    return os.environ.get("SLIPWAY_ADMIN_TOKEN") or None


class Client:
    """
    A Slipway gateway at ``url`` (default ``$SLIPWAY_URL``, else ``http://127.0.0.1:8787``).

    ``token`` is the admin token (every call) or a deployment's invoke key (``predict``,
    ``feedback``, ``run`` of that deployment); default ``$SLIPWAY_TOKEN``, the file
    ``$SLIPWAY_TOKEN_FILE`` names, or ``$SLIPWAY_ADMIN_TOKEN``. Every failed call raises a
    :class:`~slipway.errors.SlipwayError` subclass carrying the gateway's code, field and message.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = 120.0,
        session: requests.Session | None = None,
    ) -> None:
        self.url = (url or os.environ.get("SLIPWAY_URL") or DEFAULT_URL).rstrip("/")
        self.token = token if token is not None else _default_token()
        self.timeout = timeout
        self._session = session or requests.Session()
        self._inputs: dict[str, list[str]] = {}

    # -- transport ---------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if "json_body" in kwargs:
            headers["Content-Type"] = "application/json"
            kwargs["data"] = json.dumps(jsonable(kwargs.pop("json_body")), allow_nan=False)
        try:
            res = self._session.request(method, self.url + path, headers=headers, timeout=self.timeout, **kwargs)
        except requests.ConnectionError as err:
            raise GatewayUnreachableError(
                0,
                "gateway_unreachable",
                f"no gateway at {self.url}: start it (npm start) or pass Client(url=...) ({err})",
            ) from err
        body: Any = None
        if res.content:
            try:
                body = res.json()
            except ValueError:
                body = None
        if res.status_code >= 400:
            raise error_from_answer(res.status_code, body, res.text)
        return body

    # -- management --------------------------------------------------------------------------

    def publish(
        self,
        model: Any,
        *,
        name: str,
        format: str | None = None,
        pool: str | None = None,
        config: Mapping[str, Any] | None = None,
        public: bool | None = None,
        as_onnx: bool = False,
        filename: str | None = None,
    ) -> dict[str, Any]:
        """
        Publishes ``model`` as deployment ``name`` (the same name again: its next version, made
        live) and answers the deployment, with ``invokeKey`` the first time. ``model`` is a file
        path, bytes (with ``filename``), an ONNX ``ModelProto``, or a fitted scikit-learn
        estimator: saved with joblib (the pickle format), or converted with skl2onnx when
        ``as_onnx`` is true — no file is written.
        """
        artifact = artifact_of(model, format=format, as_onnx=as_onnx, filename=filename)
        fields: dict[str, str] = {"name": name}
        if artifact.format:
            fields["format"] = artifact.format
        if pool:
            fields["pool"] = pool
        if config is not None:
            fields["config"] = json.dumps(config)
        if public is not None:
            fields["public"] = "true" if public else "false"
        answer: dict[str, Any] = self._request(
            "POST",
            "/api/deployments",
            data=fields,
            files={"file": (artifact.filename, artifact.data, "application/octet-stream")},
        )
        self._inputs.pop(name, None)
        return answer

    def deployments(self) -> list[dict[str, Any]]:
        """Every deployment, as ``GET /api/deployments`` answers them."""
        answer = self._request("GET", "/api/deployments")
        return list(answer["deployments"])

    def deployment(self, name: str) -> dict[str, Any]:
        """One deployment: live version, versions, signature, snippets."""
        answer: dict[str, Any] = self._request("GET", f"/api/deployments/{name}")
        return answer

    def delete(self, name: str) -> None:
        """Deletes the deployment and its versions."""
        self._request("DELETE", f"/api/deployments/{name}")

    def runs(self, name: str, limit: int = 50) -> pd.DataFrame:
        """
        The deployment's recent calls (for a notebook: its runs), newest first: id, version,
        time, status, latencyMs, input, output and error of each.
        """
        answer = self._request("GET", f"/api/deployments/{name}/invocations", params={"limit": limit})
        return pd.DataFrame(answer["invocations"])

    def run(self, name: str, run_id: str) -> dict[str, Any]:
        """One notebook run: status, parameters, outputs or error (an invoke key will do)."""
        answer: dict[str, Any] = self._request("GET", f"/fn/{name}/runs/{run_id}")
        return answer

    # -- data plane --------------------------------------------------------------------------

    def openapi(self, name: str) -> dict[str, Any]:
        """The deployment's own OpenAPI document (``GET /fn/:name/openapi.json``)."""
        answer: dict[str, Any] = self._request("GET", f"/fn/{name}/openapi.json")
        return answer

    def _input_names(self, name: str) -> list[str]:
        if name not in self._inputs:
            record = self.openapi(name).get("components", {}).get("schemas", {}).get("Record", {})
            self._inputs[name] = list(record.get("properties", {}))
        return self._inputs[name]

    def predict(self, name: str, records: Records) -> pd.DataFrame:
        """
        Predictions for ``records`` (a DataFrame, a list of records, or one record) as a
        DataFrame: ``id`` (for :meth:`feedback`), then the outputs. A DataFrame keeps its index.
        """
        inputs = self._input_names(name) if isinstance(records, pd.DataFrame) else None
        body = records_of(records, inputs)
        answer = self._request("POST", f"/fn/{name}", json_body=body)
        return predictions_frame(answer, records.index if isinstance(records, pd.DataFrame) else None)

    def invoke(self, name: str, body: Any) -> Any:
        """``POST /fn/:name`` with ``body`` as it is: a notebook's parameters, or records; the raw answer."""
        return self._request("POST", f"/fn/{name}", json_body=body)

    def feedback(self, name: str, ids: Iterable[str] | str, actuals: Iterable[Any] | Any) -> dict[str, Any]:
        """
        Ground truth for predictions: ``ids`` from :meth:`predict`'s ``id`` column, with the true
        values in the same order. Answers how many were accepted; raises when none was.
        """
        if isinstance(ids, str):
            id_list, actual_list = [ids], [actuals]
        else:
            id_list = list(ids)
            actual_list = list(actuals.tolist() if hasattr(actuals, "tolist") else actuals)
        if len(id_list) != len(actual_list):
            raise ValueError(f"{len(id_list)} ids but {len(actual_list)} actuals: give one actual per id")
        body = [{"id": i, "actual": a} for i, a in zip(id_list, actual_list, strict=True)]
        try:
            answer: dict[str, Any] = self._request("POST", f"/fn/{name}/feedback", json_body=body)
        except SlipwayError as err:
            # No label stored: the answer says why, item by item, rather than in an error.
            items = err.body.get("items") if isinstance(err.body, dict) else None
            if items and err.code.startswith("http_"):
                why = "; ".join(f"{i.get('id')}: {i.get('message') or i.get('status')}" for i in items[:5])
                raise type(err)(err.status, "feedback_rejected", why, "id", err.body) from None
            raise
        return answer
