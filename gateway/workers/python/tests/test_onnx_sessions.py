"""The ONNX role: sessions opened with the providers asked for, never silently on others."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from slipway_worker.onnx_sessions import OnnxWorker, from_array, to_array
from slipway_worker.protocol import WorkerError

MODEL = str(Path(__file__).resolve().parents[3] / "test" / "fixtures" / "onnx" / "regressor_gbr.onnx")


def test_opens_a_session_and_describes_it_as_onnxruntime_node_does() -> None:
    worker = OnnxWorker()
    info = asyncio.run(worker.open_session({"key": "k", "path": MODEL, "providers": ["CPUExecutionProvider"]}))
    assert info["providers"] == ["CPUExecutionProvider"]
    (inp,) = info["inputs"]
    assert inp["isTensor"] is True
    assert inp["type"] == "float32"
    assert inp["shape"][1] == 6


def test_runs_tensors_and_answers_them_flat_with_their_dims() -> None:
    worker = OnnxWorker()
    info = asyncio.run(worker.open_session({"key": "k", "path": MODEL, "providers": ["CPUExecutionProvider"]}))
    name = info["inputs"][0]["name"]
    feeds = {name: {"type": "float32", "dims": [2, 6], "data": [0.5] * 12}}
    out = asyncio.run(worker.run({"key": "k", "feeds": feeds, "fetches": [info["outputs"][0]["name"]]}))
    (tensor,) = out.values()
    assert tensor["type"] == "float32"
    assert tensor["dims"][0] == 2
    assert len(tensor["data"]) == 2


def test_a_provider_onnxruntime_does_not_have_is_refused_naming_it() -> None:
    worker = OnnxWorker()
    with pytest.raises(WorkerError) as caught:
        asyncio.run(
            worker.open_session(
                {"key": "k", "path": MODEL, "providers": ["CUDAExecutionProvider", "CPUExecutionProvider"]}
            )
        )
    assert caught.value.type == "InvalidModel"
    assert "CUDAExecutionProvider is not available" in str(caught.value)
    assert worker.sessions == {}


def test_a_run_for_a_session_it_does_not_hold_asks_the_gateway_to_open_it_again() -> None:
    with pytest.raises(WorkerError) as caught:
        asyncio.run(OnnxWorker().run({"key": "gone", "feeds": {}}))
    assert caught.value.type == "ModelNotLoaded"


def test_tensors_cross_the_wire_unchanged() -> None:
    array = to_array({"type": "int64", "dims": [2, 2], "data": [1, 2, 3, 4]})
    assert array.dtype.name == "int64"
    assert array.shape == (2, 2)
    assert from_array(array) == {"type": "int64", "dims": [2, 2], "data": [1, 2, 3, 4]}
    assert from_array(to_array({"type": "string", "dims": [1], "data": ["a"]})) == {
        "type": "string",
        "dims": [1],
        "data": ["a"],
    }
