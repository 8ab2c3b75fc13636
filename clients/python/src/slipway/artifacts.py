"""What ``Client.publish`` uploads: a file's bytes, or a model in memory saved without a file."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Artifact:
    """The bytes to upload, the file name the gateway sees, and the format (None: detected)."""

    data: bytes
    filename: str
    format: str | None


def _is_onnx_model(obj: Any) -> bool:
    return hasattr(obj, "SerializeToString") and hasattr(obj, "graph")


def _is_estimator(obj: Any) -> bool:
    return hasattr(obj, "fit") and (hasattr(obj, "predict") or hasattr(obj, "transform"))


def _to_onnx(estimator: Any) -> bytes:
    """skl2onnx's conversion with one float input ``X`` of the estimator's features."""
    try:
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import FloatTensorType
    except ImportError as err:
        raise ImportError("as_onnx=True needs skl2onnx: pip install 'slipway[onnx]'") from err
    n = getattr(estimator, "n_features_in_", None)
    if not isinstance(n, int):
        raise ValueError("as_onnx=True needs a fitted estimator (it has no n_features_in_): call fit first")
    model = convert_sklearn(estimator, initial_types=[("X", FloatTensorType([None, n]))])
    data: bytes = model.SerializeToString()
    return data


def _to_joblib(estimator: Any) -> bytes:
    try:
        import joblib
    except ImportError as err:
        raise ImportError("publishing an estimator needs joblib: pip install 'slipway[sklearn]'") from err
    buffer = io.BytesIO()
    joblib.dump(estimator, buffer)
    return buffer.getvalue()


def artifact_of(
    model: Any, *, format: str | None = None, as_onnx: bool = False, filename: str | None = None
) -> Artifact:
    """
    The upload for ``model``: a path (the file as it is), bytes (with ``filename``), an ONNX
    ``ModelProto``, or a fitted scikit-learn estimator — saved with joblib (the gateway's pickle
    format), or converted with skl2onnx when ``as_onnx`` is true.
    """
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        with open(path, "rb") as f:
            return Artifact(f.read(), filename or os.path.basename(path), format)
    if isinstance(model, (bytes, bytearray)):
        if not filename:
            raise ValueError("publishing bytes needs filename= (its extension tells the format), or format=")
        return Artifact(bytes(model), filename, format)
    if _is_onnx_model(model):
        return Artifact(model.SerializeToString(), filename or "model.onnx", format or "onnx")
    if _is_estimator(model):
        if as_onnx:
            return Artifact(_to_onnx(model), filename or "model.onnx", format or "onnx")
        return Artifact(_to_joblib(model), filename or "model.joblib", format or "pickle")
    raise TypeError(
        f"cannot publish a {type(model).__name__}: pass a file path, bytes with filename=, "
        "an ONNX ModelProto or a fitted scikit-learn estimator"
    )
